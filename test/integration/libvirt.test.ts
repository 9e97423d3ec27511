import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VmEvent } from '../../src-shared/contract/index.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { failure, serialWait, stateWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { runCli } from '../helpers/cli-in-process.js';
import { statSync } from 'node:fs';
import { removeDomain, SYSTEM_URI, waitForFileText, type LoopbackSshd } from '../helpers/libvirt-host.js';
import { clientOn, createFixture, defineDomain, useLibvirtSuite, useSsh, virsh, volumeList } from '../helpers/libvirt-suite.js';

// A machine's whole life on real libvirt (libvirtd started by the test set-up), through the engine contract with
// `connection` set: create (domain XML from the VM document, a volume in the default pool), start (state from
// libvirt's lifecycle events), boot the fixture guest, pause/resume, snapshot, revert, CD eject/insert, ACPI
// shutdown, delete with storage. Once on qemu:///system and once over qemu+ssh:// to an sshd on loopback.

async function lifecycle(e: OpenedEngine, conn: string, local: boolean): Promise<void> {
  const c = clientOn(e, conn);
  const name = `hangar-it-${randomBytes(3).toString('hex')}`;
  try {
    const created = await createFixture(c, name);
    const id = created.id;
    expect(volumeList()).toContain(`${name}-disk0.qcow2`);
    const list = await c.call('library.list', {});
    expect(list.find((m) => m.id === id)).toMatchObject({ name, connection: conn, state: { kind: 'stopped' } });
    const got = await c.call('vm.get', { vm: name });
    expect(got.foreign).toBe(false);
    expect(got.doc.cdroms[0]?.path).toBe(fixturePaths.linuxIso);

    // The running state arrives as an event from libvirt (virsh event), not from a poll.
    const running = stateWait(e.client, id, 'running', 60_000);
    // The serial console follows the domain's log as vm.serial events (attached before the start): a file here,
    // `tail -F` over the connection's SSH master on another host.
    await serialWait(c, id, markers.linuxReady, () => c.call('vm.start', { vm: name }), 120_000);
    await running;
    if (!local) expect(await waitForFileText(`/var/log/libvirt/qemu/${name}-serial0.log`, markers.linuxReady, 1_000)).toContain(markers.linuxReady);

    const paused = stateWait(e.client, id, 'paused');
    expect((await c.call('vm.pause', { vm: name })).state.kind).toBe('paused');
    await paused;
    expect((await c.call('vm.resume', { vm: name })).state.kind).toBe('running');

    const taken = await c.call('snapshot.take', { vm: name, name: 'booted', description: 'after HANGAR-LINUX-READY' });
    expect(taken.snapshot).toMatchObject({ id: 'booted', withRam: true, description: 'after HANGAR-LINUX-READY' });
    expect(taken.tree.currentId).toBe('booted');
    const reverted = await c.call('snapshot.restore', { vm: name, snapshot: 'booted' });
    expect(reverted.state.kind).toBe('running');

    const ejected = await c.call('media.eject', { vm: name });
    expect(ejected).toMatchObject({ drive: 'cd0', path: null, live: true });
    const inserted = await c.call('media.insert', { vm: name, drive: 'cd0', path: fixturePaths.linuxIso });
    expect(inserted).toMatchObject({ drive: 'cd0', path: fixturePaths.linuxIso, live: true });

    // What libvirt cannot do the Hangar way is refused by name (the CLI exits 4).
    const refused = await failure(c.call('vm.saveState', { vm: name }));
    expect(refused.code).toBe('unsupported');
    expect(refused.message).toMatch(/libvirt cannot do this .*saving the machine state/);

    const shut = await c.call('vm.shutdown', { vm: name, timeoutMs: 90_000 });
    expect(shut).toMatchObject({ state: { kind: 'stopped' }, timedOut: false });

    expect((await c.call('snapshot.delete', { vm: name, snapshot: 'booted' })).tree.snapshots).toEqual([]);
    await c.call('vm.delete', { vm: name, files: true });
    expect((await c.call('library.list', {})).some((m) => m.id === id)).toBe(false);
    expect(volumeList()).not.toContain(`${name}-disk0.qcow2`);
  } finally {
    removeDomain(name);
  }
}

