import { describe, expect, it } from 'vitest';
import type { HostSummary, IsoInspection } from '../../../../src-shared/contract/index.js';
import { adjustForBootability, detectOs, recommendationFor } from '../../../../src-shared/os-catalog/index.js';
import {
  FIELD_LABELS,
  WIZARD_PAGES,
  accelerationNote,
  archChoices,
  blockingReasons,
  pageRegionName,
  takenName,
  canCreate,
  initialWizardState,
  isPageValid,
  osOptions,
  pageOfField,
  summaryRows,
  EXISTING_DISK_MODES,
  EXISTING_DISK_MODE_TEXT,
  PAGE_FIELDS,
  toCreateArgs,
  validatePage,
  visibleMessages,
  wizardHost,
  wizardReducer,
  type WizardAction,
  type WizardHost,
  type WizardState,
} from '../../../../src-renderer/features/wizard/wizard-state.js';

const host: WizardHost = { hostMemoryMiB: 16384, hostCpus: 8, hostArch: 'x86_64', kvm: { usable: true, reason: 'ok' }, uefiAvailable: true, swtpmAvailable: true };

const run = (state: WizardState, ...actions: WizardAction[]) => actions.reduce(wizardReducer, state);
/** A draft named `name` with no install media and the existing image at `path` as its disk. */
const withExistingDisk = (name: string, path: string) =>
  run(
    initialWizardState(host),
    { type: 'set', field: 'name', value: name },
    { type: 'set', field: 'media', value: 'none' },
    { type: 'set', field: 'disk', value: 'existing' },
    { type: 'set', field: 'existingDiskPath', value: path },
  );

function inspection(volumeId: string, bootable = { bios: true, uefi: true }, path = '/isos/x.iso'): IsoInspection {
  const detected = detectOs({ volumeId });
  return {
    path,
    volumeId,
    systemId: '',
    publisherId: '',
    applicationId: '',
    bootable,
    detected,
    recommended: adjustForBootability(recommendationFor(detected?.osId), bootable),
    warnings: [],
  };
}

/** A draft named "vm" on the media page with an inspected ISO. */
function withIso(volumeId: string, start = initialWizardState(host), bootable?: { bios: boolean; uefi: boolean }): WizardState {
  return run(
    start,
    { type: 'set', field: 'name', value: 'vm' },
    { type: 'next' },
    { type: 'set', field: 'isoPath', value: '/isos/x.iso' },
    { type: 'inspectStarted', path: '/isos/x.iso' },
    { type: 'inspected', path: '/isos/x.iso', result: inspection(volumeId, bootable) },
  );
}

describe('initial draft', () => {
  it('starts on the name page with the catalog\'s "Other" defaults', () => {
    const s = initialWizardState();
    expect(s.page).toBe('name');
    expect(s.draft).toMatchObject({
      osId: 'generic', arch: 'x86_64', firmware: 'bios', memoryMiB: '2048', cpus: '2', disk: 'new', diskSizeGiB: '20',
      media: 'iso', diskBus: 'sata', nicModel: 'e1000e',
    });
    expect(s.touched).toEqual([]);
  });

  it('fits the defaults to a small host', () => {
    const tiny: WizardHost = { ...host, hostMemoryMiB: 2048, hostCpus: 1 };
    const s = withIso('CCCOMA_X64FRE_EN-US_DV9', initialWizardState(tiny));
    expect(s.draft).toMatchObject({ osId: 'win11', memoryMiB: '1024', cpus: '1' });
    expect(isPageValid(s, 'resources')).toBe(true);
  });

  it('wizardHost takes host.info', () => {
    const summary: HostSummary = {
      qemuVersion: '7.2.0', qemuBinary: '/usr/bin/qemu-system-x86_64', accelerators: ['tcg'], kvm: { usable: false, reason: '/dev/kvm is missing' },
      uefiAvailable: true, swtpmAvailable: false, hostMemoryMiB: 4096, hostCpus: 2, libraryDir: '/lib',
    };
    expect(wizardHost(summary)).toEqual({ hostMemoryMiB: 4096, hostCpus: 2, hostArch: 'x86_64', kvm: { usable: false, reason: '/dev/kvm is missing' }, uefiAvailable: true, swtpmAvailable: false, libraryDir: '/lib' });
  });
});

