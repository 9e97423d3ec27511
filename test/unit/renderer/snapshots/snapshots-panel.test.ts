// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';
import { SnapshotsPanel } from '../../../../src-renderer/features/snapshots/snapshots-panel.js';
import { SnapshotsSection } from '../../../../src-renderer/features/snapshots/snapshots-section.js';
import { clearThumbnailCache } from '../../../../src-renderer/features/snapshots/use-snapshots.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
beforeEach(clearThumbnailCache);
afterEach(cleanup);

const A = '00000000-0000-4000-8000-0000000000a1';
const B = '00000000-0000-4000-8000-0000000000b2';
const C = '00000000-0000-4000-8000-0000000000c3';

function setup(state: VmRunState = { kind: 'running' }, seed: 'abc' | 'none' = 'abc') {
  const api = new FakeHangarApi({ vms: [{ name: 'debian', state }] });
  const vm = [...api.vms.values()][0]!;
  if (seed === 'abc') {
    api.setSnapshots('debian', [
      { id: A, name: 'A', withRam: true, thumbnail: `thumbs/snap-${A}.png` },
      { id: B, name: 'B', parentId: A, withRam: true, description: 'after typing' },
      { id: C, name: 'C', parentId: A, withRam: false },
    ], B);
  }
  const user = userEvent.setup();
  renderWithApi(createElement(SnapshotsPanel, { vm: { id: vm.doc.id, name: 'debian', state }, open: true, onClose: () => undefined }), api);
  return { api, user, vmId: vm.doc.id };
}

const items = () => within(screen.getByRole('tree', { name: 'Snapshot tree' })).getAllByRole('treeitem');
const item = (name: string) => screen.getByRole('treeitem', { name });

