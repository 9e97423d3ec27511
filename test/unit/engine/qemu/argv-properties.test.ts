import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import { ArgvError, buildArgv, QemuNotFoundError } from '../../../../src-main/engine/qemu/index.js';
import { FAKE_HOST, FAKE_KVM_HOST, FIXED_PATHS, GOLDEN_DIR } from './golden-cases.js';

const load = (name: string): VmDocument => parseVmDocument(readFileSync(join(GOLDEN_DIR, `${name}.vm.json`), 'utf8'));
const base = load('bios-empty-cd');
const vm = (patch: Partial<VmDocument>): VmDocument => ({ ...structuredClone(base), ...patch });
const valueOf = (argv: string[], flag: string): string[] => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));

function argvError(f: () => unknown): ArgvError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ArgvError);
    return err as ArgvError;
  }
  throw new Error('expected an ArgvError');
}

describe('buildArgv', () => {
  it('always has the fixed safety options, once each', () => {
    const argv = buildArgv(base, FAKE_HOST, FIXED_PATHS);
    for (const flag of ['-nodefaults', '-S', '-no-user-config']) expect(argv.filter((a) => a === flag)).toHaveLength(1);
    expect(valueOf(argv, '-display')).toEqual(['none']);
    expect(argv).not.toContain('-daemonize');
    expect(valueOf(argv, '-qmp')).toEqual(['unix:/run/user/1000/hangar/3f2b8c1e/qmp.sock,server=on,wait=off']);
    expect(valueOf(argv, '-pidfile')).toEqual(['/run/user/1000/hangar/3f2b8c1e/qemu.pid']);
  });

  it('runs QEMU under the seccomp sandbox, first, denying spawn, privileges, obsolete calls and resource control', () => {
    const argv = buildArgv(base, FAKE_HOST, FIXED_PATHS);
    expect(argv.slice(0, 3)).toEqual(['-no-user-config', '-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny']);
    expect(argv.filter((a) => a === '-sandbox')).toHaveLength(1);
    for (const name of ['uefi-secure-boot-tpm', 'clipboard-on', 'aarch64-virt', 'no-network', 'port-forwards']) {
      expect(valueOf(buildArgv(load(name), FAKE_HOST, { ...FIXED_PATHS, tpmSocket: 'swtpm.sock' }), '-sandbox'), name).toEqual(['on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny']);
    }
  });

  it('leaves the sandbox off for bridged networking only (no_new_privs would stop the setuid qemu-bridge-helper)', () => {
    expect(buildArgv(load('bridge'), FAKE_HOST, FIXED_PATHS)).not.toContain('-sandbox');
  });

  it('is pure: same input, same output, input untouched', () => {
    const copy = structuredClone(base);
    expect(buildArgv(base, FAKE_HOST, FIXED_PATHS)).toEqual(buildArgv(base, FAKE_HOST, FIXED_PATHS));
    expect(base).toEqual(copy);
  });

  it('uses kvm with tcg fallback only when the host says kvm is usable', () => {
    expect(valueOf(buildArgv(base, FAKE_HOST, FIXED_PATHS), '-accel')).toEqual(['tcg,thread=multi']);
    expect(valueOf(buildArgv(base, FAKE_KVM_HOST, FIXED_PATHS), '-accel')).toEqual(['kvm', 'tcg,thread=multi']);
  });

  it('puts extraArgs last, verbatim, and rejects line breaks in them', () => {
    const argv = buildArgv(vm({ extraArgs: ['-rtc', 'base=utc,driftfix=slew'] }), FAKE_HOST, FIXED_PATHS);
    expect(argv.slice(-2)).toEqual(['-rtc', 'base=utc,driftfix=slew']);
    expect(argvError(() => buildArgv(vm({ extraArgs: ['-x\n-y'] }), FAKE_HOST, FIXED_PATHS)).field).toBe('extraArgs[0]');
  });

  it('gives bootindex in bootOrder order and none to unlisted devices', () => {
    const argv = buildArgv(vm({ bootOrder: ['cd0'] }), FAKE_HOST, FIXED_PATHS);
    const devices = valueOf(argv, '-device');
    expect(devices.find((d) => d.startsWith('ide-cd'))).toContain('bootindex=1');
    expect(devices.find((d) => d.startsWith('virtio-blk-pci'))).not.toContain('bootindex');
  });

  it('names the field for a newline in a disk path', () => {
    const bad = vm({ disks: [{ ...base.disks[0]!, path: 'disks/a\nb.qcow2' }] });
    expect(argvError(() => buildArgv(bad, FAKE_HOST, FIXED_PATHS)).field).toBe('disks[0].path');
  });

  it('refuses unsupported combinations with the field named', () => {
    expect(argvError(() => buildArgv(vm({ cpu: { count: 1, model: 'host' } }), FAKE_HOST, FIXED_PATHS)).field).toBe('cpu.model');
    expect(argvError(() => buildArgv(vm({ firmware: { type: 'bios', secureBoot: false, tpm: true } }), FAKE_HOST, FIXED_PATHS)).field).toBe('firmware.tpm');
    expect(argvError(() => buildArgv(vm({ machine: 'pc', firmware: { type: 'uefi', secureBoot: true, tpm: false } }), FAKE_HOST, FIXED_PATHS)).field).toBe('firmware.secureBoot');
    expect(argvError(() => buildArgv(vm({ disks: [{ ...base.disks[0]!, bus: 'ide' }] }), FAKE_HOST, FIXED_PATHS)).field).toBe('disks[0].bus');
    expect(argvError(() => buildArgv(vm({ disks: [{ ...base.disks[0]!, bus: 'sata', readOnly: true }] }), FAKE_HOST, FIXED_PATHS)).field).toBe('disks[0].readOnly');
    const arm = load('aarch64-virt');
    expect(argvError(() => buildArgv({ ...arm, display: { device: 'std' } }, FAKE_HOST, FIXED_PATHS)).field).toBe('display.device');
    expect(argvError(() => buildArgv({ ...arm, input: { pointer: 'none', keyboard: 'ps2' } }, FAKE_HOST, FIXED_PATHS)).field).toBe('input.keyboard');
    expect(argvError(() => buildArgv({ ...arm, firmware: { type: 'bios', secureBoot: false, tpm: false } }, FAKE_HOST, FIXED_PATHS)).field).toBe('firmware.type');
    const seven = Array.from({ length: 7 }, (_, i) => ({ ...base.disks[0]!, id: `d${i}`, bus: 'sata' as const }));
    expect(argvError(() => buildArgv(vm({ disks: seven, cdroms: [], bootOrder: [] }), FAKE_HOST, FIXED_PATHS)).message).toMatch(/at most 6 SATA/);
  });

  it('throws QemuNotFoundError naming the package when the arch has no emulator', () => {
    const host = { ...FAKE_HOST, emulators: { x86_64: FAKE_HOST.emulators['x86_64']! } };
    expect(() => buildArgv(load('aarch64-virt'), host, FIXED_PATHS)).toThrow(QemuNotFoundError);
    expect(() => buildArgv(load('aarch64-virt'), host, FIXED_PATHS)).toThrow(/apt-get install -y qemu-system-arm/);
  });

  it('routes every path through comma doubling except -pidfile', () => {
    const paths = { ...FIXED_PATHS, runtimeDir: '/run/a,b', bundleDir: '/v/x,y.hangar', logsDir: '/v/x,y.hangar/logs' };
    const argv = buildArgv(base, FAKE_HOST, paths);
    expect(valueOf(argv, '-vnc')).toEqual(['unix:/run/a,,b/vnc.sock']);
    expect(valueOf(argv, '-pidfile')).toEqual(['/run/a,b/qemu.pid']);
    expect(valueOf(argv, '-blockdev')[0]).toContain('filename=/v/x,,y.hangar/disks/disk0.qcow2');
  });

  it('emits the inherited-fd QMP monitor when paths.qmpFd is given', () => {
    const argv = buildArgv(base, FAKE_HOST, { ...FIXED_PATHS, qmpFd: 3 });
    expect(argv).not.toContain('-qmp');
    expect(valueOf(argv, '-chardev')).toContain('socket,id=qmp,fd=3,server=on,wait=off');
    expect(valueOf(argv, '-mon')).toEqual(['chardev=qmp,mode=control']);
  });
});