describe('checks as you type', () => {
  it('a field the user changed shows its error at once; an untouched one only after Next was tried', () => {
    let s = initialWizardState(host);
    expect(visibleMessages(s).errors).toEqual({});
    expect(blockingReasons(s)).toEqual(['Name: Give the machine a name']);
    s = run(s, { type: 'set', field: 'name', value: 'a\tb' });
    expect(visibleMessages(s).errors).toEqual({ Name: 'The name must not contain line breaks, tabs or other invisible control characters' });
    s = run(s, { type: 'set', field: 'name', value: 'ok' }, { type: 'next' }, { type: 'set', field: 'media', value: 'none' }, { type: 'next' }, { type: 'next' });
    expect(s.page).toBe('resources');
    s = run(s, { type: 'set', field: 'memoryMiB', value: '999999' });
    expect(visibleMessages(s).errors).toEqual({ 'Memory (MiB)': 'More than this host has (16384 MiB)' });
    expect(blockingReasons(s)).toEqual(['Memory (MiB): More than this host has (16384 MiB)']);
    s = run(s, { type: 'set', field: 'memoryMiB', value: '8' });
    expect(visibleMessages(s).errors).toEqual({ 'Memory (MiB)': 'At least 16 MiB' });
    s = run(s, { type: 'set', field: 'memoryMiB', value: '1024' }, { type: 'next' }, { type: 'set', field: 'diskSizeGiB', value: '0' });
    expect(s.page).toBe('disk');
    expect(visibleMessages(s).errors['Disk size (GiB)']).toMatch(/above 0 GiB/);
  });

  it('a missing ISO (iso.inspect failed) is flagged on the field as soon as the answer comes', () => {
    let s = run(initialWizardState(host), { type: 'set', field: 'name', value: 'x' }, { type: 'next' }, { type: 'set', field: 'isoPath', value: '/isos/gone.iso' });
    expect(visibleMessages(s).errors).toEqual({});
    s = run(s, { type: 'inspectStarted', path: '/isos/gone.iso' });
    expect(blockingReasons(s)).toEqual(['ISO image: Reading the image…']);
    s = run(s, { type: 'inspectFailed', path: '/isos/gone.iso', message: 'Could not read the image: no such file: /isos/gone.iso.' });
    expect(visibleMessages(s).errors).toEqual({ 'ISO image': 'Could not read the image: no such file: /isos/gone.iso.' });
  });

  it('a name the library already has is refused, ignoring case and spaces', () => {
    let s = run(initialWizardState(host), { type: 'library', names: ['Debian', 'web'] }, { type: 'set', field: 'name', value: '  debian ' });
    expect(visibleMessages(s).errors).toEqual({ Name: 'There is already a machine named "Debian"; choose another name' });
    expect(wizardReducer(s, { type: 'next' }).page).toBe('name');
    s = run(s, { type: 'set', field: 'name', value: 'debian 2' });
    expect(visibleMessages(s).errors).toEqual({});
    expect(takenName('WEB', ['web'])).toBe('web');
    expect(takenName('', ['web'])).toBeNull();
  });

  it('each page region has a name no field shares', () => {
    const fieldNames = new Set<string>(Object.values(FIELD_LABELS));
    for (const p of WIZARD_PAGES) expect(fieldNames.has(pageRegionName(p))).toBe(false);
    expect(pageRegionName('name')).toBe('Step 1 of 6: Name');
  });
});

describe('navigation', () => {
  it('next refuses to leave an invalid page and shows its errors from then on', () => {
    let s = initialWizardState(host);
    expect(visibleMessages(s).errors).toEqual({});
    s = wizardReducer(s, { type: 'next' });
    expect(s.page).toBe('name');
    expect(visibleMessages(s).errors).toEqual({ Name: 'Give the machine a name' });
    s = run(s, { type: 'set', field: 'name', value: '  My VM ' }, { type: 'next' });
    expect(s.page).toBe('media');
  });

  it('walks every page to the summary, and back', () => {
    let s = withIso('Debian 12.5.0 amd64 n');
    for (const page of ['media', 'system', 'resources', 'disk', 'summary'] as const) {
      expect(s.page).toBe(page);
      s = wizardReducer(s, { type: 'next' });
    }
    expect(s.page).toBe('summary');
    for (const page of ['disk', 'resources', 'system', 'media', 'name', 'name'] as const) {
      s = wizardReducer(s, { type: 'back' });
      expect(s.page).toBe(page);
    }
  });

  it('back keeps what was typed, even when invalid; next checks it again', () => {
    let s = run(withIso('Debian 12.5.0 amd64 n'), { type: 'next' }, { type: 'next' }, { type: 'set', field: 'memoryMiB', value: 'lots' });
    expect(s.page).toBe('resources');
    s = run(s, { type: 'next' });
    expect(s.page).toBe('resources');
    s = run(s, { type: 'back' }, { type: 'next' }, { type: 'next' });
    expect(s.page).toBe('resources');
    expect(s.draft.memoryMiB).toBe('lots');
  });

  it('goto jumps back freely, and forward only over valid pages', () => {
    let s = initialWizardState(host);
    s = wizardReducer(s, { type: 'goto', page: 'summary' });
    expect(s.page).toBe('name');
    expect(s.attempted).toContain('name');
    s = run(s, { type: 'set', field: 'name', value: 'x' }, { type: 'set', field: 'media', value: 'none' }, { type: 'goto', page: 'summary' });
    expect(s.page).toBe('summary');
    expect(wizardReducer(s, { type: 'goto', page: 'system' }).page).toBe('system');
  });

  it('knows which page edits each field', () => {
    expect(pageOfField('isoPath')).toBe('media');
    expect(pageOfField('cpus')).toBe('resources');
    expect(WIZARD_PAGES).toEqual(['name', 'media', 'system', 'resources', 'disk', 'summary']);
  });
});

