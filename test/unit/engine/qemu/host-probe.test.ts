import { chmod, mkdir, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKvm, clearProbeCache, findQemuBinaries, installCommand, loadFirmwareDescriptors, probeHost, QemuNotFoundError, selectUefiFirmware } from '../../../../src-main/engine/qemu/index.js';
import { parseCpuHelp, parseMachineHelp, parseQemuVersion } from '../../../../src-main/engine/qemu/probe-parsers.js';
import { parseOsRelease } from '../../../../src-main/engine/qemu/install-hint.js';
import { FAKE_HOST } from './golden-cases.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-probe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probe parsers', () => {
  it('parses versions', () => {
    expect(parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright')).toEqual({ major: 7, minor: 2, micro: 22 });
    expect(parseQemuVersion('QEMU emulator version 9.1\n')).toEqual({ major: 9, minor: 1, micro: 0 });
    expect(parseQemuVersion('nonsense')).toBeNull();
  });

  it('parses -cpu help (x86 and other targets), up to the flag list', () => {
    expect(parseCpuHelp('Available CPUs:\nx86 486                   (alias configured by machine type)\nx86 Broadwell-v1          Intel Core Processor (Broadwell)\nx86 max                   Enables all features supported by the accelerator in the current host\n\nRecognized CPUID flags:\n  3dnow fpu\n')).toEqual([
      { name: '486', description: '(alias configured by machine type)' },
      { name: 'Broadwell-v1', description: 'Intel Core Processor (Broadwell)' },
      { name: 'max', description: 'Enables all features supported by the accelerator in the current host' },
    ]);
    expect(parseCpuHelp('Available CPUs:\n  a64fx\n  cortex-a72\n  max\n')).toEqual([
      { name: 'a64fx', description: '' }, { name: 'cortex-a72', description: '' }, { name: 'max', description: '' },
    ]);
    expect(parseCpuHelp('garbage')).toEqual([]);
  });

  it('parses -machine help with aliases and the default', () => {
    const m = parseMachineHelp('Supported machines are:\nq35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)\npc-q35-7.2           Standard PC (Q35 + ICH9, 2009)\npc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)\nnone                 empty machine\n');
    expect(m).toEqual([
      { name: 'q35', description: 'Standard PC (Q35 + ICH9, 2009)', aliasOf: 'pc-q35-7.2', isDefault: false },
      { name: 'pc-q35-7.2', description: 'Standard PC (Q35 + ICH9, 2009)', aliasOf: null, isDefault: false },
      { name: 'pc-i440fx-7.2', description: 'Standard PC (i440FX + PIIX, 1996)', aliasOf: null, isDefault: true },
      { name: 'none', description: 'empty machine', aliasOf: null, isDefault: false },
    ]);
  });
});

