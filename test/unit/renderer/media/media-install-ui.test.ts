// @vitest-environment jsdom
// The details pane's "Removable media" section and the install flow's badge, notice and notification,
// through the library window with the shared fake.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi, type FakeVmInput } from '../../../fakes/fake-hangar-api.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { INSERT_DIALOG, driveText } from '../../../../src-renderer/features/media/index.js';
import { installBadge, installedText } from '../../../../src-renderer/features/install/index.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

const ISO = '/home/user/isos/debian.iso';

async function setup(vms: FakeVmInput[], select = vms[0]?.name) {
  const api = new FakeHangarApi({ vms });
  const store = new LibraryStore(api);
  const stop = store.start();
  const user = userEvent.setup();
  renderWithApi(createElement(LibraryWindow, { store }), api);
  await screen.findByRole('listbox', { name: 'Virtual machines' });
  await store.whenLoaded();
  if (select) await user.click(screen.getByRole('option', { name: select }));
  return { api, store, stop, user };
}

const mediaSection = () => screen.findByRole('region', { name: 'Removable media' });
const button = (name: string) => screen.getByRole('button', { name });
const disabled = (name: string) => (button(name) as HTMLButtonElement).disabled;
const idOf = (api: FakeHangarApi, name: string) => [...api.vms.values()].find((v) => v.doc.name === name)!.doc.id;

describe('labels', () => {
  it('describe a drive and the install badge', () => {
    expect(driveText('/a/b/debian.iso', false)).toBe('debian.iso');
    expect(driveText('/a/b/debian.iso', true)).toBe('debian.iso · Tray open');
    expect(driveText(null, true)).toBe('Empty · Tray open');
    expect(installBadge('installing')).toBe('Installing…');
    expect(installBadge('installed')).toBe('');
    expect(installBadge(undefined)).toBe('');
    expect(installedText('deb')).toBe('Installation finished on "deb": the installation medium was removed and the machine now boots from its disk.');
  });
});