describe('ISO inspection and catalog defaults', () => {
  it('a detected OS sets the OS and its defaults', () => {
    const s = withIso('Debian 12.5.0 amd64 n');
    expect(s.inspection.status).toBe('done');
    expect(s.draft).toMatchObject({ osId: 'debian12', memoryMiB: '2048', diskSizeGiB: '20', firmware: 'bios', diskBus: 'virtio', nicModel: 'virtio-net-pci' });
  });

  it('Windows 11 (or 10): UEFI, Secure Boot, TPM, SATA, e1000e, 4 GiB, 64 GiB; with a warning to check the OS', () => {
    const s = withIso('CCCOMA_X64FRE_EN-US_DV9');
    expect(s.draft).toMatchObject({
      osId: 'win11', firmware: 'uefi', secureBoot: true, tpm: true, memoryMiB: '4096', cpus: '2', diskSizeGiB: '64', diskBus: 'sata', nicModel: 'e1000e', display: 'std',
    });
    expect(validatePage(s, 'media').warnings[FIELD_LABELS.osId]).toMatch(/Windows 10 or 11/);
  });

  it('never overwrites a field the user edited', () => {
    const start = run(initialWizardState(host), { type: 'set', field: 'memoryMiB', value: '3000' }, { type: 'set', field: 'firmware', value: 'bios' });
    const s = withIso('CCCOMA_X64FRE_EN-US_DV9', start);
    expect(s.draft).toMatchObject({ osId: 'win11', memoryMiB: '3000', firmware: 'bios', secureBoot: false, tpm: true, diskSizeGiB: '64' });
  });

  it('a chosen OS is kept when an ISO is inspected later; the image\'s boot modes still count', () => {
    let s = run(initialWizardState(host), { type: 'set', field: 'osId', value: 'debian12' });
    expect(s.draft).toMatchObject({ osId: 'debian12', diskBus: 'virtio' });
    s = withIso('CCCOMA_X64FRE_EN-US_DV9', s);
    expect(s.draft.osId).toBe('debian12');
    s = withIso('SOMETHING', run(initialWizardState(host), { type: 'set', field: 'osId', value: 'debian12' }), { bios: false, uefi: true });
    expect(s.draft).toMatchObject({ osId: 'debian12', firmware: 'uefi' });
  });

  it('choosing an OS by hand applies its defaults to untouched fields', () => {
    const s = run(withIso('Debian 12.5.0 amd64 n'), { type: 'set', field: 'cpus', value: '4' }, { type: 'set', field: 'osId', value: 'win11' });
    expect(s.draft).toMatchObject({ osId: 'win11', cpus: '4', memoryMiB: '4096', firmware: 'uefi', diskBus: 'sata' });
  });

  it('a changed ISO path re-detects; untouched fields follow the new OS', () => {
    let s = withIso('CCCOMA_X64FRE_EN-US_DV9');
    s = run(
      s,
      { type: 'set', field: 'isoPath', value: '/isos/arch.iso' },
      { type: 'inspected', path: '/isos/arch.iso', result: inspection('ARCH_202411', { bios: false, uefi: true }, '/isos/arch.iso') },
    );
    expect(s.draft).toMatchObject({ osId: 'archlinux', firmware: 'uefi', secureBoot: false, tpm: false, memoryMiB: '2048', diskBus: 'virtio' });
  });

  it('ignores stale inspection answers', () => {
    let s = run(initialWizardState(host), { type: 'set', field: 'isoPath', value: '/isos/b.iso' });
    s = run(s, { type: 'inspectStarted', path: '/isos/a.iso' }, { type: 'inspected', path: '/isos/a.iso', result: inspection('ARCH_202411') });
    expect(s.inspection.status).toBe('idle');
    expect(s.draft.osId).toBe('generic');
    s = run(s, { type: 'inspectFailed', path: '/isos/a.iso', message: 'nope' });
    expect(s.inspection.status).toBe('idle');
  });

  it('an unknown image: generic OS, "Other" defaults fitted to the boot modes', () => {
    const s = withIso('HANGAR_LINUX', undefined, { bios: false, uefi: true });
    expect(s.draft).toMatchObject({ osId: 'generic', firmware: 'uefi', diskBus: 'sata' });
  });

  it('lists an osinfo-only detection first in the OS options', () => {
    const insp: IsoInspection = { ...inspection('X'), detected: { osId: 'centos-stream9', name: 'CentOS Stream 9', family: 'linux', confidence: 0.8, source: 'osinfo' } };
    const s = run(initialWizardState(host), { type: 'set', field: 'isoPath', value: '/isos/x.iso' }, { type: 'inspected', path: '/isos/x.iso', result: insp });
    expect(s.draft.osId).toBe('centos-stream9');
    expect(osOptions(s)[0]).toEqual({ id: 'centos-stream9', name: 'CentOS Stream 9', vendor: 'Detected' });
    expect(summaryRows(s).find((r) => r.label === 'Operating system')?.value).toBe('CentOS Stream 9');
  });
});

