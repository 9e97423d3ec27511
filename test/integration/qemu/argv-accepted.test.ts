import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVmDocument, type VmDocument } from '../../../src-shared/vm-document/index.js';
import { buildArgv, probeHost, requireEmulator, selectUefiFirmware, type HostInfo, type VmPaths } from '../../../src-main/engine/qemu/index.js';
import { createQemuImg } from '../../../src-main/engine/storage/qemu-img.js';
import { CASE_OPTIONS, GOLDEN_DIR } from '../../unit/engine/qemu/golden-cases.js';
import { TinyQmp, processGone, startQemu, waitForSocket } from './qemu-harness.js';
import { requireSwtpm, startSwtpm, stopSwtpm } from '../../../src-main/engine/session/swtpm.js';

// Cases that cannot start on a build machine, and why. Everything else x86_64 must be accepted by real QEMU.
const EXCLUDED: Record<string, string> = {
  // -netdev bridge runs the setuid qemu-bridge-helper, which needs a configured bridge (br0) and an
  // /etc/qemu/bridge.conf allow rule; build machines have neither.
  bridge: 'no bridge / qemu-bridge-helper permissions',
};

const img = createQemuImg();
const MiB = 1024 * 1024;
let host: HostInfo;
let root: string;

const cases = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.vm.json'))
  .map((f) => f.slice(0, -'.vm.json'.length))
  .sort()
  .map((name) => ({ name, vm: parseVmDocument(readFileSync(join(GOLDEN_DIR, `${name}.vm.json`), 'utf8')) }))
  .filter((c) => c.vm.arch === 'x86_64' && !(c.name in EXCLUDED));

