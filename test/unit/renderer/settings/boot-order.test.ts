// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { SettingsDialog } from '../../../../src-renderer/features/settings/settings-dialog.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

/** A stopped machine with disk0 and an empty cd0, booting cd0 then disk0 (the fake's addDisk appends). */
async function open(state: VmRunState = { kind: 'stopped' }, tweak?: (api: FakeHangarApi, id: string) => void) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', state }] });
  const id = [...api.vms.keys()][0]!;
  api.addDisk(id, { id: 'disk0', sizeGiB: 4 });
  tweak?.(api, id);
  const user = userEvent.setup();
  renderWithApi(createElement(SettingsDialog, { vmId: id, initialPage: 'storage', state, onClose: () => undefined }), api);
  const list = await screen.findByRole('list', { name: 'Boot order' });
  return { api, id, user, list };
}

const btn = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;
const box = (id: string) => screen.getByRole('checkbox', { name: `Boot from ${id}` }) as HTMLInputElement;
const rows = (list: HTMLElement) => within(list).getAllByRole('listitem').map((li) => within(li).getByRole('checkbox').getAttribute('aria-label')?.replace('Boot from ', '') + (within(li).getByRole<HTMLInputElement>('checkbox').checked ? '' : ' (off)'));
const patchOf = (api: FakeHangarApi) => api.callsOf('vm.update')[0]?.patch;

describe('Settings ▸ Storage ▸ boot order', () => {
  it('lists the disks and CD/DVD drives in boot order; reordering by keyboard applies only bootOrder', async () => {
    const { api, id, user, list } = await open();
    expect(rows(list)).toEqual(['cd0', 'disk0']);
    expect(btn('Move cd0 up').disabled).toBe(true);
    expect(btn('Move disk0 down').disabled).toBe(true);

    // Keyboard only: Tab to "Move disk0 up" and press Enter; focus stays on the moved row's buttons.
    btn('Move disk0 up').focus();
    await user.keyboard('{Enter}');
    expect(rows(list)).toEqual(['disk0', 'cd0']);
    expect(document.activeElement).toBe(btn('Move disk0 down'));
    // The dialog has its own status line too (job results); the move is announced in the boot order's.
    expect(screen.getAllByRole('status').map((s) => s.textContent)).toContain('disk0 moved to position 1 of 2');

    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    expect(api.callsOf('vm.update')[0]).toEqual({ vm: id, patch: { bootOrder: ['disk0', 'cd0'] } });
    await waitFor(() => expect(btn('Apply').disabled).toBe(true));
  });

  it('unticking a device removes it from bootOrder; ticking it again puts it last', async () => {
    const { api, user, list } = await open();
    await user.click(box('cd0'));
    expect(rows(list)).toEqual(['disk0', 'cd0 (off)']);
    expect(btn('Move cd0 up').disabled).toBe(true); // a device that does not boot has no position
    await user.click(btn('Apply'));
    await waitFor(() => expect(patchOf(api)).toEqual({ bootOrder: ['disk0'] }));
    await user.click(box('cd0'));
    expect(rows(list)).toEqual(['disk0', 'cd0']);
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')[1]?.patch).toEqual({ bootOrder: ['disk0', 'cd0'] }));
  });

  it('warns, without blocking Apply, when nothing boots (the schema allows an empty order)', async () => {
    const { api, user } = await open();
    await user.click(box('cd0'));
    await user.click(box('disk0'));
    expect(screen.getByText('No device is ticked: the machine will find nothing to boot from.')).toBeTruthy();
    expect(btn('Apply').disabled).toBe(false);
    await user.click(btn('Apply'));
    await waitFor(() => expect(patchOf(api)).toEqual({ bootOrder: [] }));
  });

  it('shows the schema error on a boot entry that names no device and blocks Apply until it is unticked', async () => {
    const { api, user, list } = await open({ kind: 'stopped' }, (fake, id) => {
      const vm = fake.vms.get(id)!;
      vm.doc = { ...vm.doc, bootOrder: [...vm.doc.bootOrder, 'disk9'] };
    });
    // Edit something so Apply would be possible, then check the stale entry blocks it.
    await user.click(btn('Move disk0 up'));
    expect(rows(list)).toEqual(['disk0', 'cd0', 'disk9']);
    expect(within(list).getByText(/names no disk or CD-ROM \("disk9"\)/)).toBeTruthy();
    expect(box('disk9').getAttribute('aria-invalid')).toBe('true');
    expect(btn('Apply').disabled).toBe(true);
    await user.click(box('disk9'));
    expect(within(list).queryByText(/names no disk/)).toBeNull();
    expect(rows(list)).toEqual(['disk0', 'cd0']); // gone: it names nothing to tick again
    await user.click(btn('Apply'));
    await waitFor(() => expect(patchOf(api)).toEqual({ bootOrder: ['disk0', 'cd0'] }));
  });

  it('Remove drive drops the drive from cdroms and bootOrder; Add CD/DVD drive boots it last', async () => {
    const { api, user, list } = await open();
    await user.click(btn('Add CD/DVD drive'));
    expect(rows(list)).toEqual(['cd0', 'disk0', 'cd1']);
    await user.click(btn('Remove drive cd0'));
    expect(screen.queryByLabelText('ISO image (cd0)')).toBeNull();
    expect(rows(list)).toEqual(['disk0', 'cd1']);
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    expect(patchOf(api)).toEqual({ cdroms: [{ id: 'cd1', path: null, bus: 'sata' }], bootOrder: ['disk0', 'cd1'] });
  });

  it('follows disks removed in the disk table: the removed disk leaves the list, an unapplied order survives', async () => {
    const { api, id, user, list } = await open({ kind: 'stopped' }, (fake, vmId) => fake.addDisk(vmId, { id: 'disk1', sizeGiB: 2 }));
    expect(rows(list)).toEqual(['cd0', 'disk0', 'disk1']);
    await user.click(btn('Move disk1 up'));
    await user.click(btn('Move disk1 up')); // unapplied: disk1, cd0, disk0
    await user.click(btn('Remove disk disk0'));
    const confirm = await screen.findByRole('dialog', { name: 'Remove disk disk0?' });
    await user.click(within(confirm).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(api.callsOf('disk.remove')).toEqual([{ vm: id, disk: 'disk0', deleteFile: false }]));
    await waitFor(() => expect(rows(list)).toEqual(['disk1', 'cd0']));
    expect(btn('Apply').disabled).toBe(false); // the engine saved cd0, disk1; the user's order is still to apply
    await user.click(btn('Apply'));
    await waitFor(() => expect(api.callsOf('vm.update')).toHaveLength(1));
    expect(patchOf(api)).toEqual({ bootOrder: ['disk1', 'cd0'] });
  });

  it('while running, the boot order and drive list are locked and say why', async () => {
    await open({ kind: 'running' });
    expect(box('cd0').disabled).toBe(true);
    expect(box('disk0').disabled).toBe(true);
    expect(btn('Move disk0 up').disabled).toBe(true);
    expect(btn('Remove drive cd0').disabled).toBe(true);
    expect(btn('Add CD/DVD drive').disabled).toBe(true);
    expect(box('disk0').getAttribute('aria-describedby')).toBe('boot-order-help');
    expect(document.getElementById('boot-order-help')?.textContent).toBe('Shut the machine down to change this');
  });
});