describe('validation', () => {
  const at = (s: WizardState, page: WizardState['page']) => validatePage(s, page);

  it('media: an ISO path is required unless "no media"; inspection failures and progress block', () => {
    const s = run(initialWizardState(host), { type: 'set', field: 'name', value: 'vm' });
    expect(at(s, 'media').errors).toEqual({ 'ISO image': 'Choose an ISO image, or "No installation media"' });
    expect(at(run(s, { type: 'set', field: 'isoPath', value: 'relative.iso' }), 'media').errors['ISO image']).toMatch(/full path/);
    const reading = run(s, { type: 'set', field: 'isoPath', value: '/x.iso' }, { type: 'inspectStarted', path: '/x.iso' });
    expect(at(reading, 'media').errors['ISO image']).toBe('Reading the image…');
    const failed = run(reading, { type: 'inspectFailed', path: '/x.iso', message: 'not an ISO 9660 image: no CD001 signature at sector 16' });
    expect(at(failed, 'media').errors).toEqual({ 'ISO image': 'not an ISO 9660 image: no CD001 signature at sector 16' });
    expect(at(run(s, { type: 'set', field: 'media', value: 'none' }), 'media').errors).toEqual({});
    // Not inspected (e.g. no engine yet): allowed; vm.create checks the file.
    expect(at(run(s, { type: 'set', field: 'isoPath', value: '/x.iso' }), 'media').errors).toEqual({});
  });

  it('media: inspection warnings show on the ISO field', () => {
    const insp = { ...inspection('DATA'), warnings: ['this image has no El Torito boot record: it can be attached as a CD, but it will not boot'] };
    const s = run(initialWizardState(host), { type: 'set', field: 'isoPath', value: '/isos/x.iso' }, { type: 'inspected', path: '/isos/x.iso', result: insp });
    expect(at(s, 'media').warnings['ISO image']).toMatch(/will not boot/);
  });

  it('resources: memory warns above 75% of the host and refuses above it; CPUs up to the host\'s', () => {
    const s = initialWizardState(host);
    const mem = (v: string) => at(run(s, { type: 'set', field: 'memoryMiB', value: v }), 'resources');
    expect(mem('12288')).toEqual({ errors: {}, warnings: {} });
    expect(mem('12289').warnings['Memory (MiB)']).toBe("More than 75% of this host's memory (16384 MiB): the host may start swapping");
    expect(mem('16384').errors).toEqual({});
    expect(mem('16385').errors['Memory (MiB)']).toBe('More than this host has (16384 MiB)');
    expect(mem('8').errors['Memory (MiB)']).toBe('At least 16 MiB');
    for (const bad of ['', '2k', '2.5', '-1']) expect(mem(bad).errors['Memory (MiB)'], bad).toMatch(/whole number/);
    const cpus = (v: string) => at(run(s, { type: 'set', field: 'cpus', value: v }), 'resources').errors.CPUs;
    expect(cpus('8')).toBeUndefined();
    expect(cpus('9')).toBe('This host has only 8 CPUs');
    expect(cpus('0')).toMatch(/at least 1/);
    expect(cpus('two')).toMatch(/whole number/);
  });

  it('resources without host info: only the absolute limits', () => {
    const s = run(initialWizardState(), { type: 'set', field: 'memoryMiB', value: '999999' });
    expect(at(s, 'resources').errors).toEqual({});
  });

  it('system: acceleration consequences, firmware rules', () => {
    let s = initialWizardState(host);
    expect(accelerationNote(s)).toEqual({ accelerator: 'kvm', text: 'KVM: the guest runs at near-native speed' });
    s = wizardReducer(s, { type: 'host', host: { ...host, kvm: { usable: false, reason: '/dev/kvm is missing' } } });
    expect(accelerationNote(s).text).toBe('no KVM on this host: the guest will run slowly (/dev/kvm is missing)');
    // Said once, by the System page's notice (accelerationNote): not again on the field or in the summary.
    expect(at(s, 'system').warnings.Architecture).toBeUndefined();
    expect(at(s, 'summary').warnings.Architecture).toBeUndefined();
    expect(at(s, 'system').errors).toEqual({});
    s = wizardReducer(s, { type: 'set', field: 'arch', value: 'aarch64' });
    expect(s.draft.firmware).toBe('uefi');
    expect(accelerationNote(s).text).toMatch(/no hardware acceleration for aarch64 guests on this x86_64 host/);
    expect(at(wizardReducer(s, { type: 'set', field: 'firmware', value: 'bios' }), 'system').errors).toEqual({ Firmware: 'aarch64 machines start with UEFI only' });
    expect(accelerationNote(initialWizardState()).accelerator).toBe('unknown');
  });

  it('system: an ARM or RISC-V image sets the arch (with UEFI), from its preset or its label; an arch the user chose stays', () => {
    const armIso = (volumeId: string, arch: 'aarch64' | 'riscv64' | undefined) => ({ ...inspection(volumeId, { bios: false, uefi: true }), ...(arch ? { arch } : {}) });
    const inspected = (start: WizardState, result: IsoInspection) => run(
      start,
      { type: 'set', field: 'name', value: 'vm' },
      { type: 'set', field: 'isoPath', value: '/isos/x.iso' },
      { type: 'inspectStarted', path: '/isos/x.iso' },
      { type: 'inspected', path: '/isos/x.iso', result },
    );
    let s = inspected(initialWizardState(host), armIso('Debian 12.5.0 arm64 n', 'aarch64'));
    expect(s.draft).toMatchObject({ osId: 'debian12-arm64', arch: 'aarch64', firmware: 'uefi' });
    s = inspected(initialWizardState(host), armIso('HANGAR_AARCH64', 'aarch64'));
    expect(s.draft).toMatchObject({ osId: 'generic', arch: 'aarch64', firmware: 'uefi' });
    s = inspected(initialWizardState(host), armIso('Debian 13.1.0 riscv64 n', 'riscv64'));
    expect(s.draft).toMatchObject({ osId: 'debian13-riscv64', arch: 'riscv64', firmware: 'uefi' });
    // Nothing tells: the arch stays.
    expect(inspected(initialWizardState(host), armIso('MYDISC', undefined)).draft.arch).toBe('x86_64');
    // The user's own choice wins over the image's.
    s = inspected(wizardReducer(initialWizardState(host), { type: 'set', field: 'arch', value: 'riscv64' }), armIso('Debian 12.5.0 arm64 n', 'aarch64'));
    expect(s.draft).toMatchObject({ osId: 'debian12-arm64', arch: 'riscv64' });
    // Choosing a preset chooses its arch; a PC OS goes back to x86_64 (and its firmware); "Other" leaves it.
    s = wizardReducer(initialWizardState(host), { type: 'set', field: 'osId', value: 'alpinelinux-aarch64' });
    expect(s.draft).toMatchObject({ arch: 'aarch64', firmware: 'uefi', memoryMiB: '512' });
    s = wizardReducer(s, { type: 'set', field: 'osId', value: 'debian12' });
    expect(s.draft).toMatchObject({ arch: 'x86_64', firmware: 'bios' });
    s = wizardReducer(wizardReducer(s, { type: 'set', field: 'osId', value: 'fedora-aarch64' }), { type: 'set', field: 'osId', value: 'generic' });
    expect(s.draft.arch).toBe('aarch64');
  });

  it('archChoices: every arch until host.info answers; then the usable ones with their consequence, the missing ones off with the install command', () => {
    expect(archChoices(null)).toEqual([
      { arch: 'x86_64', usable: true, detail: '' },
      { arch: 'aarch64', usable: true, detail: '' },
      { arch: 'riscv64', usable: true, detail: '' },
    ]);
    const architectures = [
      { arch: 'x86_64', usable: true, note: 'hardware-accelerated (KVM)' },
      { arch: 'aarch64', usable: false, note: 'no UEFI firmware (AAVMF) for aarch64 virt machines', installHint: 'sudo apt-get install -y qemu-efi-aarch64' },
      { arch: 'riscv64', usable: true, note: 'emulated on this x86_64 host: slow' },
      { arch: 'sparc64', usable: true, note: 'from a newer engine' },
    ];
    expect(archChoices({ ...host, architectures })).toEqual([
      { arch: 'x86_64', usable: true, detail: 'hardware-accelerated (KVM)' },
      { arch: 'riscv64', usable: true, detail: 'emulated on this x86_64 host: slow' },
      { arch: 'aarch64', usable: false, detail: 'no UEFI firmware (AAVMF) for aarch64 virt machines; install it with: sudo apt-get install -y qemu-efi-aarch64' },
    ]);
  });

  it('system: riscv64 gets UEFI (OpenSBI + U-Boot); an arch the host cannot run is an error with its install command', () => {
    let s = wizardReducer(initialWizardState(host), { type: 'set', field: 'arch', value: 'riscv64' });
    expect(s.draft.firmware).toBe('uefi');
    expect(at(wizardReducer(s, { type: 'set', field: 'firmware', value: 'bios' }), 'system').errors).toEqual({ Firmware: 'riscv64 machines start with UEFI only' });
    const missing = { arch: 'riscv64', usable: false, note: 'qemu-system-riscv64 is not installed', installHint: 'sudo apt-get install -y qemu-system-misc opensbi u-boot-qemu' };
    s = wizardReducer(s, { type: 'host', host: { ...host, architectures: [missing] } });
    expect(at(s, 'system').errors).toEqual({ Architecture: 'qemu-system-riscv64 is not installed; install it with: sudo apt-get install -y qemu-system-misc opensbi u-boot-qemu' });
  });

  it('system: a TPM warns only when host.info says swtpm is missing', () => {
    const win11 = withIso('CCCOMA_X64FRE_EN-US_DV9');
    expect(win11.draft.tpm).toBe(true);
    expect(at(win11, 'system').warnings.TPM).toBeUndefined(); // swtpm found
    const missing = wizardReducer(win11, { type: 'host', host: { ...host, swtpmAvailable: false } });
    expect(at(missing, 'system').warnings.TPM).toBe('swtpm is not installed on this host (install the swtpm package); the machine will not start until it is');
    expect(at(missing, 'system').errors).toEqual({}); // a warning: the machine can still be created
    expect(at(wizardReducer(missing, { type: 'set', field: 'tpm', value: false }), 'system').warnings.TPM).toBeUndefined();
    // Host not known yet: no TPM warning, as with UEFI.
    const unknown = withIso('CCCOMA_X64FRE_EN-US_DV9', initialWizardState());
    expect(unknown.draft.tpm).toBe(true);
    expect(at(unknown, 'system').warnings.TPM).toBeUndefined();
  });

  it('system: leaving UEFI turns Secure Boot off; a missing OVMF is a warning', () => {
    let s = withIso('CCCOMA_X64FRE_EN-US_DV9');
    s = wizardReducer(s, { type: 'host', host: { ...host, uefiAvailable: false } });
    expect(at(s, 'system').warnings.Firmware).toMatch(/no UEFI firmware/);
    s = wizardReducer(s, { type: 'set', field: 'firmware', value: 'bios' });
    expect(s.draft.secureBoot).toBe(false);
    expect(at(wizardReducer(s, { type: 'set', field: 'secureBoot', value: true }), 'system').errors).toEqual({ 'Secure Boot': 'Secure Boot needs UEFI firmware' });
  });

  it('disk: size, existing image, or none (but not with no media too)', () => {
    const s = withIso('Debian 12.5.0 amd64 n');
    const disk = (...a: WizardAction[]) => at(run(s, ...a), 'disk');
    expect(disk().errors).toEqual({});
    expect(disk({ type: 'set', field: 'diskSizeGiB', value: '0' }).errors['Disk size (GiB)']).toBe('A disk needs a size above 0 GiB, e.g. 20 (or choose "No disk")');
    expect(disk({ type: 'set', field: 'diskSizeGiB', value: 'big' }).errors['Disk size (GiB)']).toMatch(/Enter the disk size/);
    expect(disk({ type: 'set', field: 'diskSizeGiB', value: '99999' }).errors['Disk size (GiB)']).toBe('At most 65536 GiB');
    expect(disk({ type: 'set', field: 'diskSizeGiB', value: '8' }).warnings['Disk size (GiB)']).toBe('Debian 12 needs about 20 GiB');
    expect(disk({ type: 'set', field: 'diskSizeGiB', value: '12.5' }).errors).toEqual({});
    expect(disk({ type: 'set', field: 'disk', value: 'existing' }).errors).toEqual({ 'Disk image': 'Choose a disk image' });
    expect(disk({ type: 'set', field: 'disk', value: 'existing' }, { type: 'set', field: 'existingDiskPath', value: '/vm/d.qcow2' }).errors).toEqual({});
    expect(disk({ type: 'set', field: 'disk', value: 'none' }).errors).toEqual({});
    expect(disk({ type: 'set', field: 'disk', value: 'none' }, { type: 'set', field: 'media', value: 'none' }).errors).toEqual({
      Disk: 'With no disk and no installation media there is nothing to start',
    });
  });

  it('error keys are the accessible field labels', () => {
    const s = run(initialWizardState(host), { type: 'set', field: 'memoryMiB', value: 'x' }, { type: 'set', field: 'cpus', value: 'x' }, { type: 'set', field: 'diskSizeGiB', value: 'x' });
    expect(Object.keys(validatePage(s, 'summary').errors).sort()).toEqual(['CPUs', 'Disk size (GiB)', 'ISO image', 'Memory (MiB)', 'Name']);
  });
});

