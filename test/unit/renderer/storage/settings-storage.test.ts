// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { SettingsDialog } from '../../../../src-renderer/features/settings/settings-dialog.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

describe('Settings ▸ Storage', () => {
  it('mounts the disk table; a disk added there is saved at once and keeps unapplied device options', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    const id = [...api.vms.keys()][0]!;
    api.addDisk(id, { id: 'disk0', sizeGiB: 4 });
    const user = userEvent.setup();
    renderWithApi(createElement(SettingsDialog, { vmId: id, initialPage: 'storage', state: { kind: 'stopped' }, onClose: vi.fn() }), api);
    const table = await screen.findByRole('table', { name: 'Disks' });
    await waitFor(() => expect(within(table).getByRole('row', { name: /^disk0/ }).textContent).toContain('4 GiB'));

    // An unapplied option: Read-only on disk0.
    const options = screen.getByRole('group', { name: 'Options of disk0' });
    await user.click(within(options).getByRole('checkbox', { name: 'Read-only' }));

    await user.click(screen.getByRole('button', { name: 'Add disk' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add disk' });
    await user.click(within(dialog).getByRole('button', { name: 'Add' }));
    expect(await within(table).findByRole('row', { name: /^disk1/ })).toBeTruthy();
    expect(api.callsOf('disk.add')).toEqual([{ vm: id, sizeGiB: 8 }]);
    expect((within(screen.getByRole('group', { name: 'Options of disk0' })).getByRole('checkbox', { name: 'Read-only' }) as HTMLInputElement).checked).toBe(true);

    // Apply sends only the pending option: the new disk is already the engine's.
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    const patch = api.callsOf('vm.update')[0]!.patch as { disks: Array<{ id: string; readOnly: boolean }> };
    expect(Object.keys(patch)).toEqual(['disks']);
    expect(patch.disks.map((d) => [d.id, d.readOnly])).toEqual([['disk0', true], ['disk1', false]]);
  });
});
