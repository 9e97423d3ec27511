// @vitest-environment jsdom
// Files opened with Hangar (issue #11) as the library window sees them: `open:request` from the shell.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { detectOs, recommendationFor } from '../../../../src-shared/os-catalog/index.js';
import { EngineError } from '../../../../src-shared/contract/index.js';
import { installLayoutStubs, renderWithApi } from './render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

async function setup() {
  const api = new FakeHangarApi({ vms: [{ name: 'existing' }] });
  api.handle('iso.inspect', ({ path }) => {
    const detected = detectOs({ volumeId: 'Debian 12.5.0 amd64 1' });
    return { path, volumeId: 'Debian 12.5.0 amd64 1', systemId: '', publisherId: '', applicationId: '', bootable: { bios: true, uefi: true }, detected, recommended: recommendationFor(detected?.osId), warnings: [] };
  });
  const store = new LibraryStore(api);
  store.start();
  renderWithApi(createElement(LibraryWindow, { store }), api);
  await screen.findByRole('option', { name: 'existing' });
  await store.whenLoaded();
  return { api, user: userEvent.setup() };
}

describe('files opened with Hangar', () => {
  it('an ISO opens the new-machine wizard with the ISO prefilled and inspected', async () => {
    const { api, user } = await setup();
    act(() => api.openFile({ kind: 'iso', path: '/home/ada/Downloads/debian-12.iso' }));
    expect(await screen.findByRole('dialog', { name: 'New machine' }, { timeout: 10_000 })).toBeTruthy(); // lazy chunk
    await waitFor(() => expect(api.callsOf('iso.inspect')).toEqual([{ path: '/home/ada/Downloads/debian-12.iso' }]));
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'deb');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect((screen.getByRole('textbox', { name: 'ISO image' }) as HTMLInputElement).value).toBe('/home/ada/Downloads/debian-12.iso');
    expect(await screen.findByText(/Detected Debian 12/)).toBeTruthy();
  });

  it('closed and opened again from the menu, the wizard starts fresh (no stale ISO)', async () => {
    const { api, user } = await setup();
    act(() => api.openFile({ kind: 'iso', path: '/isos/a.iso' }));
    expect(await screen.findByRole('dialog', { name: 'New machine' }, { timeout: 10_000 })).toBeTruthy(); // lazy chunk
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'New machine' })).toBeNull());
    act(() => api.menu('vm.new'));
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'x');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect((screen.getByRole('textbox', { name: 'ISO image' }) as HTMLInputElement).value).toBe('');
  });

  it('a machine folder is added with vm.addExisting and selected', async () => {
    const { api } = await setup();
    api.handle('vm.addExisting', ({ path }) => {
      const summary = api.addVm({ name: 'win11' });
      return { id: summary.id, doc: api.vms.get(summary.id)!.doc, path };
    });
    act(() => api.openFile({ kind: 'bundle', path: '/mnt/usb/win11-1a2b3c4d.hangar' }));
    await waitFor(() => expect(api.callsOf('vm.addExisting')).toEqual([{ path: '/mnt/usb/win11-1a2b3c4d.hangar' }]));
    expect(await screen.findByText('Added "win11" to the library.')).toBeTruthy();
    await waitFor(() => expect(screen.getByRole('option', { name: 'win11' }).getAttribute('aria-selected')).toBe('true'));
  });

  it('an error from the shell (a file Hangar cannot open) is shown', async () => {
    const { api } = await setup();
    act(() => api.openFile({ kind: 'error', message: 'Hangar cannot open "notes.txt": only ISO images (.iso, .img) and Hangar machines (.hangar) can be opened.' }));
    expect(await screen.findByText(/Hangar cannot open "notes.txt"/)).toBeTruthy();
    expect(screen.queryByRole('dialog', { name: 'New machine' })).toBeNull();
  });

  it('the engine refusing a folder is shown', async () => {
    const { api } = await setup();
    api.handle('vm.addExisting', () => {
      throw new EngineError('exists', 'VM "existing" is already in the library');
    });
    act(() => api.openFile({ kind: 'bundle', path: '/library/existing.hangar' }));
    expect(await screen.findByText(/already in the library/)).toBeTruthy();
  });
});

describe('adding a machine folder that reaches outside itself', () => {
  const risks = ['extra QEMU arguments: -incoming exec:touch /tmp/x', 'disk disk0 is a file outside the bundle: /home/ada/secret.img'];
  function risky(api: FakeHangarApi) {
    api.handle('vm.addExisting', (args) => {
      if (!args.acceptRisks) throw new EngineError('needs-confirmation', '"stranger" reaches outside its folder: …', { risks });
      const summary = api.addVm({ name: 'stranger' });
      return { id: summary.id, doc: api.vms.get(summary.id)!.doc };
    });
  }

  it('asks, naming each finding, and adds only after "Add anyway"', async () => {
    const { api, user } = await setup();
    risky(api);
    act(() => api.openFile({ kind: 'bundle', path: '/mnt/usb/stranger.hangar' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a machine that reaches outside its folder?' }, { timeout: 10_000 });
    const items = within(within(dialog).getByRole('list', { name: 'What the machine brings' })).getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual(risks);
    expect(within(dialog).getByText(/\/mnt\/usb\/stranger\.hangar brings settings/)).toBeTruthy();
    expect(api.callsOf('vm.addExisting')).toEqual([{ path: '/mnt/usb/stranger.hangar' }]);
    await user.click(within(dialog).getByRole('button', { name: 'Add anyway' }));
    await waitFor(() => expect(api.callsOf('vm.addExisting')).toEqual([{ path: '/mnt/usb/stranger.hangar' }, { path: '/mnt/usb/stranger.hangar', acceptRisks: true }]));
    expect(await screen.findByText('Added "stranger" to the library.')).toBeTruthy();
  });

  it('Cancel adds nothing', async () => {
    const { api, user } = await setup();
    risky(api);
    act(() => api.openFile({ kind: 'bundle', path: '/mnt/usb/stranger.hangar' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a machine that reaches outside its folder?' }, { timeout: 10_000 });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.callsOf('vm.addExisting')).toEqual([{ path: '/mnt/usb/stranger.hangar' }]);
    expect(screen.queryByRole('option', { name: 'stranger' })).toBeNull();
  });
});