describe('removable media', () => {
  it('shows the ISO in the drive and inserts another through the file dialog (live while running)', async () => {
    const { api, user } = await setup([{ name: 'deb', state: { kind: 'running' }, iso: ISO }]);
    const section = await mediaSection();
    await within(section).findByText('debian.iso');
    api.dialogAnswer = '/home/user/isos/other.iso';
    await user.click(button('Insert ISO…'));
    await waitFor(() => expect(api.callsOf('media.insert')).toEqual([{ vm: idOf(api, 'deb'), drive: 'cd0', path: '/home/user/isos/other.iso' }]));
    const dialogCall = api.appCalls.find((c) => c.channel === 'dialog:openFile');
    expect(dialogCall?.args).toEqual(INSERT_DIALOG);
    expect(INSERT_DIALOG.filters).toEqual([{ name: 'Disk images', extensions: ['iso'] }]);
    await within(section).findByText('other.iso');
    expect(await screen.findByText(/Inserted other\.iso into cd0 of "deb"/)).toBeTruthy();
  });

  it('does nothing when the file dialog is cancelled', async () => {
    const { api, user } = await setup([{ name: 'deb', iso: ISO }]);
    await mediaSection();
    api.dialogAnswer = null;
    await user.click(button('Insert ISO…'));
    await waitFor(() => expect(api.appCalls.some((c) => c.channel === 'dialog:openFile')).toBe(true));
    expect(api.callsOf('media.insert')).toEqual([]);
  });

  it('ejects while stopped (the same command; the engine patches the document) and then offers no Eject', async () => {
    const { api, user } = await setup([{ name: 'deb', iso: ISO }]);
    const section = await mediaSection();
    await within(section).findByText('debian.iso');
    expect(disabled('Eject')).toBe(false);
    await user.click(button('Eject'));
    await waitFor(() => expect(api.callsOf('media.eject')).toEqual([{ vm: idOf(api, 'deb'), drive: 'cd0' }]));
    await within(section).findByText('Empty');
    await waitFor(() => expect(disabled('Eject')).toBe(true));
  });

  it('shows the tray state from vm.media events, and forgets it when the machine stops', async () => {
    const { api } = await setup([{ name: 'deb', state: { kind: 'running' }, iso: ISO }]);
    const section = await mediaSection();
    await within(section).findByText('debian.iso');
    api.setTray('deb', 'cd0', true);
    await within(section).findByText('debian.iso · Tray open');
    api.setTray('deb', 'cd0', false);
    await within(section).findByText('debian.iso');
    api.setTray('deb', 'cd0', true);
    await within(section).findByText('debian.iso · Tray open');
    api.setState('deb', { kind: 'stopped' });
    await within(section).findByText('debian.iso');
  });

  it('inserts from the recent-ISO menu', async () => {
    const { api, user } = await setup([{ name: 'deb', state: { kind: 'running' } }]);
    api.recentIsos = [
      { path: '/isos/a.iso', name: 'a.iso', sizeBytes: 1, usedAt: '2026-01-02T00:00:00.000Z' },
      { path: '/isos/b.iso', name: 'b.iso', sizeBytes: 1, usedAt: '2026-01-01T00:00:00.000Z' },
    ];
    const section = await mediaSection();
    await within(section).findByText('Empty');
    await user.click(button('Recent ISOs'));
    const menu = await screen.findByRole('menu');
    expect(within(menu).getAllByRole('menuitem').map((m) => m.getAttribute('aria-label'))).toEqual(['a.iso', 'b.iso']);
    await user.click(within(menu).getByRole('menuitem', { name: 'b.iso' }));
    await waitFor(() => expect(api.callsOf('media.insert').map((c) => c.path)).toEqual(['/isos/b.iso']));
    await within(section).findByText('b.iso');
  });

  it('says so when there are no recent ISOs', async () => {
    const { user } = await setup([{ name: 'deb' }]);
    await mediaSection();
    await user.click(button('Recent ISOs'));
    expect(await screen.findByRole('menuitem', { name: 'No recent ISOs' })).toBeTruthy();
  });

  it('reports a refused change through the notifier (the guest locked the tray)', async () => {
    const { api, user } = await setup([{ name: 'deb', state: { kind: 'running' }, iso: ISO }]);
    await mediaSection();
    api.failNext('media.eject', 'invalid-state', 'the guest has locked the tray of cd0; it was asked to eject. Try again once the guest has opened the tray, or force it', { reason: 'tray-locked' });
    await user.click(button('Eject'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not eject cd0 of "deb": the guest has locked the tray of cd0');
  });

  it('is disabled while the machine starts or stops', async () => {
    await setup([{ name: 'deb', state: { kind: 'starting' }, iso: ISO }]);
    await mediaSection();
    expect(disabled('Insert ISO…')).toBe(true);
    expect(disabled('Eject')).toBe(true);
    expect(disabled('Recent ISOs')).toBe(true);
  });
});

describe('install flow', () => {
  it('shows "Installing…" in the list while the option keeps the VM name', async () => {
    await setup([{ name: 'deb', state: { kind: 'running' }, iso: ISO, install: 'installing' }, { name: 'other' }], undefined);
    const opt = screen.getByRole('option', { name: 'deb' });
    expect(opt.textContent).toContain('Installing…');
    expect(screen.getByRole('option', { name: 'other' }).textContent).not.toContain('Installing…');
    const described = document.getElementById(opt.getAttribute('aria-describedby')!)!;
    expect(described.textContent).toContain('Installing…');
  });

  it('tells the user when the engine finishes the install, even for a machine not selected, and drops the badge', async () => {
    const { api } = await setup([{ name: 'deb', state: { kind: 'running' }, iso: ISO, install: 'installing' }, { name: 'other' }], 'other');
    api.setState('deb', { kind: 'stopped' });
    api.setInstall('deb', 'installed', 'Installation on "deb" finished (the installer powered off): …');
    expect(await screen.findByText(installedText('deb'))).toBeTruthy();
    await waitFor(() => expect(screen.getByRole('option', { name: 'deb' }).textContent).not.toContain('Installing…'));
  });

  it('offers "Remove installation medium" in the details while installing; it calls install.finish', async () => {
    const { api, user } = await setup([{ name: 'deb', state: { kind: 'running' }, iso: ISO, install: 'installing' }]);
    const notice = await screen.findByRole('status', { name: 'Installation' });
    expect(notice.textContent).toContain('Installing an operating system');
    await user.click(within(notice).getByRole('button', { name: 'Remove installation medium' }));
    await waitFor(() => expect(api.callsOf('install.finish')).toEqual([{ vm: idOf(api, 'deb') }]));
    await waitFor(() => expect(screen.queryByRole('status', { name: 'Installation' })).toBeNull());
    expect(await screen.findByText(installedText('deb'))).toBeTruthy();
    const section = await mediaSection();
    await within(section).findByText('Empty');
  });

  it('reports a failed "Remove installation medium"', async () => {
    const { api, user } = await setup([{ name: 'deb', iso: ISO, install: 'installing' }]);
    const notice = await screen.findByRole('status', { name: 'Installation' });
    api.failNext('install.finish', 'invalid-state', '"deb" has no disk to boot from');
    await user.click(within(notice).getByRole('button', { name: 'Remove installation medium' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Could not remove the installation medium of "deb": "deb" has no disk to boot from.');
    expect(screen.getByRole('status', { name: 'Installation' })).toBeTruthy();
  });

  it('shows no notice for a machine that is not installing', async () => {
    await setup([{ name: 'deb', iso: ISO, install: 'installed' }]);
    await mediaSection();
    expect(screen.queryByRole('status', { name: 'Installation' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove installation medium' })).toBeNull();
  });
});
