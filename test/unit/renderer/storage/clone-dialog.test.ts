// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { CloneDialog } from '../../../../src-renderer/features/clone/clone-dialog.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

function setup() {
  const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
  const id = [...api.vms.keys()][0]!;
  const onCloned = vi.fn();
  const onClose = vi.fn();
  const user = userEvent.setup();
  renderWithApi(createElement(CloneDialog, { vm: { id, name: 'deb' }, onClose, onCloned }), api);
  const dialog = screen.getByRole('dialog', { name: 'Clone deb' });
  return { api, id, user, dialog, onCloned, onClose };
}

describe('the clone dialog', () => {
  it('prefills "<name> clone", explains both kinds, and makes a full clone by default', async () => {
    const { api, id, user, dialog, onCloned } = setup();
    expect((within(dialog).getByRole('textbox', { name: 'Name of the clone' }) as HTMLInputElement).value).toBe('deb clone');
    expect((within(dialog).getByRole('radio', { name: 'Full clone' }) as HTMLInputElement).checked).toBe(true);
    expect(within(dialog).getByText(/Copies every disk/)).toBeTruthy();
    expect(within(dialog).getByText(/current disks become a shared read-only base/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Clone' }));
    await waitFor(() => expect(onCloned).toHaveBeenCalledTimes(1));
    const [args] = api.callsOf('vm.clone');
    expect(args).toMatchObject({ vm: id, name: 'deb clone', linked: false });
    expect(args!.jobId).toMatch(/^clone-/);
    const clone = [...api.vms.values()].find((v) => v.doc.name === 'deb clone')!;
    expect(onCloned).toHaveBeenCalledWith(clone.doc.id);
  });

  it('Linked sends linked: true with the typed name', async () => {
    const { api, user, dialog } = setup();
    const name = within(dialog).getByRole('textbox', { name: 'Name of the clone' });
    await user.clear(name);
    await user.type(name, 'deb linked');
    await user.click(within(dialog).getByRole('radio', { name: 'Linked clone' }));
    await user.click(within(dialog).getByRole('button', { name: 'Clone' }));
    await waitFor(() => expect(api.callsOf('vm.clone')).toHaveLength(1));
    expect(api.callsOf('vm.clone')[0]).toMatchObject({ name: 'deb linked', linked: true });
  });

  it('an empty name cannot be sent; an engine refusal is shown as an actionable message', async () => {
    const { api, user, dialog, onCloned } = setup();
    const name = within(dialog).getByRole('textbox', { name: 'Name of the clone' });
    await user.clear(name);
    expect((within(dialog).getByRole('button', { name: 'Clone' }) as HTMLButtonElement).disabled).toBe(true);
    await user.type(name, 'x');
    api.failNext('vm.clone', 'invalid-state', 'disk disk0 of "deb" holds 1 snapshot(s); a linked clone would freeze them into the shared base image. Delete its snapshots first, or make a full clone');
    await user.click(within(dialog).getByRole('radio', { name: 'Linked clone' }));
    await user.click(within(dialog).getByRole('button', { name: 'Clone' }));
    expect(await within(dialog).findByText(/Could not clone "deb": disk disk0 of "deb" holds 1 snapshot\(s\).*make a full clone/)).toBeTruthy();
    expect(onCloned).not.toHaveBeenCalled();
  });
});

describe('Clone… in the details pane', () => {
  it('is disabled with the reason while the machine runs; when stopped, the clone is created and selected', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb', state: { kind: 'running' } }] });
    const store = new LibraryStore(api);
    store.start();
    const user = userEvent.setup();
    renderWithApi(createElement(LibraryWindow, { store }), api);
    await store.whenLoaded();
    await user.click(await screen.findByRole('option', { name: 'deb' }));
    const cloneButton = await screen.findByRole('button', { name: 'Clone…' });
    expect((cloneButton as HTMLButtonElement).disabled).toBe(true);
    expect(cloneButton.parentElement!.getAttribute('title')).toBe('Shut the machine down first');
    expect((screen.getByRole('button', { name: 'Export…' }) as HTMLButtonElement).disabled).toBe(true);

    api.setState('deb', { kind: 'stopped' });
    await waitFor(() => expect((screen.getByRole('button', { name: 'Clone…' }) as HTMLButtonElement).disabled).toBe(false));
    await user.click(screen.getByRole('button', { name: 'Clone…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Clone deb' });
    await user.click(within(dialog).getByRole('button', { name: 'Clone' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const option = await screen.findByRole('option', { name: 'deb clone' });
    await waitFor(() => expect(option.getAttribute('aria-selected')).toBe('true'));
    expect(await screen.findByRole('article', { name: 'Details of deb clone' })).toBeTruthy();
  });
});
