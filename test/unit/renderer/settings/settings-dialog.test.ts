// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { SettingsDialog } from '../../../../src-renderer/features/settings/settings-dialog.js';
import type { SettingsPageId } from '../../../../src-renderer/features/settings/settings-pages.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';
import { recommendationFor } from '../../../../src-shared/os-catalog/index.js';
import { EngineError, type HostSummary } from '../../../../src-shared/contract/index.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

async function open(page: SettingsPageId = 'general', state: VmRunState = { kind: 'stopped' }) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', osId: 'debian12', state }] });
  const id = [...api.vms.keys()][0]!;
  api.handle('vm.argv', () => ({ argv: ['qemu-system-x86_64', '-name', 'deb', '-m', '2048'] }));
  let closed = 0;
  const user = userEvent.setup();
  renderWithApi(createElement(SettingsDialog, { vmId: id, initialPage: page, state, onClose: () => closed++ }), api);
  const dialog = await screen.findByRole('dialog', { name: 'Settings of deb' });
  await within(dialog).findByRole('tabpanel');
  await waitFor(() => expect(screen.queryByLabelText('Loading settings')).toBeNull());
  return { api, id, user, dialog, closed: () => closed };
}

const btn = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;
const input = (name: string) => screen.getByLabelText(name, { selector: 'input,textarea' }) as HTMLInputElement;