describe('toCreateArgs', () => {
  it('a Windows draft becomes vm.create arguments with the catalog devices', () => {
    const s = withIso('CCCOMA_X64FRE_EN-US_DV9');
    expect(canCreate(s)).toBe(true);
    expect(toCreateArgs(s)).toEqual({
      name: 'vm', osId: 'win11', arch: 'x86_64', memoryMiB: 4096, cpus: 2, firmware: 'uefi', secureBoot: true, tpm: true,
      iso: '/isos/x.iso', diskSizeGiB: 64, diskBus: 'sata', nicModel: 'e1000e', display: 'std',
    });
  });

  it('existing disk, no media, BIOS (no secureBoot sent); aarch64 leaves devices to the engine', () => {
    const s = withExistingDisk(' Old disk ', '/vm/old.qcow2');
    expect(toCreateArgs(s)).toEqual({
      name: 'Old disk', osId: 'generic', arch: 'x86_64', memoryMiB: 2048, cpus: 2, firmware: 'bios', tpm: false,
      existingDisk: '/vm/old.qcow2', existingDiskMode: 'use', diskBus: 'sata', nicModel: 'e1000e', display: 'std',
    });
    const arm = toCreateArgs(wizardReducer(s, { type: 'set', field: 'arch', value: 'aarch64' }));
    expect(arm).toMatchObject({ arch: 'aarch64', firmware: 'uefi', secureBoot: false });
    expect(arm).not.toHaveProperty('diskBus');
    expect(arm).not.toHaveProperty('display');
  });

  it('an existing image is used in place by default, or copied or converted into the bundle', () => {
    const s = withExistingDisk('imported', '/vm/old.vmdk');
    expect(s.draft.existingDiskMode).toBe('use');
    expect(PAGE_FIELDS.disk).toContain('existingDiskMode');
    for (const mode of EXISTING_DISK_MODES) {
      const m = run(s, { type: 'set', field: 'existingDiskMode', value: mode });
      expect(validatePage(m, 'disk').errors).toEqual({});
      expect(toCreateArgs(m)).toMatchObject({ existingDisk: '/vm/old.vmdk', existingDiskMode: mode });
      expect(summaryRows(m)).toContainEqual({ label: 'Disk', value: `/vm/old.vmdk (${EXISTING_DISK_MODE_TEXT[mode].toLowerCase()})` });
    }
    // A new disk sends no mode (the engine refuses a mode without an existing image).
    const fresh = run(s, { type: 'set', field: 'existingDiskMode', value: 'convert' }, { type: 'set', field: 'disk', value: 'new' }, { type: 'set', field: 'diskSizeGiB', value: '8' });
    expect(toCreateArgs(fresh)).not.toHaveProperty('existingDiskMode');
  });

  it('refuses an incomplete draft', () => {
    expect(canCreate(initialWizardState(host))).toBe(false);
    expect(() => toCreateArgs(initialWizardState(host))).toThrow(/Name: Give the machine a name/);
  });

  it('the summary lists what will be created', () => {
    const rows = summaryRows(withIso('Debian 12.5.0 amd64 n'));
    expect(rows).toContainEqual({ label: 'Operating system', value: 'Debian 12' });
    expect(rows).toContainEqual({ label: 'Architecture', value: 'x86_64 (KVM)' });
    expect(rows).toContainEqual({ label: 'Disk', value: 'new, 20 GiB' });
    expect(rows).toContainEqual({ label: 'Devices', value: 'virtio disk, virtio-net-pci network, virtio display' });
  });

  it('folder: empty is the library (no argument sent); an absolute path is sent; a relative one blocks the Name page', () => {
    const base = withIso('Debian 12.5.0 amd64 n', initialWizardState({ ...host, libraryDir: '/home/u/Hangar' }));
    expect(summaryRows(base)).toContainEqual({ label: 'Folder', value: 'the library (/home/u/Hangar)' });
    expect(toCreateArgs(base)).not.toHaveProperty('folder');
    const chosen = run(base, { type: 'set', field: 'folder', value: '  /srv/vms, fast  ' });
    expect(toCreateArgs(chosen)).toMatchObject({ folder: '/srv/vms, fast' });
    expect(summaryRows(chosen)).toContainEqual({ label: 'Folder', value: '/srv/vms, fast' });
    const relative = run(base, { type: 'set', field: 'folder', value: 'vms' });
    expect(validatePage(relative, 'name').errors).toEqual({ Folder: 'Give the full path of the folder (starting with /), or leave it empty for the library' });
    expect(pageOfField('folder')).toBe('name');
    expect(() => toCreateArgs(relative)).toThrow(/Folder: Give the full path/);
  });
});

