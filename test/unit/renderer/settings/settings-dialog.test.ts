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
  });

  it('shows schema validation inline on the field and blocks Apply', async () => {
    const { api, user } = await open('system');
    await user.clear(input('Memory (MiB)'));
    await user.type(input('Memory (MiB)'), '8');
    expect(input('Memory (MiB)').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/>=16/)).toBeTruthy();
    expect(btn('Apply').disabled).toBe(true);
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
    api.dialogAnswer = '/isos/new.iso';
    await user.click(btn('Browse…'));
    await waitFor(() => expect(input('ISO image (cd0)').value).toBe('/isos/new.iso'));
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