describe('settings dialog', () => {
  it('Apply sends only the changed sections as a patch', async () => {
    const { api, id, user } = await open('system');
    expect(btn('Apply').disabled).toBe(true); // nothing changed yet
    await user.clear(input('CPUs'));
    await user.type(input('CPUs'), '4');
    await user.click(screen.getByRole('tab', { name: 'General' }));
    await user.type(input('Description'), 'build box');
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    expect(api.callsOf('vm.update')[0]).toEqual({ vm: id, patch: { cpu: { count: 4, model: 'max' }, description: 'build box' } });
    expect(await screen.findByText('Saved the settings of "deb".')).toBeTruthy();
    await waitFor(() => expect(btn('Apply').disabled).toBe(true)); // the saved document is the new baseline
  }, 60_000);

  it('Display page: the guest agent channel is a switch; Apply sends guestAgent', async () => {
    const { api, id, user } = await open('display');
    const box = screen.getByRole('checkbox', { name: 'QEMU guest agent' }) as HTMLInputElement;
    expect(box.checked).toBe(false);
    await user.click(box);
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    expect(api.callsOf('vm.update')[0]).toEqual({ vm: id, patch: { guestAgent: true } });
  }, 60_000);

  it('Shared folders page: Add folder… takes the chosen folder with a name from it, shows the guest\'s mount command; Apply sends shares', async () => {
    const { api, id, user } = await open('shares');
    expect(screen.getByText('No shared folders.')).toBeTruthy();
    api.dialogAnswer = '/home/user/My Projects';
    await user.click(btn('Add folder…'));
    expect((await screen.findByLabelText('Command for My-Projects in the guest')).textContent).toBe('sudo mkdir -p /mnt/My-Projects && sudo mount -t 9p -o trans=virtio,version=9p2000.L My-Projects /mnt/My-Projects');
    await user.click(screen.getByRole('checkbox', { name: 'Read-only' }));
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    expect(api.callsOf('vm.update')[0]).toEqual({ vm: id, patch: { shares: [{ name: 'My-Projects', path: '/home/user/My Projects', readOnly: true }] } });
  }, 60_000);

  it('Shared folders page: a name with a comma is refused inline and blocks Apply', async () => {
    const { api, user } = await open('shares');
    await user.click(btn('Add folder…'));
    expect(screen.getByText('No shared folders.')).toBeTruthy(); // the chooser was cancelled
    api.dialogAnswer = '/home/user/work';
    await user.click(btn('Add folder…'));
    await user.type(input('Name'), ',fsdev=x');
    expect((await screen.findAllByText(/must be letters, digits, "_" or "-"/)).length).toBeGreaterThan(0);
    expect(btn('Apply').disabled).toBe(true);
  }, 60_000);

  it('shows schema validation inline on the field and blocks Apply', async () => {
    const { api, user } = await open('system');
    await user.clear(input('Memory (MiB)'));
    await user.type(input('Memory (MiB)'), '8');
    expect(input('Memory (MiB)').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getAllByText(/>=16/).length).toBeGreaterThan(0);
    expect(btn('Apply').disabled).toBe(true);
    // Apply says why it is off.
    expect(document.getElementById(btn('Apply').getAttribute('aria-describedby')!)?.textContent).toMatch(/^Fix first: memoryMiB: .*>=16/);
    // The page tab carries a marker, and another page lists the problem with a link back.
    await user.click(screen.getByRole('tab', { name: 'General' }));
    expect(screen.getByText(/Fix these on other pages before applying/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'System' }));
    await user.clear(input('Memory (MiB)'));
    await user.type(input('Memory (MiB)'), '4096');
    expect(btn('Apply').disabled).toBe(false);
    await user.click(btn('OK'));
    await waitFor(() => expect(api.callsOf('vm.update')[0]?.patch).toEqual({ memoryMiB: 4096 }));
  });

  it('disables fields while the machine runs and says why', async () => {
    await open('system', { kind: 'running' });
    expect(screen.getAllByText('Shut the machine down to change this').length).toBeGreaterThan(3);
    expect(input('CPUs').disabled).toBe(true);
    expect(input('Memory (MiB)').disabled).toBe(true);
    expect(screen.getByRole('checkbox', { name: 'Secure Boot' })).toHaveProperty('disabled', true);
    expect(btn('Apply').disabled).toBe(true);
    expect(screen.getByText(/"deb" is running/)).toBeTruthy();
  });

  it('network: the port-forward table changes forwards through the engine at once (no Apply), even while running', async () => {
    const { api, id, user } = await open('network', { kind: 'running' });
    const table = screen.getByRole('table', { name: 'Port forwards' });
    await user.type(within(table).getByRole('textbox', { name: 'Host port' }), '8080');
    await user.type(within(table).getByRole('textbox', { name: 'Guest port' }), '80');
    await user.click(btn('Add port forward'));
    await waitFor(() => expect(api.callsOf('forward.add')).toEqual([{ vm: id, protocol: 'tcp', hostPort: 8080, guestPort: 80, hostAddress: '127.0.0.1' }]));
    expect(await within(table).findByRole('button', { name: 'Remove port forward TCP 8080' })).toBeTruthy();
    // The engine saved it: the dialog's baseline moved with it, so there is nothing to Apply.
    expect(btn('Apply').disabled).toBe(true);
    expect(btn('Close')).toBeTruthy();
    expect(api.callsOf('vm.update')).toEqual([]);
  });

  it('storage: Browse… sets the CD-ROM ISO', async () => {
    const { api, user } = await open('storage');
    api.handle('iso.inspect', ({ path }) => ({ path, volumeId: 'NEW', systemId: '', publisherId: '', applicationId: '', bootable: { bios: true, uefi: false }, detected: null, recommended: recommendationFor('generic'), warnings: [] }));
    api.dialogAnswer = '/isos/new.iso';
    await user.click(btn('Browse…'));
    await waitFor(() => expect(input('ISO image (cd0)').value).toBe('/isos/new.iso'));
    // Checked by the engine first (iso.inspect), then Apply is on.
    await waitFor(() => expect(btn('Apply').disabled).toBe(false), { timeout: 5000 });
    expect(api.callsOf('iso.inspect')).toEqual([{ path: '/isos/new.iso' }]);
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    expect(Object.keys(api.callsOf('vm.update')[0]!.patch)).toEqual(['cdroms']);
  });

  it('advanced: extra arguments one per line, and the generated command line', async () => {
    const { api, user } = await open('advanced');
    expect(await screen.findByText('qemu-system-x86_64 -name deb -m 2048')).toBeTruthy();
    await user.type(input('Extra QEMU arguments'), '-device{Enter}virtio-rng-pci{Enter}');
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')[0]?.patch).toEqual({ extraArgs: ['-device', 'virtio-rng-pci'] }));
  });

  it('advanced: extra arguments are read-only, with the reason, when the browser host does not allow them', async () => {
    const reason = 'Extra QEMU arguments are read-only in the browser host: restart it with --allow-extra-args.';
    const api = new FakeHangarApi({ vms: [{ name: 'deb', osId: 'debian12', state: { kind: 'stopped' } }] });
    const id = [...api.vms.keys()][0]!;
    await api.call('vm.update', { vm: id, patch: { extraArgs: ['-device', 'virtio-rng-pci'] } });
    api.handle('engine.hello', () => ({ engineVersion: '0.0.0-test', pid: 1, libraryDir: '/library', policy: { extraArgs: { editable: false, reason } } }));
    api.handle('vm.argv', () => ({ argv: ['qemu-system-x86_64'] }));
    const user = userEvent.setup();
    renderWithApi(createElement(SettingsDialog, { vmId: id, initialPage: 'advanced', state: { kind: 'stopped' }, onClose: () => undefined }), api);
    expect(await screen.findByText(reason)).toBeTruthy();
    const field = input('Extra QEMU arguments');
    expect(field.value).toBe('-device\nvirtio-rng-pci');
    expect(field.readOnly).toBe(true);
    await user.type(field, '-incoming{Enter}');
    expect(field.value).toBe('-device\nvirtio-rng-pci');
    expect(btn('Apply').disabled).toBe(true);
  });
});

