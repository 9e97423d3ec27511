import { describe, expect, it } from 'vitest';
import {
  OS_CATALOG,
  adjustForBootability,
  applyDeviceChoices,
  applyRecommendation,
  createArch,
  createChoices,
  detectOs,
  familyRecommendation,
  findCatalogEntry,
  recommendationFor,
  recommendationToNewVmInput,
} from '../../../../src-shared/os-catalog/index.js';
import { newVmDocument, validateVmDocument, type NewVmInput } from '../../../../src-shared/vm-document/index.js';

const base: NewVmInput = { id: '6f1c1d1e-8a4b-4c2d-9e3f-1a2b3c4d5e6f', name: 'vm', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01' };

describe('OS catalog', () => {
  it('has unique ids and covers the common OSes', () => {
    const ids = OS_CATALOG.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [
      'debian10', 'debian11', 'debian12', 'debian13', 'ubuntu20.04', 'ubuntu22.04', 'ubuntu24.04', 'ubuntu24.04-server',
      'fedora39', 'fedora40', 'fedora41', 'fedora', 'archlinux', 'alpinelinux', 'opensuse15', 'opensusetumbleweed',
      'linuxmint21', 'linuxmint22', 'rocky8', 'rocky9', 'almalinux8', 'almalinux9', 'freebsd', 'openbsd', 'netbsd',
      'win10', 'win11', 'win2k22', 'reactos', 'generic-linux', 'generic',
    ]) {
      expect(findCatalogEntry(id), id).toBeDefined();
    }
  });

  it.each(OS_CATALOG.map((e) => [e.id, e] as const))('%s: its recommendation makes a valid document', (_id, entry) => {
    const rec = entry.recommended;
    const doc = applyRecommendation(
      newVmDocument({ ...base, osId: entry.id, ...recommendationToNewVmInput(rec), disk: { path: 'disks/disk0.qcow2', format: 'qcow2' } }),
      rec,
    );
    expect(validateVmDocument(doc)).toEqual(doc);
    expect(doc.memoryMiB).toBe(rec.memoryMiB);
    expect(doc.cpu.count).toBe(rec.cpus);
    expect(doc.disks[0]?.bus).toBe(rec.diskBus);
    expect(rec.pointer).toBe('usb-tablet');
    if (rec.secureBoot) expect(rec.firmware).toBe('uefi');
  });

  it('follows the family rules: virtio for Linux/BSD, SATA + e1000e for Windows, Windows 11 with UEFI + Secure Boot + TPM', () => {
    for (const e of OS_CATALOG) {
      if (e.family === 'linux' || e.family === 'bsd') expect(e.recommended, e.id).toMatchObject({ diskBus: 'virtio', nicModel: 'virtio-net-pci' });
      if (e.family === 'windows' && e.id !== 'reactos') expect(e.recommended, e.id).toMatchObject({ diskBus: 'sata', nicModel: 'e1000e', display: 'std' });
    }
    expect(findCatalogEntry('win11')?.recommended).toMatchObject({ firmware: 'uefi', secureBoot: true, tpm: true, memoryMiB: 4096, diskGiB: 64, cpus: 2 });
    expect(findCatalogEntry('win10')?.recommended).toMatchObject({ secureBoot: false, tpm: false });
    expect(familyRecommendation('other')).toMatchObject({ diskBus: 'sata', nicModel: 'e1000e', firmware: 'bios' });
    expect(recommendationFor('no-such-os')).toEqual(familyRecommendation('other'));
  });
});

