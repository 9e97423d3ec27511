import { describe, expect, it } from 'vitest';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { ConnectionsStore } from '../../../../src-renderer/state/connections-store.js';
import { askSavedConnections } from '../../../../src-renderer/state/boot-connections.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { onConnection } from '../../../../src-renderer/state/scoped-api.js';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('ConnectionsStore', () => {
  it('lists the connections and reaches each: connected, or failed with the engine message naming the fix', async () => {
    const api = new FakeHangarApi();
    api.addConnection('lab', 'qemu:///system');
    api.addConnection('far', 'qemu+ssh://root@far/system', { state: 'error', error: 'far refused your SSH key: add it with `ssh-copy-id root@far`' });
    const store = new ConnectionsStore(api);
    await store.reload();
    expect(store.getSnapshot().connections).toEqual([
      { name: 'lab', uri: 'qemu:///system', status: 'connected', libvirtVersion: '9.0.0' },
      { name: 'far', uri: 'qemu+ssh://root@far/system', status: 'failed', error: expect.stringMatching(/ssh-copy-id root@far/) },
    ]);
    // Reconnect once the key is there: connecting, then connected.
    api.libvirt.get('far')!.info = { name: 'far', uri: 'qemu+ssh://root@far/system', state: 'unknown' };
    const again = store.reconnect('far');
    expect(store.getSnapshot().connections[1]?.status).toBe('connecting');
    await again;
    expect(store.getSnapshot().connections[1]).toEqual({ name: 'far', uri: 'qemu+ssh://root@far/system', status: 'connected', libvirtVersion: '9.0.0' });
  });

  it('adds (then reaches), tests an unsaved URI, renames and removes; a refusal is thrown for the dialog and changes nothing', async () => {
    const api = new FakeHangarApi();
    const store = new ConnectionsStore(api);
    await store.reload();
    await expect(store.testUri('qemu:///system')).resolves.toBe('9.0.0');
    api.unreachableUris.set('qemu+ssh://root@gone/system', 'cannot reach gone: Connection refused');
    await expect(store.testUri('qemu+ssh://root@gone/system')).rejects.toMatchObject({ code: 'io', message: /cannot reach gone/ });
    expect(store.getSnapshot().connections).toEqual([]); // a Test saves nothing
    await store.add('lab', 'qemu:///system');
    expect(store.getSnapshot().connections).toEqual([{ name: 'lab', uri: 'qemu:///system', status: 'connected', libvirtVersion: '9.0.0' }]);
    api.failNext('connection.add', 'name-taken', 'a connection named "lab" exists already');
    await expect(store.add('lab', 'qemu:///session')).rejects.toMatchObject({ code: 'name-taken' });
    expect(store.getSnapshot().connections).toHaveLength(1);
    await store.rename('lab', 'lab2');
    expect(store.getSnapshot().connections.map((c) => c.name)).toEqual(['lab2']);
    expect(api.callsOf('connection.rename')).toEqual([{ name: 'lab', newName: 'lab2' }]);
    await store.remove('lab2');
    expect(store.getSnapshot().connections).toEqual([]);
    // Names and URIs only ever: no call carries anything like a password.
    expect(JSON.stringify(api.calls)).not.toMatch(/password|secret/i);
  });
});

describe("the boot's saved connections", () => {
  it('are asked for once the engine connection opens; a closed connection or a refusal gives null', async () => {
    const api = new FakeHangarApi({ connection: 'connecting' });
    api.addConnection('lab', 'qemu:///system');
    const asked = askSavedConnections(api);
    await flush();
    expect(api.callsOf('connection.list')).toHaveLength(0); // not before the connection is open
    api.setConnection('open');
    await expect(asked).resolves.toEqual([{ name: 'lab', uri: 'qemu:///system' }]);

    const closed = new FakeHangarApi({ connection: 'connecting' });
    const never = askSavedConnections(closed);
    closed.setConnection('closed');
    await expect(never).resolves.toBeNull();

    const refusing = new FakeHangarApi();
    refusing.failNext('connection.list', 'io', 'connections.json is unreadable');
    await expect(askSavedConnections(refusing)).resolves.toBeNull();
  });

  it('seed the store: its rows are there (connecting) before start, which reaches each without listing again', async () => {
    const api = new FakeHangarApi();
    api.addConnection('lab', 'qemu:///system');
    api.addConnection('far', 'qemu+ssh://root@far/system', { state: 'error', error: 'far refused your SSH key: add it with `ssh-copy-id root@far`' });
    const store = new ConnectionsStore(api, [{ name: 'lab', uri: 'qemu:///system' }, { name: 'far', uri: 'qemu+ssh://root@far/system' }]);
    expect(store.getSnapshot()).toEqual({
      status: 'ready',
      error: null,
      connections: [
        { name: 'lab', uri: 'qemu:///system', status: 'connecting' },
        { name: 'far', uri: 'qemu+ssh://root@far/system', status: 'connecting' },
      ],
    });
    const off = store.start();
    await flush();
    await flush();
    expect(api.callsOf('connection.list')).toHaveLength(0);
    expect(api.callsOf('connection.test')).toEqual([{ name: 'lab' }, { name: 'far' }]);
    expect(store.getSnapshot().connections.map((c) => c.status)).toEqual(['connected', 'failed']);
    // After a reconnect of the engine connection the list is asked for again (it may have changed meanwhile).
    api.setConnection('closed');
    api.setConnection('open');
    await flush();
    expect(api.callsOf('connection.list')).toHaveLength(1);
    off();
  });
});

describe('machines on a libvirt connection', () => {
  it("This computer's list ignores a connection's events; the connection's list takes only its own", async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'local-deb' }] });
    const lab = api.addConnection('lab', 'qemu:///system', { vms: [{ name: 'web' }] });
    const other = api.addConnection('other', 'qemu:///session', { vms: [{ name: 'db' }] });
    const local = new LibraryStore(api, () => 1);
    const onLab = new LibraryStore(onConnection(api, 'lab'), () => 1, 'lab');
    local.start();
    onLab.start();
    await local.whenLoaded();
    await onLab.whenLoaded();
    expect(local.getSnapshot().vms.map((v) => v.name)).toEqual(['local-deb']);
    expect(onLab.getSnapshot().vms.map((v) => [v.name, v.connection])).toEqual([['web', 'lab']]);
    lab.setState('web', { kind: 'running' });
    other.setState('db', { kind: 'running' });
    lab.addVm({ name: 'new-on-lab' });
    await flush();
    expect(local.getSnapshot().vms.map((v) => v.name)).toEqual(['local-deb']);
    expect(onLab.getSnapshot().vms.map((v) => [v.name, v.state.kind, v.connection])).toEqual([['web', 'running', 'lab'], ['new-on-lab', 'stopped', 'lab']]);
    // A revert's vm.snapshots makes a connection's list read the state afresh (libvirt's events around a revert vary).
    const webId = onLab.getSnapshot().vms[0]!.id;
    lab.vms.get(webId)!.state = { kind: 'paused' }; // changed on the host without an event
    lab.emitVm(webId, { type: 'vm.snapshots', currentId: 'booted' });
    await flush();
    expect(onLab.getSnapshot().byId.get(webId)?.state.kind).toBe('paused');
    // Its calls name the connection.
    expect(api.calls.filter((c) => c.connection === 'lab').map((c) => c.command)).toContain('library.list');
  });
});
