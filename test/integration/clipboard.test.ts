import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { failure, serialWait, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { RfbClipboardClient } from '../helpers/rfb-clipboard-client.js';
import { fakeChannel } from '../unit/engine/transport/fake-port.js';
import { DISPLAY_CLOSE_CODES } from '../../src-main/engine/display/display-protocol.js';

/**
 * Clipboard sharing against real QEMU: linux.iso's guest runs vdagent-lite (a spice-vdagent speaking the vdagent
 * protocol on com.redhat.spice.0); a test VNC client plays noVNC's clipboard through the engine's display relay.
 */
describe('clipboard sharing through the vdagent (TCG)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => ((t = env), (e = engine)), { orphanMessage: 'no QEMU process may outlive the suite' });

  let id: string;
  const CONNECTED = 'VDAGENT-LITE-CONNECTED';

  /** A display through the engine's relay, with the test client speaking RFB on the viewer's side. */
  async function display(extended: boolean) {
    const { port1, port2 } = fakeChannel();
    const closed: Array<{ code: number; reason: string }> = [];
    let acked = 0;
    const client = new RfbClipboardClient((bytes) => port2.postMessage(new Uint8Array(bytes)), extended);
    port2.on('message', (ev: { data: unknown }) => {
      if (ev.data instanceof Uint8Array) {
        client.feed(ev.data);
        acked += ev.data.byteLength;
        port2.postMessage({ type: 'ack', bytes: ev.data.byteLength });
      } else if ((ev.data as { type?: string }).type === 'closed') closed.push(ev.data as { code: number; reason: string });
    });
    port2.start();
    await e.engine.services.displays.attach(id, port1);
    await client.ready;
    return { client, closed, close: () => port2.close(), acked: () => acked };
  }

  /** Resolves with the first match of `pattern` in the serial output (one subscription, before `trigger` runs). */
  async function serialMatch(pattern: RegExp, trigger: () => Promise<unknown>, timeoutMs: number): Promise<RegExpExecArray> {
    let seen = '';
    let off = (): void => undefined;
    const found = new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${String(pattern)} not seen on serial within ${timeoutMs} ms; got: ${seen.slice(-800)}`)), timeoutMs);
      off = e.client.onEvent((ev) => {
        if (ev.type !== 'vm.serial' || ev.vmId !== id) return;
        seen += ev.data;
        const m = pattern.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
    await e.client.call('vm.console.attach', { vm: id, tailBytes: 0 });
    try {
      await trigger();
      return await found;
    } finally {
      off();
    }
  }

  /** Resolves once every text appeared on serial. */
  const serialWaitAll = (texts: string[], trigger: () => Promise<unknown>, timeoutMs: number) =>
    serialMatch(new RegExp(texts.map((x) => `(?=[\\s\\S]*${x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})`).join('')), trigger, timeoutMs);

  /** The guest's agent prints what reached its clipboard; `CLIP-GET` asks it again. */
  const guestClipboard = async (): Promise<string> =>
    (await serialMatch(/CLIP-GUEST:([^\r\n]*)\r?\n/, () => e.client.call('vm.console.write', { vm: id, data: 'CLIP-GET\n' }), 30_000))[1]!;

  beforeAll(async () => {
    const disk = join(t.root, 'data.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
    ({ id } = await e.client.call('vm.create', { name: 'clip', existingDisk: disk, iso: fixturePaths.linuxIso, memoryMiB: 256, cpus: 1 }));
    // Boots the CD (first in the boot order with an ISO); the blank disk holds the RAM snapshot's state.
    await e.client.call('vm.update', { vm: id, patch: { clipboard: 'both' } });
    await serialWaitAll([markers.linuxReady, CONNECTED], () => e.client.call('vm.start', { vm: id }), 180_000);
  }, 240_000);

  it('text crosses both ways with sharing on (extended clipboard, as noVNC speaks it)', async () => {
    const d = await display(true);
    // host → guest: notify, the guest's agent asks, the client provides
    await serialWait(e.client, id, 'CLIP-GUEST:copied on the host 1', async () => d.client.copy('copied on the host 1', 'extended'), 60_000);
    // guest → host: the agent grabs, QEMU notifies the client, which asks and gets the text
    await e.client.call('vm.console.write', { vm: id, data: 'CLIP-SET:set in the guest 2\n' });
    expect(await d.client.waitText((x) => x === 'set in the guest 2')).toBe('set in the guest 2');
    d.close();
  }, 120_000);

  it('with the policy off nothing crosses in either direction; a live change closes a display that could leak', async () => {
    const open = await display(true);
    await e.client.call('vm.update', { vm: id, patch: { clipboard: 'off' } });
    await expect.poll(() => open.closed.map((c) => c.code), { timeout: 10_000 }).toEqual([DISPLAY_CLOSE_CODES.policyChanged]);

    const d = await display(true);
    const before = await guestClipboard();
    d.client.copy('blocked plain 3', 'plain');
    d.client.copy('blocked extended 3', 'extended');
    await d.client.barrier(); // QEMU has processed both by now: had they crossed, the agent would have been told
    expect(await guestClipboard()).toBe(before);
    await serialWait(e.client, id, 'CLIP-SET-OK', () => e.client.call('vm.console.write', { vm: id, data: 'CLIP-SET:guest secret 4\n' }));
    await d.client.barrier();
    d.client.copy('probe 5', 'plain'); // dropped too; then the barrier shows QEMU sent nothing meanwhile
    await d.client.barrier();
    expect(d.client.received).toEqual([]);

    // One way only: host → guest crosses (plain cut text: no extended clipboard offered), guest → host does not.
    await e.client.call('vm.update', { vm: id, patch: { clipboard: 'host-to-guest' } });
    await serialWait(e.client, id, 'CLIP-GUEST:allowed 6', async () => d.client.copy('allowed 6', 'plain'), 60_000);
    await e.client.call('vm.console.write', { vm: id, data: 'CLIP-SET:guest secret 7\n' });
    await d.client.barrier();
    expect(d.client.received).toEqual([]);
    d.close();
    await e.client.call('vm.update', { vm: id, patch: { clipboard: 'both' } });
  }, 180_000);

  it('a RAM snapshot is taken and restored with sharing on, and the agent works after each', async () => {
    await e.client.call('vm.update', { vm: id, patch: { clipboard: 'both' } });
    await serialWait(e.client, id, CONNECTED, async () => {
      const r = await e.client.call('snapshot.take', { vm: id, name: 'with clipboard' });
      expect(r.snapshot).toMatchObject({ withRam: true });
    }, 120_000);
    const d = await display(true);
    await serialWait(e.client, id, 'CLIP-GUEST:after take 8', async () => d.client.copy('after take 8', 'extended'), 60_000);
    d.close();

    await serialWait(e.client, id, CONNECTED, async () => {
      const r = await e.client.call('snapshot.restore', { vm: id, snapshot: 'with clipboard' });
      expect(r.state.kind).toBe('running');
    }, 120_000);
    const d2 = await display(true);
    await e.client.call('vm.console.write', { vm: id, data: 'CLIP-SET:after restore 9\n' });
    expect(await d2.client.waitText((x) => x === 'after restore 9')).toBe('after restore 9');
    d2.close();
  }, 300_000);

  it('refuses to turn sharing on live for a run started without it, naming why', async () => {
    await e.client.call('vm.forceOff', { vm: id }).catch(() => undefined);
    await expect.poll(async () => (await e.client.call('vm.get', { vm: id })).state.kind, { timeout: 30_000 }).toBe('stopped');
    await e.client.call('vm.update', { vm: id, patch: { clipboard: 'off' } });
    // Running is enough (QEMU has no vdagent channel): vm.start answers once the guest runs; no boot to wait for.
    expect((await e.client.call('vm.start', { vm: id })).state.kind).toBe('running');
    const err = await failure(e.client.call('vm.update', { vm: id, patch: { clipboard: 'both' } }));
    expect(err.message).toMatch(/clipboard sharing can be turned on only while "clip" is shut down/);
    expect((await e.client.call('vm.get', { vm: id })).doc.clipboard).toBe('off');
    await e.client.call('vm.forceOff', { vm: id });
  }, 240_000);
});