describe('install hints', () => {
  it('names the right command per platform and distro', () => {
    expect(installCommand('linux', parseOsRelease('ID=debian\n'))).toBe('sudo apt-get install -y qemu-system-x86 qemu-utils ovmf');
    expect(installCommand('linux', parseOsRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\n'))).toMatch(/^sudo apt-get install/);
    expect(installCommand('linux', parseOsRelease('ID=fedora\n'))).toMatch(/^sudo dnf install/);
    expect(installCommand('linux', parseOsRelease('ID=arch\n'))).toMatch(/^sudo pacman -S/);
    expect(installCommand('linux', parseOsRelease('ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n'))).toMatch(/^sudo zypper install/);
    expect(installCommand('darwin', null)).toBe('brew install qemu');
    expect(installCommand('win32', null)).toBe('winget install SoftwareFreedomConservancy.QEMU');
  });
});

describe('firmware selection', () => {
  const x86 = FAKE_HOST.emulators['x86_64']!;
  it('resolves the q35 alias and picks plain, secure+enrolled, and i440fx firmware', () => {
    expect(selectUefiFirmware(x86, 'q35', false)?.code.filename).toBe('/usr/share/OVMF/OVMF_CODE_4M.fd');
    const sb = selectUefiFirmware(x86, 'q35', true)!;
    expect(sb).toMatchObject({ code: { filename: '/usr/share/OVMF/OVMF_CODE_4M.ms.fd' }, varsTemplate: { filename: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' }, enrolledKeys: true, requiresSmm: true });
    expect(selectUefiFirmware(x86, 'pc', false)?.code.filename).toBe('/usr/share/OVMF/OVMF_CODE_4M.fd');
    expect(selectUefiFirmware(x86, 'pc', true)).toBeNull();
  });

  it('loads descriptors with later folders overriding and empty files masking', async () => {
    const a = join(dir, 'fw-a');
    const b = join(dir, 'fw-b');
    await mkdir(a, { recursive: true });
    await mkdir(b, { recursive: true });
    const desc = (code: string) => JSON.stringify({ 'interface-types': ['uefi'], mapping: { device: 'flash', executable: { filename: code, format: 'raw' }, 'nvram-template': { filename: '/v', format: 'raw' } }, targets: [{ architecture: 'x86_64', machines: ['pc-q35-*'] }], features: [] });
    await writeFile(join(a, '50-x.json'), desc('/a/code'));
    await writeFile(join(b, '50-x.json'), desc('/b/code'));
    await writeFile(join(a, '60-masked.json'), desc('/masked'));
    await writeFile(join(b, '60-masked.json'), '');
    await writeFile(join(a, '10-broken.json'), '{not json');
    const list = await loadFirmwareDescriptors([a, b]);
    expect(list.map((d) => d.executable?.filename)).toEqual(['/b/code']);
  });
});

describe('host probe with fake binaries', () => {
  it('checks /dev/kvm by opening it read-write and by arch', async () => {
    expect((await checkKvm('x86_64', 'x86_64', 'linux', join(dir, 'no-such-kvm'))).reason).toMatch(/does not exist/);
    // A device this user may not open read-write: a read-only sysctl refuses writers with EACCES even to root
    // (a 0400 file would not: root opens any file), so this runs, and means the same, as root in CI.
    const ro = '/proc/sys/kernel/version';
    expect(await checkKvm('x86_64', 'x86_64', 'linux', ro)).toEqual({ usable: false, reason: expect.stringMatching(/^\/proc\/sys\/kernel\/version is not writable by this user: add yourself to the "kvm" group/) });
    const rw = join(dir, 'kvm-rw');
    await writeFile(rw, '');
    expect(await checkKvm('x86_64', 'x86_64', 'linux', rw)).toEqual({ usable: true, reason: '' });
    expect((await checkKvm('aarch64', 'x86_64', 'linux', rw)).usable).toBe(false);
    expect((await checkKvm('x86_64', 'x86_64', 'darwin', rw)).usable).toBe(false);
  });

  it('finds binaries in dir order, probes them once per mtime, and fails with an install hint when none', async () => {
    const bin1 = join(dir, 'bin1');
    const bin2 = join(dir, 'bin2');
    await mkdir(bin1, { recursive: true });
    await mkdir(bin2, { recursive: true });
    const counter = join(dir, 'runs');
    const script = `#!/bin/sh\necho x >> '${counter}'\nif [ "$1" = --version ]; then echo 'QEMU emulator version 8.1.5'; elif [ "$1" = -audiodev ]; then printf 'Available audio drivers:\\nnone\\nalsa\\n'; elif [ "$1" = -cpu ]; then printf 'Available CPUs:\\nx86 max   Enables all features\\n\\nRecognized CPUID flags:\\n  fpu\\n'; else printf 'Supported machines are:\\nq35   Standard PC (alias of pc-q35-8.1)\\npc-q35-8.1  Standard PC\\n'; fi\n`;
    for (const d of [bin1, bin2]) {
      await writeFile(join(d, 'qemu-system-x86_64'), script);
      await chmod(join(d, 'qemu-system-x86_64'), 0o755);
    }
    await writeFile(join(bin2, 'qemu-system-aarch64'), 'not executable');
    expect([...(await findQemuBinaries([bin1, bin2], 'linux')).entries()]).toEqual([['x86_64', join(bin1, 'qemu-system-x86_64')]]);

    clearProbeCache();
    const cacheFile = join(dir, 'cache', 'probe.json');
    const opts = { env: { PATH: bin2 }, extraDirs: [bin1], firmwareDirs: [], kvmDevice: join(dir, 'no-kvm'), cacheFile, nodeArch: 'x64', platform: 'linux' as const };
    const host = await probeHost(opts);
    expect(host.emulators['x86_64']).toMatchObject({ binary: join(bin1, 'qemu-system-x86_64'), version: { major: 8, minor: 1, micro: 5 }, accelerators: ['tcg'], kvm: { usable: false } });
    expect(host.emulators['x86_64']!.machines[0]).toMatchObject({ name: 'q35', aliasOf: 'pc-q35-8.1' });
    expect(host.emulators['x86_64']!.cpuModels).toEqual([{ name: 'max', description: 'Enables all features' }]);
    const { readFile } = await import('node:fs/promises');
    expect(host.emulators['x86_64']!.audiodevs).toEqual(['none', 'alsa']);
    // --version, -machine help, -cpu help, -audiodev help (the sound choice's): once each.
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(4);
    await probeHost(opts); // memory cache
    clearProbeCache();
    // File cache: a new engine process (each cold CLI's) runs no QEMU before its first start, sound included.
    const fromFile = await probeHost(opts);
    expect(fromFile.emulators['x86_64']!.cpuModels).toHaveLength(1);
    expect(fromFile.emulators['x86_64']!.audiodevs).toEqual(['none', 'alsa']);
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(4);

    const err = await probeHost({ env: { PATH: join(dir, 'empty') }, firmwareDirs: [], osReleasePath: join(dir, 'os-release'), platform: 'linux' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QemuNotFoundError);
  });

  it('names the distro command in QemuNotFoundError', async () => {
    const osr = join(dir, 'os-release-fedora');
    await writeFile(osr, 'NAME="Fedora Linux"\nID=fedora\n');
    const err = (await probeHost({ env: { PATH: join(dir, 'empty') }, firmwareDirs: [], osReleasePath: osr, platform: 'linux' }).catch((e: unknown) => e)) as QemuNotFoundError;
    expect(err.message).toMatch(/sudo dnf install -y qemu-system-x86 qemu-img edk2-ovmf/);
    expect(err.installCommand).toMatch(/^sudo dnf/);
  });
});