describe('settings check as you type', () => {
  it('a name another machine has (any case) is flagged on the field and blocks Apply', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb', osId: 'debian12' }] });
    const id = [...api.vms.keys()][0]!;
    const user = userEvent.setup();
    renderWithApi(createElement(SettingsDialog, { vmId: id, state: { kind: 'stopped' }, otherNames: ['Web'], onClose: () => undefined }), api);
    await screen.findByRole('dialog', { name: 'Settings of deb' });
    await waitFor(() => expect(screen.queryByLabelText('Loading settings')).toBeNull());
    await user.clear(input('Name'));
    await user.type(input('Name'), 'WEB');
    expect(input('Name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getAllByText(/There is already a machine named "Web"/).length).toBeGreaterThan(0);
    expect(btn('Apply').disabled).toBe(true);
    await user.type(input('Name'), '2');
    expect(btn('Apply').disabled).toBe(false);
  });

  it('memory above what the host has is flagged as typed', async () => {
    const { user } = await open('system');
    await user.clear(input('Memory (MiB)'));
    await user.type(input('Memory (MiB)'), '999999');
    await waitFor(() => expect(input('Memory (MiB)').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getAllByText(/More than this host has \(8192 MiB\)/).length).toBeGreaterThan(0);
    expect(btn('Apply').disabled).toBe(true);
  });

  it('a typed ISO that is missing (or outside the allowed folders) is flagged once typing pauses', async () => {
    const { api, user } = await open('storage');
    api.handle('iso.inspect', ({ path }) => {
      throw new EngineError('invalid-args', `${path} is outside the folders the browser host may use (/home/user); to allow it, restart \`hangar serve\` with --allow-dir /srv`);
    });
    await user.type(input('ISO image (cd0)'), '/srv/x.iso');
    await waitFor(() => expect(input('ISO image (cd0)').getAttribute('aria-invalid')).toBe('true'), { timeout: 5000 });
    await waitFor(() => expect(screen.getAllByText(/outside the folders the browser host may use/).length).toBeGreaterThan(0), { timeout: 5000 });
    expect(api.callsOf('iso.inspect')).toEqual([{ path: '/srv/x.iso' }]);
    expect(btn('Apply').disabled).toBe(true);
  });

  it('"Operating system" is the catalog dropdown; CPU model and machine type come from the host probe', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb', osId: 'debian12' }] });
    const id = [...api.vms.keys()][0]!;
    const base = await api.call('host.info', {});
    const host: HostSummary = {
      ...base,
      emulators: {
        x86_64: {
          machines: [{ name: 'q35', description: 'Standard PC (Q35 + ICH9, 2009)', aliasOf: 'pc-q35-7.2', isDefault: false }, { name: 'pc', description: 'Standard PC (i440FX + PIIX, 1996)', aliasOf: 'pc-i440fx-7.2', isDefault: true }],
          cpuModels: [{ name: 'max', description: 'Enables all features supported by the accelerator in the current host' }, { name: 'Skylake-Client-v4', description: 'Intel Core Processor (Skylake, IBRS, no TSX)' }],
        },
      },
    };
    api.handle('host.info', () => host);
    const user = userEvent.setup();
    renderWithApi(createElement(SettingsDialog, { vmId: id, state: { kind: 'stopped' }, onClose: () => undefined }), api);
    await screen.findByRole('dialog', { name: 'Settings of deb' });
    await waitFor(() => expect(screen.queryByLabelText('Loading settings')).toBeNull());
    const os = screen.getByRole('combobox', { name: 'Operating system' });
    expect(os.textContent).toMatch(/Debian 12/);
    await user.click(os);
    const listbox = await screen.findByRole('listbox');
    expect(within(listbox).getByRole('option', { name: 'Other' })).toBeTruthy();
    const ubuntu = within(listbox).getAllByRole('option', { name: /^Ubuntu/ })[0]!;
    const ubuntuName = ubuntu.textContent;
    await user.click(ubuntu);
    expect(screen.getByRole('combobox', { name: 'Operating system' }).textContent).toBe(ubuntuName);

    await user.click(screen.getByRole('tab', { name: 'System' }));
    await user.click(screen.getByRole('combobox', { name: 'CPU model' }));
    const models = await screen.findByRole('listbox');
    expect(within(models).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'max — Enables all features supported by the accelerator in the current host',
      'Skylake-Client-v4 — Intel Core Processor (Skylake, IBRS, no TSX)',
    ]);
    await user.click(within(models).getByRole('option', { name: /^Skylake-Client-v4/ }));
    await user.click(screen.getByRole('combobox', { name: 'Machine type' }));
    expect(within(await screen.findByRole('listbox')).getByRole('option', { name: /^pc — .*\(default\)$/ })).toBeTruthy();
    await user.keyboard('{Escape}');
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    expect(api.callsOf('vm.update')[0]!.patch).toMatchObject({ cpu: { model: 'Skylake-Client-v4' } });
    expect(api.callsOf('vm.update')[0]!.patch).toHaveProperty('osId');
    // Any other name stays possible, as free text under Advanced.
    await user.click(screen.getByRole('tab', { name: 'Advanced' }));
    expect(input('CPU model (free text)').value).toBe('Skylake-Client-v4');
  }, 60_000);
});
