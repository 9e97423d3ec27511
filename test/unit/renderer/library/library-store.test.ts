import { describe, expect, it, vi } from 'vitest';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';

const flush = () => new Promise((r) => setTimeout(r, 0));

async function started(api: FakeHangarApi) {
  const store = new LibraryStore(api, () => 1000);
  const stop = store.start();
  await store.whenLoaded();
  await flush();
  return { store, stop };
}

describe('LibraryStore', () => {
  it('loads library.list and follows vm.state events', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }, { name: 'win', state: { kind: 'running' } }] });
    const { store } = await started(api);
    const snap = store.getSnapshot();
    expect(snap.status).toBe('ready');
    expect(snap.vms.map((v) => [v.name, v.state.kind])).toEqual([['deb', 'stopped'], ['win', 'running']]);
    const listener = vi.fn();
    store.subscribe(listener);
    api.setState('deb', { kind: 'starting' });
    expect(store.getSnapshot().vms[0]?.state.kind).toBe('starting');
    expect(store.getSnapshot().vms[0]?.lastChanged).toBe(1000);
    expect(listener).toHaveBeenCalled();
  });

  it('a vm.install "none" (the guest powered off having installed nothing) drops the "Installing…" state', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'live', install: 'installing' }] });
    const { store } = await started(api);
    expect(store.getSnapshot().vms[0]?.install).toBe('installing');
    const id = store.getSnapshot().vms[0]!.id;
    api.emitVm(id, { type: 'vm.install', phase: 'none', message: 'no longer an install' });
    expect(store.getSnapshot().vms[0]).not.toHaveProperty('install');
  });

  it('ignores stale and duplicate events by per-VM sequence number', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    const { store } = await started(api);
    const id = store.getSnapshot().vms[0]!.id;
    api.emit({ type: 'vm.state', vmId: id, seq: 5, state: { kind: 'running' } });
    api.emit({ type: 'vm.state', vmId: id, seq: 4, state: { kind: 'starting' } }); // older: ignored
    api.emit({ type: 'vm.state', vmId: id, seq: 5, state: { kind: 'paused' } }); // duplicate: ignored
    expect(store.getSnapshot().vms[0]?.state.kind).toBe('running');
    api.emit({ type: 'vm.state', vmId: id, seq: 6, state: { kind: 'paused' } });
    expect(store.getSnapshot().vms[0]?.state.kind).toBe('paused');
  });

  it('adds machines on vm.added (fetching their details) and drops them on vm.removed', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    const { store } = await started(api);
    const added = api.addVm({ name: 'arch', osId: 'archlinux' });
    expect(store.getSnapshot().byId.get(added.id)?.name).toBe('arch');
    await flush();
    expect(store.getSnapshot().byId.get(added.id)).toMatchObject({ osId: 'archlinux', bundleDir: '/library/arch.hangar' });
    api.removeVm(added.id);
    expect(store.getSnapshot().byId.has(added.id)).toBe(false);
    expect(store.getSnapshot().vms).toHaveLength(1);
  });

  it('refreshes a machine on vm.changed', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    const { store } = await started(api);
    const id = store.getSnapshot().vms[0]!.id;
    await api.call('vm.rename', { vm: id, name: 'debian' });
    await flush();
    expect(store.getSnapshot().vms[0]?.name).toBe('debian');
  });

  it('replays events that arrive while the list loads', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    api.latencyMs = 20;
    const store = new LibraryStore(api);
    store.start();
    const id = [...api.vms.keys()][0]!;
    api.vms.get(id)!.state = { kind: 'running' };
    api.emitVm(id, { type: 'vm.state', state: { kind: 'running' } });
    expect(store.getSnapshot().status).toBe('loading');
    await store.whenLoaded();
    expect(store.getSnapshot().vms[0]?.state.kind).toBe('running');
  });

  it('reports a failed load as a sentence and reloads after a reconnect', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    api.failNext('library.list', 'io', 'cannot read /library/library.json');
    const { store } = await started(api);
    expect(store.getSnapshot()).toMatchObject({ status: 'error', error: expect.stringMatching(/^Could not load the library: cannot read/) });
    api.setConnection('closed');
    expect(store.getSnapshot().connection).toBe('closed');
    api.setConnection('open');
    await store.whenLoaded();
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', connection: 'open' });
    expect(store.getSnapshot().vms).toHaveLength(1);
  });

  it('settles when the first list is answered, not while it loads or before the connection opens', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }], connection: 'connecting' });
    api.latencyMs = 20;
    const store = new LibraryStore(api);
    store.start();
    let settled = false;
    void store.settled().then(() => (settled = true));
    await flush();
    expect(settled).toBe(false); // not connected yet: whenLoaded() alone would resolve here
    api.setConnection('open');
    await flush();
    expect(store.getSnapshot().status).toBe('loading');
    expect(settled).toBe(false);
    await store.whenLoaded();
    await flush();
    expect(settled).toBe(true);
    expect(store.getSnapshot().vms).toHaveLength(1);
    await expect(store.settled()).resolves.toBeUndefined(); // already settled: at once
  });

  it('settles on a failed list, and when the connection closes before any list', async () => {
    const failing = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    failing.failNext('library.list', 'io', 'cannot read /library/library.json');
    const a = new LibraryStore(failing);
    a.start();
    await a.settled();
    expect(a.getSnapshot().status).toBe('error');

    const lost = new FakeHangarApi({ connection: 'connecting' });
    const b = new LibraryStore(lost);
    b.start();
    const settling = b.settled();
    lost.setConnection('closed');
    await settling;
    expect(b.getSnapshot()).toMatchObject({ status: 'loading', connection: 'closed' });
  });

  it('settles its connection once it opens (the list then asked for) or closes', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }], connection: 'connecting' });
    api.latencyMs = 20;
    const store = new LibraryStore(api);
    store.start();
    let connected = false;
    void store.connectionSettled().then(() => (connected = true));
    await flush();
    expect(connected).toBe(false);
    api.setConnection('open');
    await flush();
    expect(connected).toBe(true);
    expect(api.calls.map((c) => c.command)).toContain('library.list'); // asked for, not yet answered
    expect(store.getSnapshot().status).toBe('loading');

    const lost = new FakeHangarApi({ connection: 'connecting' });
    const b = new LibraryStore(lost);
    b.start();
    const settling = b.connectionSettled();
    lost.setConnection('closed');
    await settling;
    expect(b.getSnapshot().connection).toBe('closed');
  });

  it('unsubscribes everything on stop', async () => {
    const api = new FakeHangarApi();
    const { stop } = await started(api);
    expect(api.listenerCount()).toBe(2);
    stop();
    expect(api.listenerCount()).toBe(0);
  });
});