describe('libvirt connections', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let sshd: LoopbackSshd;
  useLibvirtSuite((s) => ({ t, e, sshd } = s));

  it('adds, tests, renames, lists and removes a connection (stored without secrets)', async () => {
    await e.client.call('connection.add', { name: 'scratch', uri: SYSTEM_URI });
    const tested = await e.client.call('connection.test', { name: 'scratch' });
    expect(tested.connection.state).toBe('connected');
    expect(tested.libvirtVersion).toMatch(/\d+\.\d+/);
    await e.client.call('connection.rename', { name: 'scratch', newName: 'scratch2' });
    expect((await e.client.call('connection.list', {})).connections.map((x) => x.name)).toEqual(['scratch2']);
    await e.client.call('connection.remove', { name: 'scratch2' });
    expect((await e.client.call('connection.list', {})).connections).toEqual([]);
  });

  it('runs a machine on qemu:///system: create, start, boot, pause, snapshot, revert, media, shutdown, delete', async () => {
    await e.client.call('connection.add', { name: 'sys', uri: SYSTEM_URI });
    await lifecycle(e, 'sys', true);
  }, 400_000);

  it('runs a machine over qemu+ssh:// to an sshd on loopback', async () => {
    useSsh(sshd.goodSsh);
    await e.client.call('connection.add', { name: 'loop', uri: sshd.uri });
    expect((await e.client.call('connection.test', { name: 'loop' })).connection.state).toBe('connected');
    await lifecycle(e, 'loop', false);
  }, 400_000);

  it('the CLI: connection add/list/remove, --connection before the verb, exit 4 for what libvirt cannot do', async () => {
    const run = (...argv: string[]) => runCli(t, ...argv);
    if (!(await e.client.call('connection.list', {})).connections.some((k) => k.name === 'sys')) await e.client.call('connection.add', { name: 'sys', uri: SYSTEM_URI });
    // Another spelling of qemu:///system: "sys" (added above) already uses the plain one, and one URI gets one name.
    expect((await run('connection', 'add', 'cli', SYSTEM_URI)).err).toMatch(/connection "sys" already uses qemu:\/\/\/system/);
    expect((await run('connection', 'add', 'cli', `${SYSTEM_URI}?no_tty=1`)).code).toBe(0);
    expect((await run('connection', 'list')).out).toMatch(/^local  This computer.*\n(.*\n)*cli  qemu:\/\/\/system\?no_tty=1/m);
    const name = `hangar-it-cli-${randomBytes(3).toString('hex')}`;
    defineDomain(t.root, name, 64, `<graphics type='vnc'><listen type='socket'/></graphics>`);
    try {
      expect((await run('--connection', 'cli', 'list')).out).toMatch(new RegExp(`${name}\\s+stopped`));
      expect((await run('--connection', 'cli', 'start', name)).code).toBe(0);
      expect((await run('--connection', 'cli', 'info', name)).out).toMatch(/State:\s+running/i);
      const fwd = await run('--connection', 'cli', 'forward', 'list', name);
      expect(fwd.code).toBe(4);
      expect(fwd.err).toMatch(/libvirt cannot do this for machines on connection "cli": port forwards/);
      expect((await run('--connection', 'cli', 'stop', name, '--force')).code).toBe(0);
      expect((await run('--connection', 'cli', 'start', 'no-such-domain')).code).toBe(3);
      expect((await run('--connection', 'nope', 'list')).code).toBe(3);
      expect((await run('--connection', 'cli', 'host')).code).toBe(2);
      expect((await run('connection', 'remove', 'cli')).code).toBe(0);
    } finally {
      removeDomain(name);
    }
  });

  it('events reach clients for machines on a connection', () => {
    const states = e.events.filter((x): x is VmEvent & { type: 'vm.state' } => x.type === 'vm.state').map((x) => x.state.kind);
    expect(states).toEqual(expect.arrayContaining(['running', 'paused', 'stopped']));
  });

  it("lists the ISOs in a connection's storage pools, on this host and over SSH; this computer has no pools", async () => {
    const name = `hangar-test-${randomBytes(3).toString('hex')}.iso`;
    const path = `/var/lib/libvirt/images/${name}`;
    // Put in the pool through libvirt, not copied into its folder and found by pool-refresh: libvirt refuses a
    // refresh while another test file's upload into the pool is running.
    virsh('vol-create-as', '--pool=default', `--name=${name}`, `--capacity=${statSync(fixturePaths.linuxIso).size}`, '--format=raw');
    try {
      virsh('vol-upload', '--pool=default', `--vol=${name}`, `--file=${fixturePaths.linuxIso}`);
      useSsh(sshd.goodSsh);
      for (const [conn, uri] of [['sys', SYSTEM_URI], ['loop', sshd.uri]] as const) {
        if (!(await e.client.call('connection.list', {})).connections.some((k) => k.name === conn)) await e.client.call('connection.add', { name: conn, uri });
        const { isos } = await e.client.call('media.poolIsos', {}, conn);
        const found = isos.find((i) => i.path === path);
        expect(found, `${conn}: ${JSON.stringify(isos)}`).toMatchObject({ pool: 'default', name });
        // virsh prints sizes with two decimals of their unit.
        expect(Math.abs(found!.sizeBytes - statSync(path).size) / statSync(path).size).toBeLessThan(0.01);
      }
      expect((await failure(e.client.call('media.poolIsos', {}))).message).toMatch(/storage pools belong to libvirt connections/);
    } finally {
      virsh('vol-delete', '--pool=default', `--vol=${name}`);
    }
  }, 300_000);

});