describe('detectOs', () => {
  const cases: Array<[string, string | null, Partial<{ name: string; minConfidence: number; maxConfidence: number }>?]> = [
    ['Debian 12.5.0 amd64 n', 'debian12'],
    ['Debian 12.8.0 amd64 1', 'debian12'],
    ['Debian 13.0.0 amd64 n', 'debian13'],
    ['Debian 11.11.0 amd64 n', 'debian11'],
    ['Debian 10.13.0 i386 n', 'debian10'],
    ['d-live 12.5.0 gn amd64', 'debian12'],
    ['Ubuntu 24.04 LTS amd64', 'ubuntu24.04'],
    ['Ubuntu 22.04.4 LTS amd64', 'ubuntu22.04'],
    ['Ubuntu 20.04.6 LTS amd64', 'ubuntu20.04'],
    ['Ubuntu-Server 24.04.1 LTS amd64', 'ubuntu24.04-server'],
    ['Ubuntu-Server 22.04.5 LTS amd64', 'ubuntu22.04-server'],
    ['Fedora-WS-Live-41-1-4', 'fedora41'],
    ['Fedora-S-dvd-x86_64-40', 'fedora40'],
    ['Fedora-E-dvd-x86_64-39', 'fedora39'],
    ['Fedora-S-dvd-x86_64-37', 'fedora', { maxConfidence: 0.7 }],
    ['ARCH_202411', 'archlinux'],
    ['alpine-virt 3.20.3 x86_64', 'alpinelinux'],
    ['alpine-std 3.21.0 x86_64', 'alpinelinux'],
    ['openSUSE-Leap-15.6-DVD-x86_64708', 'opensuse15'],
    ['openSUSE-Tumbleweed-DVD-x86_64', 'opensusetumbleweed'],
    ['openSUSE_Tumbleweed_KDE_Live', 'opensusetumbleweed'],
    ['Linux Mint 22 Cinnamon 64-bit', 'linuxmint22'],
    ['Linux Mint 21.3 Xfce 64-bit', 'linuxmint21'],
    ['Rocky-9-4-x86_64-dvd', 'rocky9'],
    ['Rocky-8-10-x86_64-dvd', 'rocky8'],
    ['AlmaLinux-9-4-x86_64-dvd', 'almalinux9'],
    ['14_1_RELEASE_AMD64_CD', 'freebsd'],
    ['FreeBSD_Install', 'freebsd'],
    ['OpenBSD/amd64   7.6 Install CD', 'openbsd'],
    ['NETBSD_100', 'netbsd'],
    ['ReactOS', 'reactos'],
    ['CCCOMA_X64FRE_EN-US_DV9', 'win11', { name: 'Windows 10 or 11', maxConfidence: 0.6 }],
    ['CPBA_X64FRE_EN-US_DV9', 'win11', { name: 'Windows 10 or 11', maxConfidence: 0.6 }],
    ['CCCOMA_X86FRE_EN-US_DV9', 'win10', { name: 'Windows 10', minConfidence: 0.8 }],
    ['CCCOMA_A64FRE_EN-US_DV9', 'win11', { name: 'Windows 11', minConfidence: 0.8 }],
    ['SSS_X64FREE_EN-US_DV9', 'win2k22', { maxConfidence: 0.6 }],
    ['HANGAR_LINUX', null],
    ['CDROM', null],
    ['', null],
  ];

  it.each(cases)('%j → %s', (volumeId, osId, extra) => {
    const d = detectOs({ volumeId });
    if (osId === null) {
      expect(d).toBeNull();
      return;
    }
    expect(d).toMatchObject({ osId, source: 'catalog' });
    if (extra?.name) expect(d?.name).toBe(extra.name);
    if (extra?.minConfidence !== undefined) expect(d!.confidence).toBeGreaterThanOrEqual(extra.minConfidence);
    if (extra?.maxConfidence !== undefined) expect(d!.confidence).toBeLessThanOrEqual(extra.maxConfidence);
    expect(d!.confidence).toBeGreaterThan(0);
    expect(d!.confidence).toBeLessThanOrEqual(1);
  });

  it('reports the ambiguous Windows 10/11 label with Windows 10 as the alternative', () => {
    expect(detectOs({ volumeId: 'CCCOMA_X64FRE_EN-US_DV9' })).toEqual({
      osId: 'win11', name: 'Windows 10 or 11', family: 'windows', confidence: 0.6, source: 'catalog', alternatives: ['win10'],
    });
  });

  it('is more confident about a version-specific label than a family-wide one', () => {
    expect(detectOs({ volumeId: 'Fedora-WS-Live-41-1-4' })!.confidence).toBeGreaterThan(detectOs({ volumeId: 'Fedora-WS-Live-38-1-6' })!.confidence);
  });

  it('checks the other identifiers when a matcher has them', () => {
    const catalog = [{ ...findCatalogEntry('freebsd')!, matchers: [{ volumeId: /^X/, systemId: /^FreeBSD$/, confidence: 0.9 }] }];
    expect(detectOs({ volumeId: 'X1', systemId: 'FreeBSD' }, catalog)?.osId).toBe('freebsd');
    expect(detectOs({ volumeId: 'X1', systemId: 'LINUX' }, catalog)).toBeNull();
    expect(detectOs({ volumeId: 'X1' }, catalog)).toBeNull();
  });
});