beforeAll(async () => {
  host = await probeHost();
  root = await mkdtemp(join(tmpdir(), 'hangar-argv-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A small ISO 9660 image (xorriso when present), else any file: QEMU's raw driver accepts every file. */
async function makeIso(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const content = join(root, 'iso-content');
  await mkdir(content, { recursive: true });
  await writeFile(join(content, 'README.TXT'), 'hangar test\n');
  try {
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'HANGAR', '-o', path, content], { stdio: 'pipe' });
  } catch {
    await writeFile(path, Buffer.alloc(2 * MiB));
  }
}

/** Absolute paths in the goldens (/home/ada/...) are moved under the test root; relative ones stay in the bundle. */
function relocate(vm: VmDocument, base: string): VmDocument {
  const move = (p: string): string => (posix.isAbsolute(p) ? join(base, 'abs', p) : p);
  return {
    ...vm,
    disks: vm.disks.map((d) => ({ ...d, path: move(d.path) })),
    cdroms: vm.cdroms.map((c) => ({ ...c, path: c.path === null ? null : move(c.path) })),
    shares: vm.shares.map((s) => ({ ...s, path: move(s.path) })),
    // USB sticks name their checked chains (fake paths in golden-cases.ts); real QEMU takes them at start in usb.test.ts.
    usb: { ...vm.usb, images: [] },
  };
}

describe('real QEMU accepts every x86_64 golden argv', () => {
  it('has cases to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (name, { vm: golden }) => {
    const caseRoot = await mkdtemp(join(root, `${name}-`));
    // Commas, spaces and unicode in the bundle folder: the escaping must survive real QEMU.
    const bundleDir = join(caseRoot, 'My VMs, ✈ test.hangar');
    let vm = relocate(golden, caseRoot);
    const emulator = requireEmulator(host, 'x86_64');
    if (vm.cpu.model === 'host' && !emulator.kvm.usable) {
      // Without KVM the right answer is a typed refusal naming the field, not a QEMU failure...
      expect(() => buildArgv(vm, host, { bundleDir, runtimeDir: caseRoot, logsDir: caseRoot, nvramPath: '' })).toThrow(/cpu.model/);
      // ...and the rest of the case (ramfb, e1000e, ...) must still be accepted under TCG.
      vm = { ...vm, cpu: { ...vm.cpu, model: 'max' } };
    }
    for (const d of vm.disks) {
      const p = posix.isAbsolute(d.path) ? d.path : join(bundleDir, d.path);
      await mkdir(dirname(p), { recursive: true });
      await img.create(p, d.format, 32 * MiB);
    }
    for (const s of vm.shares) await mkdir(s.path, { recursive: true });
    for (const c of vm.cdroms) if (c.path !== null) await makeIso(posix.isAbsolute(c.path) ? c.path : join(bundleDir, c.path));
    const logsDir = join(bundleDir, 'logs');
    await mkdir(logsDir, { recursive: true });
    const nvramPath = join(bundleDir, 'nvram', 'efivars.qcow2');
    if (vm.firmware.type === 'uefi') {
      const fw = selectUefiFirmware(emulator, vm.machine, vm.firmware.secureBoot);
      expect(fw, 'UEFI firmware for this case').not.toBeNull();
      await mkdir(dirname(nvramPath), { recursive: true });
      await img.convert(fw!.varsTemplate.filename, nvramPath, 'qcow2', { sourceFormat: 'raw' });
    }
    // Short (unix socket paths max ~107 bytes), with a comma to exercise escaping of the socket paths.
    const runtimeDir = await mkdtemp('/tmp/hq,');
    try {
      // A TPM case runs the real swtpm first (the runtime folder's comma checks its paths too).
      const tpm = vm.firmware.tpm ? { tpmSocket: await startSwtpm({ binary: requireSwtpm(host.swtpm, name), vmName: name, bundleDir, runtimeDir, logsDir }) } : {};
      // A disposable case: real overlays (over the real images) in the bundle's disposable/ folder.
      const overlays: Record<string, string> = {};
      for (const id of Object.keys(CASE_OPTIONS[name]?.paths?.overlays ?? {})) {
        const base = id === 'pflash1' ? nvramPath : join(bundleDir, vm.disks.find((d) => d.id === id)!.path);
        const format = id === 'pflash1' ? 'qcow2' : vm.disks.find((d) => d.id === id)!.format;
        overlays[id] = join(bundleDir, 'disposable', `${id}.qcow2`);
        await mkdir(dirname(overlays[id]), { recursive: true });
        await img.create(overlays[id], 'qcow2', (await img.info(base))['virtual-size'], { backing: { path: base, format } });
      }
      const paths: VmPaths = { bundleDir, runtimeDir, logsDir, nvramPath, ...tpm, ...(CASE_OPTIONS[name]?.paths?.qmpFd !== undefined ? { qmpFd: 3 } : {}), ...(Object.keys(overlays).length > 0 ? { overlays } : {}) };
      const argv = buildArgv(vm, host, paths);
      const qmpPath = join(runtimeDir, 'qmp.sock');
      const started = await startQemu(emulator.binary, argv, paths.qmpFd !== undefined ? qmpPath : undefined);
      const pid = started.child.pid!;
      try {
        await waitForSocket(qmpPath, started);
        const qmp = await TinyQmp.connect(qmpPath);
        const greeting = await qmp.next();
        expect(greeting).toHaveProperty('QMP.version.qemu.major', emulator.version.major);
        expect(await qmp.execute('qmp_capabilities')).toEqual({});
        const status = (await qmp.execute('query-status')) as { status: string; running: boolean };
        expect(status.running).toBe(false);
        expect(['prelaunch', 'paused']).toContain(status.status);
        // Every disk and inserted CD is a named format node: what snapshots and media changes address.
        const nodes = (await qmp.execute('query-named-block-nodes', { flat: true })) as Array<{ 'node-name': string }>;
        const names = new Set(nodes.map((n) => n['node-name']));
        for (const d of vm.disks) expect(names).toContain(d.id);
        for (const c of vm.cdroms) if (c.path !== null) expect(names).toContain(c.id);
        if (vm.firmware.type === 'uefi') expect(names).toContain('pflash1');
        const block = (await qmp.execute('query-block')) as Array<{ qdev?: string; inserted?: unknown }>;
        for (const c of vm.cdroms.filter((x) => x.path === null)) {
          const dev = block.find((b) => b.qdev === c.id || b.qdev?.includes(`/${c.id}/`));
          expect(dev, `empty drive ${c.id}`).toBeDefined();
          expect(dev!.inserted).toBeUndefined();
        }
        expect(existsSync(join(runtimeDir, 'vnc.sock'))).toBe(true);
        expect(existsSync(join(runtimeDir, 'qemu.pid'))).toBe(true);
        await qmp.execute('quit');
        qmp.close();
        expect(await started.exited).toBe(0);
      } finally {
        if (started.child.exitCode === null) started.child.kill('SIGKILL');
        await started.exited;
      }
      expect(processGone(pid)).toBe(true);
      expect(existsSync(join(logsDir, 'serial.log'))).toBe(true);
      expect(started.stderr()).not.toMatch(/error/i);
    } finally {
      await stopSwtpm(runtimeDir);
      await rm(runtimeDir, { recursive: true, force: true });
    }
  });

  it('notices when QEMU refuses an argv (the harness is not vacuous)', async () => {
    const vm = { ...cases[0]!.vm, disks: [], cdroms: [], bootOrder: [], extraArgs: ['-device', 'no-such-device-model'] };
    const runtimeDir = await mkdtemp('/tmp/hq,');
    try {
      const argv = buildArgv(vm, host, { bundleDir: root, runtimeDir, logsDir: root, nvramPath: '' });
      const started = await startQemu(requireEmulator(host, 'x86_64').binary, argv);
      // QEMU may create its QMP socket before it reads -device, so judge by the exit and its message.
      expect(await started.exited).toBe(1);
      expect(started.stderr()).toMatch(/no-such-device-model/);
    } finally {
      await rm(runtimeDir, { recursive: true, force: true });
    }
  });
});
