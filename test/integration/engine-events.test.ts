import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { EngineClient, type EngineEvent, type VmEvent } from '../../src-shared/contract/index.js';
import { jsonLinesTransport } from '../../src-main/engine/transport/json-lines.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { makeTestEnv, openEngine, qemuPidsUnder, serialWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

type AnyEvent = VmEvent | EngineEvent;

/** A client on the engine's control socket that records every event it gets. */
async function socketClient(path: string): Promise<{ client: EngineClient; events: AnyEvent[] }> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const client = new EngineClient(jsonLinesTransport(socket));
  const events: AnyEvent[] = [];
  client.onEvent((e) => events.push(e));
  await client.call('engine.hello', { client: 'events-test' });
  return { client, events };
}

const forVm = (events: AnyEvent[], vmId: string): VmEvent[] => events.filter((e): e is VmEvent => 'vmId' in e && e.vmId === vmId);
const states = (events: VmEvent[]): string[] => events.flatMap((e) => (e.type === 'vm.state' ? [e.state.kind] : []));

describe('engine events: per-VM sequence numbers, fan-out, serial routing', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let b: Awaited<ReturnType<typeof socketClient>>;
  let c: Awaited<ReturnType<typeof socketClient>>;

  beforeAll(async () => {
    t = makeTestEnv();
    e = await openEngine(t);
    // Both extra clients attach before any VM exists, so they must see every event from seq 1.
    b = await socketClient(e.engine.controlSocketPath);
    c = await socketClient(e.engine.controlSocketPath);
  });

  afterAll(async () => {
    b?.client.close();
    c?.client.close();
    await e?.close();
    const orphans = qemuPidsUnder(t.runtimeBase);
    // No VM runtime folders (12 hex) and no control socket may be left behind.
    const left = existsSync(join(t.runtimeBase, 'hangar')) ? readdirSync(join(t.runtimeBase, 'hangar')) : [];
    t.cleanup();
    expect(orphans, 'no QEMU may outlive the suite').toEqual([]);
    expect(left, 'runtime base is empty after the engine closed').toEqual([]);
  });

  it('two VMs at once: seq starts at 1 and steps by one per VM, states in legal order, same seq for every client', async () => {
    const ids: string[] = [];
    for (const name of ['events a', 'events b']) {
      const disk = join(t.root, `${name.replace(' ', '-')}.img`);
      copyFileSync(fixturePaths.bootImg, disk);
      ids.push((await e.client.call('vm.create', { name, existingDisk: disk, memoryMiB: 64, cpus: 1 })).id);
    }
    const [a1, a2] = ids as [string, string];
    // Client A (in-process) follows both consoles; C only the first; B none.
    await e.client.call('vm.console.attach', { vm: a2, tailBytes: 0 });
    await c.client.call('vm.console.attach', { vm: a1, tailBytes: 0 });

    await Promise.all(ids.map((id) => serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }))));
    for (const id of ids) expect((await e.client.call('vm.pause', { vm: id })).state.kind).toBe('paused');
    for (const id of ids) expect((await e.client.call('vm.resume', { vm: id })).state.kind).toBe('running');
    await Promise.all(ids.map((id) => e.client.call('vm.forceOff', { vm: id })));

    // The runtime folder of each stopped VM is gone.
    for (const id of ids) expect(existsSync(e.engine.vmRuntimeDir(id)), `runtime folder of ${id}`).toBe(false);

    // A request/answer on each socket client flushes every event broadcast before it (one ordered stream).
    await b.client.call('library.list', {});
    await c.client.call('library.list', {});

    for (const id of ids) {
      const seen = forVm(e.events, id);
      expect(seen.map((ev) => ev.seq), `seq of ${id} (client A)`).toEqual(seen.map((_, i) => i + 1));
      expect(seen[0]).toMatchObject({ type: 'vm.added', seq: 1 });
      expect(states(seen), `states of ${id}`).toEqual(['starting', 'running', 'paused', 'running', 'stopping', 'stopped']);
      expect(seen.some((ev) => ev.type === 'vm.serial')).toBe(true);

      // B got exactly A's events minus serial output, with the same sequence numbers.
      const withoutSerial = seen.filter((ev) => ev.type !== 'vm.serial');
      expect(forVm(b.events, id), `client B events of ${id}`).toEqual(withoutSerial);
      // C the same, plus the serial output of the one VM it attached to.
      expect(forVm(c.events, id).filter((ev) => ev.type !== 'vm.serial')).toEqual(withoutSerial);
    }
    expect(forVm(b.events, a1).concat(forVm(b.events, a2)).filter((ev) => ev.type === 'vm.serial')).toEqual([]);
    const cSerial = forVm(c.events, a1).filter((ev) => ev.type === 'vm.serial');
    expect(cSerial.map((ev) => (ev.type === 'vm.serial' ? ev.data : '')).join('')).toContain(markers.bootOk);
    expect(cSerial).toEqual(forVm(e.events, a1).filter((ev) => ev.type === 'vm.serial'));
    expect(forVm(c.events, a2).filter((ev) => ev.type === 'vm.serial')).toEqual([]);
  });

  it('a client that detaches the console gets no more serial output; numbering continues across restarts', async () => {
    const disk = join(t.root, 'detach.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id } = await e.client.call('vm.create', { name: 'events detach', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await c.client.call('vm.console.attach', { vm: id, tailBytes: 0 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    await c.client.call('vm.console.detach', { vm: id });
    const cSerialBefore = forVm(c.events, id).filter((ev) => ev.type === 'vm.serial').length;
    expect(cSerialBefore).toBeGreaterThan(0);
    await serialWait(e.client, id, 'KEY:q', () => e.client.call('vm.typeText', { vm: id, text: 'q' }));
    await c.client.call('vm.get', { vm: id }); // flush C's stream
    expect(forVm(c.events, id).filter((ev) => ev.type === 'vm.serial')).toHaveLength(cSerialBefore);
    await e.client.call('vm.forceOff', { vm: id });

    // A second run continues the same VM's numbering.
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    await e.client.call('vm.forceOff', { vm: id });
    const seen = forVm(e.events, id);
    expect(seen.map((ev) => ev.seq)).toEqual(seen.map((_, i) => i + 1));
    expect(states(seen)).toEqual(['starting', 'running', 'stopping', 'stopped', 'starting', 'running', 'stopping', 'stopped']);
    expect(existsSync(e.engine.vmRuntimeDir(id))).toBe(false);
  });
});