describe('the snapshot tree', () => {
  it('shows the snapshots indented by parent, with "Current state" under the current snapshot', async () => {
    setup();
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    expect(screen.getByRole('dialog', { name: 'Snapshots' })).toBeTruthy();
    expect(items().map((i) => `${i.getAttribute('aria-level')}:${i.getAttribute('aria-label')}`)).toEqual(['1:A', '2:B', '3:Current state', '2:C']);
    expect(item('B').getAttribute('aria-current')).toBe('true');
    expect(item('Current state').getAttribute('aria-selected')).toBe('true');
  });

  it('shows "Current state" alone at the root without snapshots', async () => {
    setup({ kind: 'stopped' }, 'none');
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    expect(items().map((i) => i.getAttribute('aria-label'))).toEqual(['Current state']);
    expect(screen.getByText(/No snapshots yet/)).toBeTruthy();
  });

  it('loads thumbnails lazily (only snapshots that have one) and shows the details of the selected node', async () => {
    const { api, user } = setup();
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    await waitFor(() => expect(api.callsOf('snapshot.thumbnail').map((c) => c.snapshot)).toEqual([A]));
    await user.click(item('C'));
    const details = screen.getByRole('region', { name: 'Details of snapshot C' });
    expect(within(details).getByText('Disks only')).toBeTruthy();
    expect((within(details).getByRole('textbox', { name: 'Name' }) as HTMLInputElement).value).toBe('C');
    // A disk-only snapshot cannot be restored while running: the button says no and the reason shows.
    expect((screen.getByRole('button', { name: 'Restore' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/shut the machine down/)).toBeTruthy();
    await user.click(item('A'));
    expect(await screen.findByRole('img', { name: 'Screen of "A"' })).toBeTruthy();
    // Keyboard: ArrowDown moves the selection.
    await user.keyboard('{ArrowDown}');
    expect(item('B').getAttribute('aria-selected')).toBe('true');
  });

  it('renames and describes in the details, and refreshes live on vm.snapshots', async () => {
    const { api, user, vmId } = setup();
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    await user.click(item('B'));
    const details = screen.getByRole('region', { name: 'Details of snapshot B' });
    const name = within(details).getByRole('textbox', { name: 'Name' });
    await user.clear(name);
    await user.type(name, 'B2');
    await user.type(within(details).getByRole('textbox', { name: 'Description' }), '!');
    await user.click(within(details).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.callsOf('snapshot.rename')).toEqual([{ vm: vmId, snapshot: B, name: 'B2', description: 'after typing!' }]));
    expect(await screen.findByRole('treeitem', { name: 'B2' })).toBeTruthy();
    // Someone else (the CLI) takes a snapshot: the tree follows.
    api.setSnapshots('debian', [{ id: A, name: 'A' }, { id: 'x-cli', name: 'from CLI', parentId: A }], 'x-cli');
    api.emitVm(vmId, { type: 'vm.snapshots', currentId: 'x-cli' });
    expect(await screen.findByRole('treeitem', { name: 'from CLI' })).toBeTruthy();
    expect(items().map((i) => i.getAttribute('aria-label'))).toEqual(['A', 'from CLI', 'Current state']);
  });
});

describe('take', () => {
  it('validates the name and includes RAM by default while running', async () => {
    const { api, user, vmId } = setup();
    await user.click(await screen.findByRole('button', { name: 'Take snapshot' }));
    const dialog = screen.getByRole('dialog', { name: 'Take a snapshot of "debian"' });
    const name = within(dialog).getByRole('textbox', { name: 'Name' }) as HTMLInputElement;
    expect(name.value).toBe('Snapshot 4');
    const ram = within(dialog).getByRole('checkbox', { name: 'Include RAM' }) as HTMLInputElement;
    expect(ram.checked).toBe(true);
    expect(ram.disabled).toBe(false);
    await user.clear(name);
    await user.click(within(dialog).getByRole('button', { name: 'Take' }));
    expect(within(dialog).getByText('Enter a name.')).toBeTruthy();
    await user.type(name, 'A');
    expect(within(dialog).getByText('There is already a snapshot named "A".')).toBeTruthy();
    expect((within(dialog).getByRole('button', { name: 'Take' }) as HTMLButtonElement).disabled).toBe(true);
    await user.type(name, ' fresh');
    await user.type(within(dialog).getByRole('textbox', { name: 'Description' }), 'before update');
    await user.click(within(dialog).getByRole('button', { name: 'Take' }));
    await waitFor(() => expect(api.callsOf('snapshot.take')).toEqual([{ vm: vmId, name: 'A fresh', description: 'before update', withRam: true }]));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Take a snapshot of "debian"', hidden: true })).toBeNull());
    expect(item('A fresh').getAttribute('aria-selected')).toBe('true');
    expect(items().map((i) => i.getAttribute('aria-label'))).toEqual(['A', 'B', 'A fresh', 'Current state', 'C']);
  });

  it('offers no RAM while the machine is off, and says why', async () => {
    const { api, user, vmId } = setup({ kind: 'stopped' }, 'none');
    await user.click(await screen.findByRole('button', { name: 'Take snapshot' }));
    const dialog = screen.getByRole('dialog', { name: 'Take a snapshot of "debian"' });
    const ram = within(dialog).getByRole('checkbox', { name: 'Include RAM' }) as HTMLInputElement;
    expect(ram.checked).toBe(false);
    expect(ram.disabled).toBe(true);
    expect(within(dialog).getByText(/powered off, so there is no RAM/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Take' }));
    await waitFor(() => expect(api.callsOf('snapshot.take')).toEqual([{ vm: vmId, name: 'Snapshot 1', withRam: false }]));
    expect(await screen.findByRole('treeitem', { name: 'Snapshot 1' })).toBeTruthy();
  });

  it('reports a refusal through the notifier, without a stack trace, and keeps the dialog open', async () => {
    const { api, user } = setup();
    api.failNext('snapshot.take', 'qemu-failed', 'Device \'disk0\' is read-only\n    at Qmp.execute (qmp.ts:1:1)');
    await user.click(await screen.findByRole('button', { name: 'Take snapshot' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Take a snapshot of "debian"' })).getByRole('button', { name: 'Take' }));
    // Shown in the dialog on top (the Take dialog), where assistive technology can reach it: not `hidden`.
    const alert = await within(screen.getByRole('dialog', { name: 'Take a snapshot of "debian"' })).findByRole('alert');
    expect(alert.textContent).toContain('Could not take snapshot "Snapshot 4": Device \'disk0\' is read-only.');
    expect(alert.textContent).not.toContain('at Qmp');
    expect(screen.getByRole('dialog', { name: 'Take a snapshot of "debian"' })).toBeTruthy();
  });
});

describe('restore and delete', () => {
  it('warns that the current state will be lost; "Take a snapshot first" takes one, then restores', async () => {
    const { api, user, vmId } = setup();
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    await user.click(item('A'));
    await user.click(screen.getByRole('button', { name: 'Restore' }));
    const dialog = screen.getByRole('dialog', { name: 'Restore "A"?' });
    expect(within(dialog).getByText(/current state of "debian" will be lost/)).toBeTruthy();
    const takeFirst = within(dialog).getByRole('checkbox', { name: 'Take a snapshot first' }) as HTMLInputElement;
    expect(takeFirst.checked).toBe(false);
    await user.click(takeFirst);
    const name = within(dialog).getByRole('textbox', { name: 'Name of the new snapshot' });
    await user.clear(name);
    await user.type(name, 'before restore');
    await user.click(within(dialog).getByRole('button', { name: 'Restore' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Restore "A"?', hidden: true })).toBeNull());
    // The result is told in the panel's own status line, which assistive technology can reach (not hidden by the modal).
    const panel = screen.getByRole('dialog', { name: 'Snapshots' });
    await waitFor(() => expect(within(panel).getByRole('status').textContent).toBe('Restored "A".'));
    const order = api.calls.filter((c) => c.command === 'snapshot.take' || c.command === 'snapshot.restore');
    expect(order).toEqual([
      { command: 'snapshot.take', args: { vm: vmId, name: 'before restore', withRam: true } },
      { command: 'snapshot.restore', args: { vm: vmId, snapshot: A } },
    ]);
    expect(items().map((i) => `${i.getAttribute('aria-level')}:${i.getAttribute('aria-label')}`)).toEqual(['1:A', '2:B', '3:before restore', '2:C', '2:Current state']);
  });

  it('restores without a new snapshot when the box stays clear; a failed take-first does not restore', async () => {
    const { api, user, vmId } = setup();
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    await user.click(item('A'));
    await user.click(screen.getByRole('button', { name: 'Restore' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Restore "A"?' })).getByRole('button', { name: 'Restore' }));
    await waitFor(() => expect(api.callsOf('snapshot.restore')).toEqual([{ vm: vmId, snapshot: A }]));
    expect(api.callsOf('snapshot.take')).toEqual([]);
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Restore "A"?', hidden: true })).toBeNull());
    // The result is told in the panel's own status line, which assistive technology can reach (not hidden by the modal).
    const panel = screen.getByRole('dialog', { name: 'Snapshots' });
    await waitFor(() => expect(within(panel).getByRole('status').textContent).toBe('Restored "A".'));

    api.failNext('snapshot.take', 'invalid-state', 'disk0 is a raw image: internal snapshots need qcow2');
    await user.click(item('B'));
    await user.click(screen.getByRole('button', { name: 'Restore' }));
    const dialog = screen.getByRole('dialog', { name: 'Restore "B"?' });
    await user.click(within(dialog).getByRole('checkbox', { name: 'Take a snapshot first' }));
    await user.click(within(dialog).getByRole('button', { name: 'Restore' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('raw image');
    expect(api.callsOf('snapshot.restore')).toHaveLength(1);
    expect(screen.getByRole('dialog', { name: 'Restore "B"?' })).toBeTruthy();
  });

  it('deletes after confirmation; the children move up', async () => {
    const { api, user, vmId } = setup();
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    await user.click(item('A'));
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete snapshot "A"?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(api.callsOf('snapshot.delete')).toEqual([{ vm: vmId, snapshot: A }]));
    await waitFor(() => expect(screen.queryByRole('treeitem', { name: 'A', hidden: true })).toBeNull());
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Delete snapshot "A"?', hidden: true })).toBeNull());
    expect(items().map((i) => `${i.getAttribute('aria-level')}:${i.getAttribute('aria-label')}`)).toEqual(['1:B', '2:Current state', '1:C']);
    expect(item('Current state').getAttribute('aria-selected')).toBe('true');
  });

  it('cancelling the delete calls nothing', async () => {
    const { api, user } = setup();
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    await user.click(item('C'));
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete snapshot "C"?' })).getByRole('button', { name: 'Cancel' }));
    expect(api.callsOf('snapshot.delete')).toEqual([]);
  });
});

describe('progress', () => {
  it('shows a progress bar while a vm.job runs, and reports a failed job nobody awaited', async () => {
    const { api, vmId } = setup();
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    expect(screen.queryByRole('progressbar')).toBeNull();
    api.emitVm(vmId, { type: 'vm.job', jobId: 'j1', kind: 'snapshot-take', status: 'running', percent: 40 });
    const bar = await screen.findByRole('progressbar', { name: 'Taking snapshot…' });
    expect(bar.getAttribute('aria-valuenow')).toBe('40');
    expect(screen.getByRole('status').textContent).toBe('Taking snapshot…');
    expect((screen.getByRole('button', { name: 'Take snapshot' }) as HTMLButtonElement).disabled).toBe(false);
    api.emitVm(vmId, { type: 'vm.job', jobId: 'j1', kind: 'snapshot-take', status: 'concluded', percent: 100 });
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
    api.emitVm(vmId, { type: 'vm.job', jobId: 'j2', kind: 'snapshot-restore', status: 'failed', error: 'snapshot-load failed: no such tag' });
    expect((await within(screen.getByRole('dialog', { name: 'Snapshots' })).findByRole('alert')).textContent).toContain('Snapshot job failed: snapshot-load failed: no such tag.');
  });
});

describe('the details section', () => {
  it('summarises the tree, follows vm.snapshots, and opens the panel', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'debian', state: { kind: 'running' } }] });
    const vmId = [...api.vms.keys()][0]!;
    api.setSnapshots('debian', [{ id: A, name: 'A' }, { id: B, name: 'B', parentId: A }], B);
    const user = userEvent.setup();
    renderWithApi(createElement(SnapshotsSection, { vm: { id: vmId, name: 'debian', state: { kind: 'running' } } }), api);
    expect(await screen.findByText('2 snapshots, current: B')).toBeTruthy();
    api.setSnapshots('debian', [{ id: A, name: 'A' }], A);
    api.emitVm(vmId, { type: 'vm.snapshots', currentId: A });
    expect(await screen.findByText('1 snapshot, current: A')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Manage snapshots' }));
    expect(await screen.findByRole('dialog', { name: 'Snapshots' })).toBeTruthy();
    expect(await screen.findByRole('treeitem', { name: 'A' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Snapshots', hidden: true })).toBeNull());
  });
});