describe('recommendations', () => {
  it('fit the image: UEFI-only media get UEFI, BIOS-only media lose Secure Boot', () => {
    const win11 = recommendationFor('win11');
    expect(adjustForBootability(win11, { bios: true, uefi: false })).toMatchObject({ firmware: 'bios', secureBoot: false });
    expect(adjustForBootability(recommendationFor('debian12'), { bios: false, uefi: true }).firmware).toBe('uefi');
    expect(adjustForBootability(win11, { bios: true, uefi: true })).toEqual(win11);
    expect(adjustForBootability(win11, { bios: false, uefi: false })).toEqual(win11);
  });

  it('createChoices: explicit arguments win, the catalog fills the gaps', () => {
    expect(createChoices({})).toEqual({});
    expect(createChoices({ osId: 'no-such-os', memoryMiB: 512 })).toEqual({ memoryMiB: 512 });
    expect(createChoices({ osId: 'win11' })).toEqual({
      memoryMiB: 4096, cpus: 2, firmware: 'uefi', secureBoot: true, tpm: true, diskBus: 'sata', nicModel: 'e1000e', display: 'std', pointer: 'usb-tablet',
    });
    expect(createChoices({ osId: 'win11', memoryMiB: 8192, diskBus: 'virtio', tpm: false })).toMatchObject({ memoryMiB: 8192, diskBus: 'virtio', tpm: false });
    // BIOS chosen by hand: no Secure Boot from the catalog (it needs UEFI).
    expect(createChoices({ osId: 'win11', firmware: 'bios' }).secureBoot).toBeUndefined();
    expect(createChoices({ osId: 'debian12' })).toMatchObject({ diskBus: 'virtio', nicModel: 'virtio-net-pci', firmware: 'bios' });
  });

  it('createChoices: Linux presets turn the guest agent channel on (their distributions ship qemu-ga), Windows and BSD leave it off', () => {
    expect(createChoices({ osId: 'debian12' }).guestAgent).toBe(true);
    expect(createChoices({ osId: 'ubuntu24.04' }).guestAgent).toBe(true);
    expect(createChoices({ osId: 'debian12', guestAgent: false }).guestAgent).toBe(false);
    expect(createChoices({ osId: 'win11' }).guestAgent).toBeUndefined();
    expect(createChoices({ osId: 'freebsd' }).guestAgent).toBeUndefined();
    const doc = applyDeviceChoices(newVmDocument(base), createChoices({ osId: 'debian12' }));
    expect(doc.guestAgent).toBe(true);
    expect(newVmDocument(base).guestAgent).toBe(false);
    expect(validateVmDocument(doc)).toEqual(doc);
  });

  it('createChoices: for aarch64 only memory and CPUs come from the (x86) catalog', () => {
    expect(createChoices({ osId: 'win11', arch: 'aarch64' })).toEqual({ memoryMiB: 4096, cpus: 2 });
  });

  it('ARM and RISC-V presets: each names its arch, outranks the PC entry its label also fits, and brings its arch to a new machine', () => {
    const presets = OS_CATALOG.filter((e) => e.arch !== undefined).map((e) => [e.id, e.arch]);
    expect(presets).toEqual([
      ['debian13-arm64', 'aarch64'], ['debian13-riscv64', 'riscv64'], ['debian12-arm64', 'aarch64'],
      ['ubuntu24.04-arm64', 'aarch64'], ['ubuntu24.04-server-arm64', 'aarch64'], ['ubuntu22.04-server-arm64', 'aarch64'],
      ['fedora-aarch64', 'aarch64'], ['alpinelinux-aarch64', 'aarch64'],
    ]);
    for (const e of OS_CATALOG.filter((x) => x.arch !== undefined)) expect(e.recommended.firmware).toBe('uefi');
    expect(detectOs({ volumeId: 'Debian 12.5.0 arm64 n' })).toMatchObject({ osId: 'debian12-arm64', arch: 'aarch64' });
    expect(detectOs({ volumeId: 'Debian 12.5.0 amd64 n' })).not.toHaveProperty('arch');
    expect(detectOs({ volumeId: 'Fedora-S-dvd-aarch64-41' })).toMatchObject({ osId: 'fedora-aarch64', arch: 'aarch64' });
    expect(detectOs({ volumeId: 'Fedora-S-dvd-x86_64-41' })).toMatchObject({ osId: 'fedora41' });
    expect(detectOs({ volumeId: 'Ubuntu-Server 22.04.4 LTS arm64' })).toMatchObject({ osId: 'ubuntu22.04-server-arm64' });
    // The arch asked for wins; else the preset's; PC entries and unknown ids leave it to the document.
    expect(createArch({ osId: 'debian13-riscv64' })).toBe('riscv64');
    expect(createArch({ osId: 'debian13-riscv64', arch: 'x86_64' })).toBe('x86_64');
    expect(createArch({ osId: 'debian12' })).toBeUndefined();
    expect(createArch({ osId: 'no-such-os' })).toBeUndefined();
    // A preset's machine gets the virt machine's devices, not PC ones (only memory and CPUs from the catalog).
    expect(createChoices({ osId: 'alpinelinux-aarch64' })).toEqual({ memoryMiB: 512, cpus: 1 });
  });

  it('applyDeviceChoices is pure and keeps the document valid', () => {
    const doc = newVmDocument({ ...base, firmware: 'uefi', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: '/isos/x.iso' });
    const before = JSON.stringify(doc);
    const next = applyDeviceChoices(doc, createChoices({ osId: 'win11' }));
    expect(JSON.stringify(doc)).toBe(before);
    expect(next).toMatchObject({
      memoryMiB: 4096, firmware: { type: 'uefi', secureBoot: true, tpm: true }, display: { device: 'std' },
      network: { model: 'e1000e' }, disks: [{ bus: 'sata' }], input: { pointer: 'usb-tablet' },
    });
    expect(validateVmDocument(next)).toEqual(next);
    // Leaving UEFI drops Secure Boot, so the document stays valid.
    expect(applyDeviceChoices(next, { firmware: 'bios' }).firmware).toEqual({ type: 'bios', secureBoot: false, tpm: true });
    // ...unless Secure Boot is asked for explicitly: the conflict then fails validation instead of vanishing.
    expect(() => validateVmDocument(applyDeviceChoices(next, { firmware: 'bios', secureBoot: true }))).toThrow(/firmware\.secureBoot/);
  });
});