describe('the cloud image path (media: cloud)', () => {
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEggYlb0WrW1+dRkKoOSAJBizcjB8u0uFJz63w4PnP/V alice@host';
  const cloud = (...more: WizardAction[]) =>
    run(
      initialWizardState(host),
      { type: 'set', field: 'name', value: 'cloudy' },
      { type: 'set', field: 'media', value: 'cloud' },
      { type: 'set', field: 'cloudImagePath', value: '/images/debian.qcow2' },
      { type: 'set', field: 'memoryMiB', value: '512' },
      { type: 'set', field: 'cpus', value: '1' },
      { type: 'set', field: 'diskSizeGiB', value: '4' },
      ...more,
    );

  it('sends the image and the seed values (trimmed keys, no empty fields) and no ISO', () => {
    const args = toCreateArgs(cloud(
      { type: 'set', field: 'cloudUser', value: ' alice ' },
      { type: 'set', field: 'cloudPassword', value: 's3cret pw' },
      { type: 'set', field: 'cloudSshKey', value: `\n${KEY}\n\n` },
    ));
    expect(args).toMatchObject({ name: 'cloudy', cloudImage: '/images/debian.qcow2', cloudInit: { user: 'alice', password: 's3cret pw', sshKeys: [KEY] }, diskSizeGiB: 4 });
    expect(args.iso).toBeUndefined();
    expect(args.cloudInit).not.toHaveProperty('hostname');
    const rows = summaryRows(cloud({ type: 'set', field: 'cloudPassword', value: 's3cret pw' }, { type: 'set', field: 'cloudUser', value: 'alice' }));
    expect(rows.find((r) => r.label === 'Cloud-init')?.value).toMatch(/user alice, password set \(stored hashed\), 0 SSH key\(s\)/);
    expect(JSON.stringify(rows)).not.toContain('s3cret');
  });

  it('checks each field by the engine’s rules, on the media page', () => {
    const errors = validatePage(cloud(
      { type: 'set', field: 'cloudUser', value: 'Al"ice' },
      { type: 'set', field: 'cloudSshKey', value: `${KEY}\nssh-ed25519 AAAA` },
      { type: 'set', field: 'cloudHostname', value: 'bad host' },
      { type: 'set', field: 'cloudImagePath', value: 'relative.qcow2' },
    ), 'media').errors;
    expect(errors).toMatchObject({
      [FIELD_LABELS.cloudUser]: expect.stringMatching(/^The user name must be 1–32 characters/),
      [FIELD_LABELS.cloudSshKey]: expect.stringMatching(/^Key 2 /),
      [FIELD_LABELS.cloudHostname]: expect.stringMatching(/^The host name must be a host name/),
      [FIELD_LABELS.cloudImagePath]: expect.stringMatching(/full path/),
    });
    expect(validatePage(cloud({ type: 'set', field: 'cloudPassword', value: 'x' }), 'media').errors[FIELD_LABELS.cloudUser]).toBe('A password needs a user name');
    expect(validatePage(cloud(), 'media').warnings[FIELD_LABELS.cloudSshKey]).toMatch(/nobody can log in/);
    expect(validatePage(cloud({ type: 'set', field: 'disk', value: 'existing' }), 'disk').errors[FIELD_LABELS.disk]).toMatch(/gets its disk from the image/);
    expect(pageOfField('cloudSshKey')).toBe('media');
  });
});
