// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { NewVmWizard } from '../../../../src-renderer/features/wizard/new-vm-wizard.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { detectOs, recommendationFor } from '../../../../src-shared/os-catalog/index.js';
import { EngineError, type IsoInspection } from '../../../../src-shared/contract/index.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

function inspection(path: string, volumeId: string): IsoInspection {
  const detected = detectOs({ volumeId });
  return {
    path, volumeId, systemId: '', publisherId: '', applicationId: '',
    bootable: { bios: true, uefi: true }, detected, recommended: recommendationFor(detected?.osId), warnings: [],
  };
}

function setup() {
  const api = new FakeHangarApi();
  api.handle('iso.inspect', ({ path }) => inspection(path, path.includes('debian') ? 'Debian 12.5.0 amd64 1' : 'MYDISC'));
  const created: string[] = [];
  let closed = 0;
  const user = userEvent.setup();
  renderWithApi(createElement(NewVmWizard, { onClose: () => closed++, onCreated: (id: string) => created.push(id) }), api);
  return { api, user, created, closed: () => closed };
}

const btn = (name: string) => screen.getByRole('button', { name });
const field = (name: string) => screen.getByRole('textbox', { name }) as HTMLInputElement;

describe('new-VM wizard', () => {
  it('keeps Next off with the reason beside it until the page is valid, and keeps the draft on Back', async () => {
    const { user } = setup();
    expect(await screen.findByRole('dialog', { name: 'New machine' })).toBeTruthy();
    expect((btn('Back') as HTMLButtonElement).disabled).toBe(true);
    const next = btn('Next') as HTMLButtonElement;
    expect(next.disabled).toBe(true);
    expect(document.getElementById(next.getAttribute('aria-describedby')!)?.textContent).toBe('Name: Give the machine a name');
    // The untouched field is not marked yet; a name typed and erased is, at once.
    expect(field('Name').getAttribute('aria-invalid')).toBe('false');
    await user.type(field('Name'), 'x');
    await user.clear(field('Name'));
    expect(field('Name').getAttribute('aria-invalid')).toBe('true');
    await user.type(field('Name'), 'web server');
    expect((btn('Next') as HTMLButtonElement).disabled).toBe(false);
    await user.click(btn('Next'));
    expect(await screen.findByRole('region', { name: 'Step 2 of 6: Installation media' })).toBeTruthy();
    // No ISO yet: Next is off and says why.
    expect((btn('Next') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('ISO image: Choose an ISO image, or "No installation media"')).toBeTruthy();
    // The radio and the field no longer share a name.
    expect(screen.getByRole('radio', { name: 'From an ISO image' })).toBeTruthy();
    expect(screen.getAllByRole('textbox', { name: 'ISO image' })).toHaveLength(1);
    await user.click(btn('Back'));
    expect(field('Name').value).toBe('web server');
  });

  it('flags a name the library already has as it is typed (ignoring case)', async () => {
    const api = new FakeHangarApi();
    const user = userEvent.setup();
    renderWithApi(createElement(NewVmWizard, { onClose: () => undefined, onCreated: () => undefined, takenNames: ['Debian'] }), api);
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'DEBIAN');
    expect(await screen.findAllByText(/There is already a machine named "Debian"/)).not.toHaveLength(0);
    expect(field('Name').getAttribute('aria-invalid')).toBe('true');
    expect((btn('Next') as HTMLButtonElement).disabled).toBe(true);
    await user.type(field('Name'), ' 2');
    expect((btn('Next') as HTMLButtonElement).disabled).toBe(false);
  });

  it('a typed ISO that does not exist is flagged once typing pauses (debounced iso.inspect), before Next', async () => {
    const api = new FakeHangarApi();
    api.handle('iso.inspect', ({ path }) => {
      throw new EngineError('not-found', `no such file: ${path}`);
    });
    const user = userEvent.setup();
    renderWithApi(createElement(NewVmWizard, { onClose: () => undefined, onCreated: () => undefined }), api);
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'x');
    await user.click(btn('Next'));
    await user.type(field('ISO image'), '/isos/gone.iso');
    await waitFor(() => expect(field('ISO image').getAttribute('aria-invalid')).toBe('true'), { timeout: 5000 });
    expect(screen.getAllByText(/no such file: \/isos\/gone\.iso/).length).toBeGreaterThan(0);
    // One inspection for the whole typed path, not one per key.
    expect(api.callsOf('iso.inspect')).toEqual([{ path: '/isos/gone.iso' }]);
    expect((btn('Next') as HTMLButtonElement).disabled).toBe(true);
  });

  it('Browse… picks an ISO, iso.inspect detects the OS and its defaults fill the later pages', async () => {
    const { api, user } = setup();
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'deb');
    await user.click(btn('Next'));
    api.dialogAnswer = '/isos/debian-12.5.0-amd64-netinst.iso';
    await user.click(btn('Browse…'));
    expect(await screen.findByText(/Detected Debian 12 from the volume label "Debian 12.5.0 amd64 1"/)).toBeTruthy();
    expect(field('ISO image').value).toBe('/isos/debian-12.5.0-amd64-netinst.iso');
    expect(api.callsOf('iso.inspect')).toEqual([{ path: '/isos/debian-12.5.0-amd64-netinst.iso' }]);
    const openFile = api.appCalls.find((c) => c.channel === 'dialog:openFile');
    expect(openFile?.args).toMatchObject({ filters: [{ extensions: ['iso'] }] });
    expect(screen.getByRole('combobox', { name: 'Operating system' }).textContent).toMatch(/Debian 12/);
    await user.click(btn('Next')); // system
    await user.click(btn('Next')); // resources
    const rec = recommendationFor('debian12');
    expect(field('Memory (MiB)').value).toBe(String(Math.min(rec.memoryMiB, 8192 * 0.5)));
    expect(field('CPUs').value).toBeTruthy();
  });

  it('a typed ISO path is inspected too', async () => {
    const { api, user } = setup();
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'x');
    await user.click(btn('Next'));
    await user.type(field('ISO image'), '/isos/other.iso');
    await user.tab();
    expect(await screen.findByText(/The volume label "MYDISC" names no operating system/)).toBeTruthy();
    expect(api.callsOf('iso.inspect').at(-1)).toEqual({ path: '/isos/other.iso' });
  });

  it('shows memory, CPU and disk errors inline, then creates only at the end', async () => {
    const { api, user, created } = setup();
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'box');
    await user.click(btn('Next'));
    await user.click(screen.getByRole('radio', { name: 'No installation media' }));
    await user.click(btn('Next')); // → system
    expect(await screen.findByRole('region', { name: 'Step 3 of 6: System' })).toBeTruthy();
    await user.click(btn('Next')); // → resources
    await user.clear(field('Memory (MiB)'));
    await user.type(field('Memory (MiB)'), '2k');
    await user.clear(field('CPUs'));
    await user.type(field('CPUs'), '99');
    // Flagged as typed, Next off (no click needed to see them).
    expect((btn('Next') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getAllByText(/Enter the memory in MiB as a whole number, e.g. 2048/).length).toBeGreaterThan(0);
    expect(screen.getAllByText(/This host has only 4 CPUs/).length).toBeGreaterThan(0);
    await user.clear(field('Memory (MiB)'));
    await user.type(field('Memory (MiB)'), '1024');
    await user.clear(field('CPUs'));
    await user.type(field('CPUs'), '2');
    await user.click(btn('Next')); // → disk
    await user.clear(field('Disk size (GiB)'));
    expect(screen.getAllByText(/Enter the disk size in GiB, e.g. 20/).length).toBeGreaterThan(0);
    await user.type(field('Disk size (GiB)'), '0');
    expect(screen.getAllByText(/A disk needs a size above 0 GiB/).length).toBeGreaterThan(0);
    expect((btn('Next') as HTMLButtonElement).disabled).toBe(true);
    await user.clear(field('Disk size (GiB)'));
    await user.type(field('Disk size (GiB)'), '8');
    expect(api.callsOf('vm.create')).toHaveLength(0);
    await user.click(btn('Next')); // → summary
    const summary = await screen.findByRole('region', { name: 'Step 6 of 6: Summary' });
    expect(within(summary).getByText('new, 8 GiB')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Next' })).toBeNull();
    expect(api.callsOf('vm.create')).toHaveLength(0);
    await user.click(btn('Create'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(api.callsOf('vm.create')).toEqual([
      expect.objectContaining({ name: 'box', memoryMiB: 1024, cpus: 2, diskSizeGiB: 8, osId: 'generic' }),
    ]);
    expect(api.callsOf('vm.create')[0]).not.toHaveProperty('iso');
    expect(api.callsOf('vm.start')).toHaveLength(0);
  });

  it('Architecture offers the arches host.info found, each with its consequence; a missing one is shown off with its install command', async () => {
    const api = new FakeHangarApi();
    api.handle('host.info', () => ({
      qemuVersion: '7.2.0', qemuBinary: '/usr/bin/qemu-system-x86_64', accelerators: ['tcg'], kvm: { usable: false, reason: 'test' }, uefiAvailable: true, swtpmAvailable: true, hostMemoryMiB: 8192, hostCpus: 4, libraryDir: '/library',
      architectures: [
        { arch: 'x86_64', usable: true, note: 'hardware-accelerated (KVM)' },
        { arch: 'aarch64', usable: true, note: 'emulated on this x86_64 host: slow' },
        { arch: 'riscv64', usable: false, note: 'qemu-system-riscv64 is not installed', installHint: 'sudo apt-get install -y qemu-system-misc opensbi u-boot-qemu' },
      ],
    }));
    const user = userEvent.setup();
    const created: string[] = [];
    renderWithApi(createElement(NewVmWizard, { onClose: () => undefined, onCreated: (id: string) => created.push(id) }), api);
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'arm');
    await user.click(btn('Next'));
    await user.click(screen.getByRole('radio', { name: 'No installation media' }));
    await user.click(btn('Next')); // → system
    await user.click(await screen.findByRole('combobox', { name: 'Architecture' }));
    const list = await screen.findByRole('listbox');
    const options = within(list).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual([
      'x86_64hardware-accelerated (KVM)',
      'aarch64emulated on this x86_64 host: slow',
      'riscv64qemu-system-riscv64 is not installed; install it with: sudo apt-get install -y qemu-system-misc opensbi u-boot-qemu',
    ]);
    expect(options.map((o) => o.getAttribute('aria-disabled'))).toEqual([null, null, 'true']);
    await user.click(options[1]!);
    // The field shows the arch alone; the page says what choosing it means.
    expect(screen.getByRole('combobox', { name: 'Architecture' }).textContent).toBe('aarch64');
    expect(screen.getByText(/No hardware acceleration for aarch64 guests on this x86_64 host/)).toBeTruthy();
    for (let i = 0; i < 3; i++) await user.click(btn('Next')); // resources, disk, summary
    await user.click(await screen.findByRole('button', { name: 'Create' }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(api.callsOf('vm.create')[0]).toMatchObject({ arch: 'aarch64', firmware: 'uefi' });
  });

  it('"Create and start" creates then starts; a create error stays in the wizard', async () => {
    const { api, user, created } = setup();
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'deb');
    await user.click(btn('Next'));
    api.dialogAnswer = '/isos/debian-12.iso';
    await user.click(btn('Browse…'));
    await screen.findByText(/Detected Debian 12/);
    for (let i = 0; i < 4; i++) await user.click(btn('Next'));
    await screen.findByRole('region', { name: 'Step 6 of 6: Summary' });
    api.failNext('vm.create', 'exists', 'a machine folder named "deb" already exists');
    await user.click(btn('Create and start'));
    expect(await screen.findByText(/Could not create the machine: a machine folder named "deb" already exists/)).toBeTruthy();
    expect(created).toHaveLength(0);
    await user.click(btn('Create and start'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(api.callsOf('vm.create').at(-1)).toMatchObject({ name: 'deb', iso: '/isos/debian-12.iso', osId: 'debian12' });
    expect(api.callsOf('vm.start')).toEqual([{ vm: created[0] }]);
  });
});

describe('new-VM wizard: the command line and the folder', () => {
  /** Name (and folder) typed, no ISO, defaults elsewhere: to the summary. */
  async function toSummary(user: ReturnType<typeof userEvent.setup>, name: string, folder?: string) {
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), name);
    if (folder !== undefined) await user.type(field('Folder'), folder);
    await user.click(btn('Next'));
    await user.click(screen.getByRole('radio', { name: 'No installation media' }));
    for (let i = 0; i < 4; i++) await user.click(btn('Next'));
    return screen.findByRole('region', { name: 'Step 6 of 6: Summary' });
  }

  it('the summary shows the engine’s command line for the draft, quoted for a shell, with Copy', async () => {
    const { api, user } = setup();
    const summary = await toSummary(user, 'my box');
    const line = await within(summary).findByLabelText('QEMU command line');
    await waitFor(() => expect(line.textContent).toMatch(/^\/usr\/bin\/qemu-system-x86_64 /));
    expect(line.textContent).toContain("-name 'my box'");
    expect(line.textContent).toMatch(/-m size=\d+M -smp cpus=\d+/);
    // Asked with exactly what Create will send.
    expect(api.callsOf('vm.previewArgv')).toHaveLength(1);
    expect(within(summary).queryByText(/once the machine exists/)).toBeNull();
    expect((within(summary).getByRole('button', { name: 'Copy' }) as HTMLButtonElement).disabled).toBe(false);
    await user.click(btn('Create'));
    await waitFor(() => expect(api.callsOf('vm.create')).toHaveLength(1));
    expect(api.callsOf('vm.create')[0]).toEqual(api.callsOf('vm.previewArgv')[0]);
  });

  it('asks again when the draft changed, and shows an engine refusal as one short sentence', async () => {
    const { api, user } = setup();
    await toSummary(user, 'vm');
    await waitFor(() => expect(api.callsOf('vm.previewArgv')).toHaveLength(1));
    await user.click(btn('Back')); // disk
    await user.click(btn('Back')); // resources
    await user.clear(field('Memory (MiB)'));
    await user.type(field('Memory (MiB)'), '768');
    api.failNext('vm.previewArgv', 'qemu-not-found', 'qemu-system-x86_64 was not found on PATH');
    await user.click(btn('Next'));
    await user.click(btn('Next'));
    expect(await screen.findByText('Could not build the command line: qemu-system-x86_64 was not found on PATH.', { exact: false })).toBeTruthy();
    expect(api.callsOf('vm.previewArgv').at(-1)).toMatchObject({ memoryMiB: 768 });
    expect(screen.queryByText(/at .*\.(ts|js):\d+/)).toBeNull();
  });

  it('Folder: empty means the library (shown), Browse… fills it, and vm.create gets it', async () => {
    const { api, user, created } = setup();
    expect(await screen.findByText(/Empty: the library \(\/library\)/)).toBeTruthy();
    api.dialogAnswer = '/srv/vms, fast disk';
    await user.click(btn('Browse…'));
    expect(api.appCalls.find((c) => c.channel === 'dialog:chooseFolder')).toBeTruthy();
    expect(field('Folder').value).toBe('/srv/vms, fast disk');
    const summary = await toSummary(user, 'elsewhere');
    expect(within(summary).getByText('/srv/vms, fast disk')).toBeTruthy();
    await waitFor(() => expect(api.callsOf('vm.previewArgv').at(-1)).toMatchObject({ folder: '/srv/vms, fast disk' }));
    await user.click(btn('Create'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(api.callsOf('vm.create')[0]).toMatchObject({ name: 'elsewhere', folder: '/srv/vms, fast disk' });
  });

  it('Folder: a relative path is refused on the Name page; without one vm.create has no folder', async () => {
    const { api, user, created } = setup();
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'x');
    await user.type(field('Folder'), 'vms');
    expect((btn('Next') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getAllByText(/Give the full path of the folder/).length).toBeGreaterThan(0);
    await user.clear(field('Folder'));
    await user.click(btn('Next'));
    await user.click(screen.getByRole('radio', { name: 'No installation media' }));
    for (let i = 0; i < 4; i++) await user.click(btn('Next'));
    const summary = await screen.findByRole('region', { name: 'Step 6 of 6: Summary' });
    expect(within(summary).getByText('the library (/library)')).toBeTruthy();
    await user.click(btn('Create'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(api.callsOf('vm.create')[0]).not.toHaveProperty('folder');
  });
});

describe('new-VM wizard: an existing disk image', () => {
  it('offers use / copy / convert (use by default); a conversion shows its progress and can be cancelled', async () => {
    const { api, user, created } = setup();
    let fail: (err: Error) => void = () => undefined;
    api.handle('vm.create', (args) => new Promise((_resolve, reject) => {
      fail = reject;
      api.emit({ type: 'vm.job', vmId: 'new-vm', seq: 1, jobId: args.jobId!, kind: 'disk-import', status: 'running', percent: 42 });
    }));
    api.handle('job.cancel', () => {
      fail(new EngineError('invalid-state', 'the conversion of /vm/old.vmdk was cancelled; nothing was created'));
      return { ok: true as const };
    });
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'imported');
    await user.click(btn('Next'));
    await user.click(screen.getByRole('radio', { name: 'No installation media' }));
    for (let i = 0; i < 3; i++) await user.click(btn('Next'));
    await user.click(screen.getByRole('radio', { name: 'Existing disk image' }));
    await user.type(field('Disk image'), '/vm/old.vmdk');
    const modes = screen.getByRole('radiogroup', { name: 'Use the image' });
    expect((within(modes).getByRole('radio', { name: 'Use it where it is' }) as HTMLInputElement).checked).toBe(true);
    expect(within(modes).getAllByRole('radio').map((r) => r.getAttribute('value'))).toEqual(['use', 'copy', 'convert']);
    await user.click(within(modes).getByRole('radio', { name: 'Convert it to qcow2 in the machine’s folder' }));
    await user.click(btn('Next'));
    const summary = await screen.findByRole('region', { name: 'Step 6 of 6: Summary' });
    expect(within(summary).getByText('/vm/old.vmdk (convert it to qcow2 in the machine’s folder)')).toBeTruthy();
    await user.click(btn('Create'));
    expect(await screen.findByRole('progressbar', { name: 'Copying the disk image: 42%' })).toBeTruthy();
    const sent = api.callsOf('vm.create')[0]!;
    expect(sent).toMatchObject({ existingDisk: '/vm/old.vmdk', existingDiskMode: 'convert', jobId: expect.stringMatching(/^[A-Za-z0-9-]{1,64}$/) });
    await user.click(btn('Cancel copy'));
    expect(api.callsOf('job.cancel')).toEqual([{ jobId: sent.jobId }]);
    expect(await screen.findByText(/was cancelled; nothing was created/)).toBeTruthy();
    expect(created).toHaveLength(0);
    expect((btn('Cancel') as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('wizard from the library window', () => {
  it('Ctrl+N and "New" open it; the created machine appears selected', async () => {
    const api = new FakeHangarApi();
    const store = new LibraryStore(api);
    store.start();
    const user = userEvent.setup();
    renderWithApi(createElement(LibraryWindow, { store }), api);
    await store.whenLoaded();
    await user.keyboard('{Control>}n{/Control}');
    expect(await screen.findByRole('dialog', { name: 'New machine' })).toBeTruthy();
    await user.click(btn('Cancel'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await user.click(btn('New'));
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'fresh');
    await user.click(btn('Next'));
    await user.click(screen.getByRole('radio', { name: 'No installation media' }));
    for (let i = 0; i < 4; i++) await user.click(btn('Next'));
    await user.click(btn('Create'));
    await waitFor(() => expect(screen.getByRole('option', { name: 'fresh' }).getAttribute('aria-selected')).toBe('true'));
  }, 60_000);
});
