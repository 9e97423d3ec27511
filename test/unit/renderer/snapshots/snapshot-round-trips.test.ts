// @vitest-environment jsdom
// A snapshot change costs one engine call: the tree comes from its reply, not from a `snapshot.list` fetched for
// the `vm.snapshots` event the engine announces just before that reply (today's engine order, which the fake keeps).
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { SnapshotsSection } from '../../../../src-renderer/features/snapshots/snapshots-section.js';
import { snapshotTreeStore } from '../../../../src-renderer/features/snapshots/snapshot-tree-store.js';
import { clearThumbnailCache } from '../../../../src-renderer/features/snapshots/use-snapshots.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
beforeEach(clearThumbnailCache);
afterEach(cleanup);

const A = '00000000-0000-4000-8000-0000000000a1';

function seeded() {
  const api = new FakeHangarApi({ vms: [{ name: 'debian', state: { kind: 'running' } }] });
  const vmId = [...api.vms.keys()][0]!;
  api.setSnapshots('debian', [{ id: A, name: 'A', withRam: true }], A);
  return { api, vmId };
}

const snapshotCalls = (api: FakeHangarApi) => api.calls.filter((c) => c.command.startsWith('snapshot.') && c.command !== 'snapshot.thumbnail').map((c) => c.command);

describe('snapshot changes and snapshot.list round trips', () => {
  it('the details section and the panel share one tree: one list on open, none after a take, rename or delete', async () => {
    const { api } = seeded();
    const vmId = [...api.vms.keys()][0]!;
    const user = userEvent.setup();
    renderWithApi(createElement(SnapshotsSection, { vm: { id: vmId, name: 'debian', state: { kind: 'running' } } }), api);
    expect(await screen.findByText('1 snapshot, current: A')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Manage snapshots' }));
    const panel = await screen.findByRole('dialog', { name: 'Snapshots' });
    await within(panel).findByRole('treeitem', { name: 'A' });

    await user.click(within(panel).getByRole('button', { name: 'Take snapshot' }));
    const take = screen.getByRole('dialog', { name: 'Take a snapshot of "debian"' });
    await user.click(within(take).getByRole('button', { name: 'Take' }));
    await waitFor(() => expect(within(panel).getByRole('status').textContent).toBe('Took snapshot "Snapshot 2" with RAM.'));
    // Both views show the new tree, from the take's reply.
    expect(screen.getByText('2 snapshots, current: Snapshot 2')).toBeTruthy();
    expect(within(panel).getByRole('treeitem', { name: 'Snapshot 2' })).toBeTruthy();

    await user.click(within(panel).getByRole('treeitem', { name: 'A' }));
    const details = within(panel).getByRole('region', { name: 'Details of snapshot A' });
    await user.type(within(details).getByRole('textbox', { name: 'Name' }), '1');
    await user.click(within(details).getByRole('button', { name: 'Save' }));
    await within(panel).findByRole('treeitem', { name: 'A1' });

    await user.click(within(panel).getByRole('treeitem', { name: 'Snapshot 2' }));
    await user.click(within(panel).getByRole('button', { name: 'Delete' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete snapshot "Snapshot 2"?' })).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.getByText('1 snapshot, current: A1')).toBeTruthy());

    expect(snapshotCalls(api)).toEqual(['snapshot.list', 'snapshot.take', 'snapshot.rename', 'snapshot.delete']);
  });

  it('a change made elsewhere while ours runs is still fetched, once', async () => {
    const { api, vmId } = seeded();
    const store = snapshotTreeStore(api, vmId);
    const views: unknown[] = [];
    const off = store.subscribe((v) => views.push(v.tree));
    await waitFor(() => expect(store.current.tree?.snapshots).toHaveLength(1));
    await store.change(async () => {
      // The CLI renames A while our take runs: its announcement comes before our take's.
      api.setSnapshots('debian', [{ id: A, name: 'from CLI', withRam: true }], A);
      api.emitVm(vmId, { type: 'vm.snapshots', currentId: A });
      return api.call('snapshot.take', { vm: vmId, name: 'ours', withRam: true });
    });
    await waitFor(() => expect(snapshotCalls(api)).toEqual(['snapshot.list', 'snapshot.take', 'snapshot.list']));
    await waitFor(() => expect(store.current.tree?.snapshots.map((s) => s.name)).toEqual(['from CLI', 'ours']));
    off();
  });

  it('a change that fails takes no tree from it; an announcement meanwhile is fetched', async () => {
    const { api, vmId } = seeded();
    const store = snapshotTreeStore(api, vmId);
    const off = store.subscribe(() => undefined);
    await waitFor(() => expect(store.current.tree).not.toBeNull());
    const before = store.current.tree;
    api.failNext('snapshot.take', 'qemu-failed', 'no space left');
    await expect(store.change(() => api.call('snapshot.take', { vm: vmId, name: 'x', withRam: true }))).rejects.toThrow('no space left');
    expect(store.current.tree).toBe(before);
    expect(snapshotCalls(api)).toEqual(['snapshot.list', 'snapshot.take']);
    await expect(
      store.change(async () => {
        api.emitVm(vmId, { type: 'vm.snapshots', currentId: A });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await waitFor(() => expect(snapshotCalls(api)).toEqual(['snapshot.list', 'snapshot.take', 'snapshot.list']));
    off();
  });

  it('an announcement with no change of ours running is fetched; the store is dropped with its last view', async () => {
    const { api, vmId } = seeded();
    const store = snapshotTreeStore(api, vmId);
    const off = store.subscribe(() => undefined);
    await waitFor(() => expect(store.current.tree).not.toBeNull());
    api.emitVm(vmId, { type: 'vm.snapshots', currentId: A });
    await waitFor(() => expect(snapshotCalls(api)).toEqual(['snapshot.list', 'snapshot.list']));
    off();
    expect(api.listenerCount()).toBe(0);
    expect(snapshotTreeStore(api, vmId)).not.toBe(store);
  });
});
