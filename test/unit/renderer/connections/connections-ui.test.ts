// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { LIBVIRT_LIMITS } from '../../../../src-renderer/features/connections/libvirt-limits.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

async function setup(api: FakeHangarApi) {
  const store = new LibraryStore(api);
  store.start();
  const user = userEvent.setup();
  renderWithApi(createElement(LibraryWindow, { store }), api);
  await screen.findByRole('listbox', { name: 'Virtual machines' });
  await store.whenLoaded();
  const sidebar = screen.getByRole('list', { name: 'Connections' });
  return { user, sidebar };
}

const option = (name: string) => screen.getByRole('option', { name });

describe('the Connections sidebar', () => {
  it('shows This computer and each connection with its state; a failed one names the fix; Reconnect reaches it again', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'local-deb' }] });
    api.addConnection('lab', 'qemu:///system', { vms: [{ name: 'web' }] });
    api.addConnection('far', 'qemu+ssh://root@far/system', { state: 'error', error: 'far refused your SSH key: add it with `ssh-copy-id root@far`' });
    const { user, sidebar } = await setup(api);
    expect(within(sidebar).getByRole('button', { name: /This computer/ }).textContent).toMatch(/Hangar's own machines · 1/);
    await waitFor(() => expect(within(sidebar).getByRole('button', { name: /^lab/ }).textContent).toMatch(/Connected \(libvirt 9\.0\.0\) · qemu:\/\/\/system/));
    await waitFor(() => expect(within(sidebar).getByRole('button', { name: /^far/ }).textContent).toMatch(/Failed: .*ssh-copy-id root@far/));
    api.libvirt.get('far')!.info = { name: 'far', uri: 'qemu+ssh://root@far/system', state: 'unknown' };
    await user.click(screen.getByRole('button', { name: 'Actions for connection far' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Reconnect' }));
    await waitFor(() => expect(within(sidebar).getByRole('button', { name: /^far/ }).textContent).toMatch(/Connected/));
  });

  it('adds a connection: Test reaches the URI without saving, a bad URI is refused as typed, Add saves and shows its machines', async () => {
    const api = new FakeHangarApi();
    const { user, sidebar } = await setup(api);
    await user.click(screen.getByRole('button', { name: 'Add connection…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a libvirt connection' });
    await user.type(within(dialog).getByLabelText('Name'), 'lab');
    await user.type(within(dialog).getByLabelText('URI'), 'qemu+ssh://root:pw@lab/system');
    expect(within(dialog).getByText(/must not carry a password/)).toBeTruthy();
    expect((within(dialog).getByRole('button', { name: 'Add' }) as HTMLButtonElement).disabled).toBe(true);
    await user.clear(within(dialog).getByLabelText('URI'));
    await user.type(within(dialog).getByLabelText('URI'), 'qemu:///system');
    await user.click(within(dialog).getByRole('button', { name: 'Test' }));
    expect((await within(dialog).findByRole('status')).textContent).toMatch(/Reached libvirt 9\.0\.0/);
    expect(api.callsOf('connection.add')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.callsOf('connection.add')).toEqual([{ name: 'lab', uri: 'qemu:///system' }]);
    expect(within(sidebar).getByRole('button', { name: /^lab/ }).getAttribute('aria-current')).toBe('true');
    // Its (empty) machine list is shown; a machine defined on the host appears live from the connection's events.
    await screen.findByText('No machines on "lab" yet. Choose "New" to create one there.');
    api.libvirt.get('lab')!.api.addVm({ name: 'web' });
    await screen.findByRole('option', { name: 'web' });
  });

  it('renames and removes a connection', async () => {
    const api = new FakeHangarApi();
    api.addConnection('lab', 'qemu:///system');
    const { user, sidebar } = await setup(api);
    await user.click(await screen.findByRole('button', { name: 'Actions for connection lab' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Rename…' }));
    const rename = await screen.findByRole('dialog', { name: 'Rename connection "lab"' });
    await user.clear(within(rename).getByLabelText('Name'));
    await user.type(within(rename).getByLabelText('Name'), 'lab2');
    await user.click(within(rename).getByRole('button', { name: 'Rename' }));
    await within(sidebar).findByRole('button', { name: /^lab2/ });
    await user.click(screen.getByRole('button', { name: 'Actions for connection lab2' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Remove…' }));
    const remove = await screen.findByRole('dialog', { name: 'Remove connection "lab2"?' });
    await user.click(within(remove).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(within(sidebar).queryByRole('button', { name: /^lab2/ })).toBeNull());
    expect(api.libvirt.size).toBe(0);
  });
});

describe('machines on a libvirt connection', () => {
  it('lists them apart from This computer; the actions run on the connection; what libvirt cannot do is off with the reason', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'local-deb' }] });
    const lab = api.addConnection('lab', 'qemu:///system', { vms: [{ name: 'web' }] });
    const { user, sidebar } = await setup(api);
    expect(screen.queryByRole('option', { name: 'web' })).toBeNull();
    await user.click(within(sidebar).getByRole('button', { name: /^lab/ }));
    await user.click(await screen.findByRole('option', { name: 'web' }));
    expect(screen.queryByRole('option', { name: 'local-deb' })).toBeNull();
    await screen.findByRole('article', { name: 'Details of web' });
    expect(screen.getByText(/libvirt machine on connection "lab"/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(api.calls.filter((c) => c.command === 'vm.start')).toEqual([{ command: 'vm.start', args: { vm: lab.vms.keys().next().value }, connection: 'lab' }]));
    await waitFor(() => expect(within(option('web')).getByText('Running')).toBeTruthy());
    // Live: a stop on the host arrives as the connection's event.
    lab.setState('web', { kind: 'stopped' });
    await waitFor(() => expect(within(option('web')).getByText('Powered off')).toBeTruthy());

    // Off, each with its reason as the tooltip of its wrapper.
    const settings = screen.getByRole('button', { name: 'Settings' }) as HTMLButtonElement;
    expect(settings.disabled).toBe(true);
    expect(settings.parentElement!.getAttribute('title')).toBe(LIBVIRT_LIMITS.settings);
    const disposable = screen.getByRole('button', { name: 'Start without saving changes' }) as HTMLButtonElement;
    expect(disposable.disabled).toBe(true);
    expect(disposable.parentElement!.getAttribute('title')).toBe(LIBVIRT_LIMITS.startDisposable);
    expect(screen.getByRole('button', { name: 'Add existing' }).parentElement!.getAttribute('title')).toBe(LIBVIRT_LIMITS.addExisting);
    expect(screen.getByRole('button', { name: 'Clone…' }).parentElement!.getAttribute('title')).toBe(LIBVIRT_LIMITS.clone);
    expect(screen.getByRole('button', { name: 'Export…' }).parentElement!.getAttribute('title')).toBe(LIBVIRT_LIMITS.export);
    const edit = await screen.findByRole('button', { name: 'Edit System' }) as HTMLButtonElement;
    expect(edit.disabled).toBe(true);
    expect(edit.parentElement!.getAttribute('title')).toBe(LIBVIRT_LIMITS.settings);

    // Delete: the domain (storage kept) or with its storage, on the connection.
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete "web"?' });
    expect(within(dialog).getByText(/undefines the libvirt domain/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Delete files too' }));
    await waitFor(() => expect(api.calls.filter((c) => c.command === 'vm.delete')).toEqual([{ command: 'vm.delete', args: { vm: expect.any(String), files: true }, connection: 'lab' }]));
    await waitFor(() => expect(screen.queryByRole('option', { name: 'web' })).toBeNull());
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // This computer's list is untouched.
    await user.click(within(sidebar).getByRole('button', { name: /This computer/ }));
    await screen.findByRole('option', { name: 'local-deb' });
  });

  it('a connection\'s running rows get live thumbnails from that connection', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'local-deb' }] });
    const lab = api.addConnection('lab', 'qemu:///system', { vms: [{ name: 'web', state: { kind: 'running' } }] });
    const { user, sidebar } = await setup(api);
    await user.click(within(sidebar).getByRole('button', { name: /^lab/ }));
    await screen.findByRole('option', { name: 'web' });
    const webId = lab.vms.keys().next().value!;
    // The lease is taken on the connection, for the rows in view.
    await waitFor(() => expect(lab.thumbnailSubscribers).toBe(1));
    expect(api.calls.filter((c) => c.command === 'vm.thumbnails.subscribe' && c.connection === 'lab').at(-1)?.args).toEqual({ vms: [webId] });
    act(() => lab.thumbnail('web', 'V0VC'));
    await waitFor(() => expect(within(option('web')).getByRole('img', { name: 'Screen of web' }).getAttribute('src')).toBe('data:image/png;base64,V0VC'));
  });

  it('the wizard creates on a connection: no folder, the ISO a path on that host, vm.create sent to the connection', async () => {
    const api = new FakeHangarApi();
    api.addConnection('lab', 'qemu:///system');
    const { user, sidebar } = await setup(api);
    await user.click(within(sidebar).getByRole('button', { name: /^lab/ }));
    await user.click(screen.getByRole('button', { name: 'New' }));
    const wizard = await screen.findByRole('dialog', { name: 'New machine' });
    expect(within(wizard).getByRole('combobox', { name: 'Create on' }).textContent).toMatch(/libvirt: lab/);
    expect(within(wizard).queryByLabelText(/Folder/)).toBeNull();
    await user.type(within(wizard).getByLabelText(/^Name/), 'web');
    await user.click(within(wizard).getByRole('button', { name: 'Next' }));
    await user.click(await within(wizard).findByRole('radio', { name: 'No installation media' }));
    expect(within(wizard).queryByRole('button', { name: 'Browse…' })).toBeNull();
    for (let i = 0; i < 6 && !within(wizard).queryByRole('button', { name: 'Create' }); i++) await user.click(within(wizard).getByRole('button', { name: 'Next' }));
    expect(within(wizard).getByText(/Created on the libvirt connection "lab"/)).toBeTruthy();
    await user.click(within(wizard).getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(api.calls.filter((c) => c.command === 'vm.create').map((c) => c.connection)).toEqual(['lab']));
    expect(api.calls.find((c) => c.command === 'vm.create')!.args).not.toHaveProperty('folder');
    expect(api.callsOf('vm.previewArgv')).toEqual([]);
  });
});
