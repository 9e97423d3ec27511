import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VncRelay } from '../../../../src-main/engine/display/vnc-relay.js';
import { DisplayService } from '../../../../src-main/engine/display/display-service.js';
import { DISPLAY_CLOSE_CODES } from '../../../../src-main/engine/display/display-protocol.js';
import { wireParentPort } from '../../../../src-main/engine/host-wiring.js';
import type { PortLike } from '../../../../src-main/engine/transport/message-port.js';
import { fakeChannel, type FakePort } from '../transport/fake-port.js';

const GREETING = Buffer.from('RFB 003.008\n', 'latin1');

/** A unix socket server standing in for QEMU's VNC server: greets, records what clients send. */
class FakeQemu {
  readonly clients: Socket[] = [];
  readonly received: Buffer[] = [];
  server!: Server;
  constructor(readonly path: string) {}
  listen(): Promise<void> {
    this.server = createServer((s) => {
      this.clients.push(s);
      s.on('data', (d: Buffer) => this.received.push(d));
      s.on('error', () => undefined);
      s.write(GREETING);
    });
    return new Promise((r) => this.server.listen(this.path, () => r()));
  }
  close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The viewer's side of a display port: collects bytes and control messages. */
function viewer(port: FakePort) {
  const bytes: Uint8Array[] = [];
  const controls: Array<Record<string, unknown>> = [];
  let closed = false;
  port.on('message', (e: { data: unknown }) => {
    if (e.data instanceof Uint8Array) bytes.push(e.data);
    else controls.push(e.data as Record<string, unknown>);
  });
  port.on('close', () => (closed = true));
  port.start();
  return {
    bytes,
    controls,
    get closed() {
      return closed;
    },
    total: () => bytes.reduce((n, b) => n + b.byteLength, 0),
    text: () => Buffer.concat(bytes).toString('latin1'),
  };
}

async function until(what: string, probe: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let dir: string;
let qemu: FakeQemu;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-vnc-'));
  qemu = new FakeQemu(join(dir, 'vnc.sock'));
  await qemu.listen();
});
afterEach(async () => {
  await qemu.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('VncRelay', () => {
  it('says open once connected, then relays raw bytes both ways', async () => {
    const { port1, port2 } = fakeChannel();
    const v = viewer(port2);
    const relay = new VncRelay(port1, qemu.path);
    await relay.start();
    await until('the greeting', () => v.text() === GREETING.toString('latin1'));
    expect(v.controls[0]).toEqual({ type: 'open' });
    port2.postMessage(new Uint8Array([0x52, 0x46, 0x42]));
    port2.postMessage(new Uint8Array([1, 2, 3, 4]).subarray(1, 3));
    await until('bytes at QEMU', () => Buffer.concat(qemu.received).length === 5);
    expect([...Buffer.concat(qemu.received)]).toEqual([0x52, 0x46, 0x42, 2, 3]);
    expect(relay.stats()).toMatchObject({ posted: GREETING.length, written: 5 });
  });

  it('queues what the viewer sends before QEMU accepted the connection', async () => {
    const { port1, port2 } = fakeChannel();
    viewer(port2);
    port2.postMessage(new Uint8Array([9, 9]));
    const relay = new VncRelay(port1, qemu.path);
    await new Promise((r) => setImmediate(r));
    await relay.start();
    await until('queued bytes', () => Buffer.concat(qemu.received).length === 2);
  });

  it('stops reading QEMU while too much is unacknowledged and resumes on acks, losing nothing', async () => {
    const { port1, port2 } = fakeChannel();
    const v = viewer(port2);
    const relay = new VncRelay(port1, qemu.path, { highWaterBytes: 256 * 1024, lowWaterBytes: 64 * 1024 });
    await relay.start();
    await until('a client', () => qemu.clients.length === 1);
    const total = 4 * 1024 * 1024 + GREETING.length;
    const blob = Buffer.alloc(4 * 1024 * 1024, 7);
    qemu.clients[0]!.write(blob);
    await until('a pause', () => relay.stats().paused);
    await new Promise((r) => setTimeout(r, 100));
    // Paused: no more than the high-water mark plus one socket read is in flight.
    const inFlight = relay.stats().posted - relay.stats().acked;
    expect(inFlight).toBeGreaterThan(256 * 1024);
    expect(inFlight).toBeLessThan(256 * 1024 + 256 * 1024);
    expect(v.total()).toBeLessThan(total);
    // The viewer acknowledges what it received, one pause at a time (driven here, not by a timer): each ack
    // brings the relay under its low-water mark, it reads again until the high-water mark, and pauses again.
    let acked = 0;
    for (let round = 0; v.total() < total; round++) {
      expect(round, 'rounds of pause and ack').toBeLessThan(100);
      // Every posted byte has reached the viewer (the fake port delivers on setImmediate) before acking them.
      await until('a pause with everything posted delivered, or the end', () => v.total() === total || (relay.stats().paused && v.total() === relay.stats().posted), 10_000);
      if (v.total() === total) break;
      const inFlightNow = relay.stats().posted - relay.stats().acked;
      expect(inFlightNow).toBeGreaterThan(256 * 1024);
      expect(inFlightNow).toBeLessThan(256 * 1024 + 256 * 1024);
      const pauses = relay.stats().pauses;
      port2.postMessage({ type: 'ack', bytes: v.total() - acked });
      acked = v.total();
      // Resumed: it either pauses again (a new pause counted) or reads to the end.
      await until('the next pause or the end', () => relay.stats().pauses > pauses || v.total() === total, 10_000);
    }
    expect(relay.stats().pauses).toBeGreaterThan(1);
    expect(Buffer.concat(v.bytes).subarray(GREETING.length).every((b) => b === 7)).toBe(true);
  });

  it('ignores malformed acks and unknown messages', async () => {
    const { port1, port2 } = fakeChannel();
    viewer(port2);
    const relay = new VncRelay(port1, qemu.path);
    await relay.start();
    port2.postMessage({ type: 'ack', bytes: -5 });
    port2.postMessage({ type: 'ack', bytes: 1e12 });
    port2.postMessage({ type: 'weird' });
    port2.postMessage('text');
    await new Promise((r) => setTimeout(r, 20));
    expect(relay.stats().acked).toBeLessThanOrEqual(relay.stats().posted);
    expect(relay.closed).toBe(false);
  });

  it('closes the QEMU connection when the viewer closes its port', async () => {
    const { port1, port2 } = fakeChannel();
    viewer(port2);
    const relay = new VncRelay(port1, qemu.path);
    await relay.start();
    await until('a client', () => qemu.clients.length === 1);
    const gone = new Promise((r) => qemu.clients[0]!.once('close', r));
    port2.close();
    await gone;
    expect(relay.closed).toBe(true);
  });

  it('closes the QEMU connection on {type:"close"} from the viewer', async () => {
    const { port1, port2 } = fakeChannel();
    viewer(port2);
    const relay = new VncRelay(port1, qemu.path);
    await relay.start();
    await until('a client', () => qemu.clients.length === 1);
    const gone = new Promise((r) => qemu.clients[0]!.once('close', r));
    port2.postMessage({ type: 'close' });
    await gone;
    expect(relay.closed).toBe(true);
  });

  it('tells the viewer when QEMU closes the display, then closes the port', async () => {
    const { port1, port2 } = fakeChannel();
    const v = viewer(port2);
    const relay = new VncRelay(port1, qemu.path);
    await relay.start();
    await until('a client', () => qemu.clients.length === 1);
    qemu.clients[0]!.end();
    await until('the port to close', () => v.closed);
    expect(v.controls.at(-1)).toMatchObject({ type: 'closed', code: DISPLAY_CLOSE_CODES.vmStopped });
  });

  /** A relay whose explainClose answers `why`, and its viewer, once QEMU has the relay as its client. */
  async function relayExplaining(why: string | null) {
    const { port1, port2 } = fakeChannel();
    const v = viewer(port2);
    const relay = new VncRelay(port1, qemu.path, { explainClose: async () => why });
    await relay.start();
    await until('a client', () => qemu.clients.length === 1);
    return { v, relay };
  }

  /** What a write into a forward whose SSH master died does: an error (EPIPE), then the close. */
  const failWrite = (relay: VncRelay): void => void (relay as unknown as { socket: Socket }).socket.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));

  it('asks why when QEMU\'s socket closes (a libvirt tunnel whose SSH dropped) and tells the viewer that', async () => {
    const { v } = await relayExplaining('the SSH connection to lab:22 was lost');
    qemu.clients[0]!.end();
    await until('the port to close', () => v.closed);
    expect(v.controls.at(-1)).toEqual({ type: 'closed', code: DISPLAY_CLOSE_CODES.vmStopped, reason: 'the SSH connection to lab:22 was lost' });
  });

  it('asks why also when a write meets the dead tunnel first (EPIPE before the close)', async () => {
    const { v, relay } = await relayExplaining('the SSH connection to lab:22 was lost');
    failWrite(relay);
    await until('the port to close', () => v.closed);
    expect(v.controls.at(-1)).toEqual({ type: 'closed', code: DISPLAY_CLOSE_CODES.vmStopped, reason: 'the SSH connection to lab:22 was lost' });
  });

  it('says the write failed when there is nothing better to say', async () => {
    const { v, relay } = await relayExplaining(null);
    failWrite(relay);
    await until('the port to close', () => v.closed);
    expect(v.controls.at(-1)).toEqual({ type: 'closed', code: DISPLAY_CLOSE_CODES.vmStopped, reason: 'the display connection failed: write EPIPE' });
  });

  it('applies the clipboard policy to what the viewer sends, and closes a display a policy change cannot hold', async () => {
    const { port1, port2 } = fakeChannel();
    viewer(port2);
    const relay = new VncRelay(port1, qemu.path, { clipboard: 'off' });
    await relay.start();
    const cut = Buffer.concat([Buffer.from([6, 0, 0, 0, 0, 0, 0, 6]), Buffer.from('secret')]);
    const encodings = Buffer.from([2, 0, 0, 2, 0, 0, 0, 7, 0xc0, 0xa1, 0xe5, 0xce]);
    const key = Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61]);
    port2.postMessage(new Uint8Array(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1]), encodings, cut, key])));
    await until('the key at QEMU', () => Buffer.concat(qemu.received).includes(key));
    const seen = Buffer.concat(qemu.received);
    expect(seen.includes(Buffer.from('secret'))).toBe(false);
    expect(seen.includes(Buffer.from([2, 0, 0, 1, 0, 0, 0, 7]))).toBe(true); // SetEncodings without the extended clipboard
    relay.setClipboardPolicy('host-to-guest');
    port2.postMessage(new Uint8Array(cut));
    await until('the cut text at QEMU', () => Buffer.concat(qemu.received).includes(Buffer.from('secret')));
    expect(relay.closed).toBe(false);

    const both = fakeChannel();
    const w = viewer(both.port2);
    const relay2 = new VncRelay(both.port1, qemu.path, { clipboard: 'both' });
    await relay2.start();
    both.port2.postMessage(new Uint8Array(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1]), encodings])));
    await until('the extended clipboard at QEMU', () => Buffer.concat(qemu.received).includes(encodings));
    relay2.setClipboardPolicy('host-to-guest');
    await until('the port to close', () => w.closed);
    expect(w.controls.at(-1)).toMatchObject({ type: 'closed', code: DISPLAY_CLOSE_CODES.policyChanged });
  });

  it('closes a display whose viewer sends what cannot be followed', async () => {
    const { port1, port2 } = fakeChannel();
    const v = viewer(port2);
    const relay = new VncRelay(port1, qemu.path, { clipboard: 'both' });
    await relay.start();
    port2.postMessage(new Uint8Array(Buffer.from('RFB 003.003\n')));
    await until('the port to close', () => v.closed);
    expect(v.controls.at(-1)).toMatchObject({ type: 'closed', code: DISPLAY_CLOSE_CODES.refused });
    expect(relay.closed).toBe(true);
  });

  it('reports an unreachable socket', async () => {
    const { port1, port2 } = fakeChannel();
    const v = viewer(port2);
    const relay = new VncRelay(port1, join(dir, 'missing.sock'));
    await relay.start();
    await until('the port to close', () => v.closed);
    expect(v.controls).toEqual([expect.objectContaining({ type: 'closed', code: DISPLAY_CLOSE_CODES.unreachable })]);
  });
});

describe('DisplayService', () => {
  function service() {
    let end!: () => void;
    const ended = new Promise<void>((r) => (end = r));
    const svc = new DisplayService(async (ref) => {
      if (ref !== 'vm1') throw new Error(`"${ref}" is not running (stopped)`);
      return { vmId: 'vm1', socketPath: qemu.path, ended };
    });
    return { svc, end };
  }

  it('serves several viewers of one VM at once, each with its own VNC connection', async () => {
    const { svc } = service();
    const a = fakeChannel();
    const b = fakeChannel();
    const va = viewer(a.port2);
    const vb = viewer(b.port2);
    await Promise.all([svc.attach('vm1', a.port1), svc.attach('vm1', b.port1)]);
    expect(svc.viewers('vm1')).toBe(2);
    await until('both greetings', () => va.total() === GREETING.length && vb.total() === GREETING.length);
    expect(qemu.clients).toHaveLength(2);
    a.port2.close();
    await until('one viewer left', () => svc.viewers('vm1') === 1);
  });

  it('closes every display of a VM when its session ends', async () => {
    const { svc, end } = service();
    const a = fakeChannel();
    const b = fakeChannel();
    const va = viewer(a.port2);
    const vb = viewer(b.port2);
    await svc.attach('vm1', a.port1);
    await svc.attach('vm1', b.port1);
    await until('two clients', () => qemu.clients.length === 2);
    const gone = Promise.all(qemu.clients.map((c) => new Promise((r) => c.once('close', r))));
    end();
    await gone;
    await until('both ports closed', () => va.closed && vb.closed);
    for (const v of [va, vb]) expect(v.controls.at(-1)).toMatchObject({ type: 'closed', code: DISPLAY_CLOSE_CODES.vmStopped, reason: 'the VM stopped' });
    expect(svc.viewers('vm1')).toBe(0);
  });

  it('closes with the reason a session end gives (a string), e.g. a dropped SSH link', async () => {
    const svc = new DisplayService(async (ref) => ({ vmId: ref, socketPath: qemu.path, ended: Promise.resolve('the SSH connection to lab:22 was lost') }));
    const a = fakeChannel();
    const va = viewer(a.port2);
    await svc.attach('vm1', a.port1);
    await until('the port to close', () => va.closed);
    expect(va.controls.at(-1)).toMatchObject({ type: 'closed', code: DISPLAY_CLOSE_CODES.vmStopped, reason: 'the SSH connection to lab:22 was lost' });
  });

  it('refuses a VM that is not running, with the reason', async () => {
    const { svc } = service();
    const a = fakeChannel();
    const va = viewer(a.port2);
    expect(await svc.attach('other', a.port1)).toBeNull();
    await until('the port to close', () => va.closed);
    expect(va.controls).toEqual([{ type: 'closed', code: DISPLAY_CLOSE_CODES.notRunning, reason: '"other" is not running (stopped)' }]);
  });
});

describe('wireParentPort: attach-display', () => {
  it('hands a transferred port to the display hook, without answering', async () => {
    const parent = fakeChannel();
    const attached: Array<{ vmId: string; port: PortLike }> = [];
    wireParentPort({ attach: () => ({ clientId: 1, followSerial: () => undefined }) }, parent.port2, { libraryDir: '/l', controlSocket: '/s' }, {
      attachDisplay: (vmId, port) => attached.push({ vmId, port }),
    });
    parent.port1.start();
    const win = fakeChannel();
    parent.port1.postMessage({ type: 'attach-display', vmId: 'abc' }, [win.port1]);
    await until('the hook', () => attached.length === 1);
    expect(attached[0]!.vmId).toBe('abc');
    expect(attached[0]!.port).toBe(win.port1);
  });

  it('closes the port when no display hook is wired', async () => {
    const parent = fakeChannel();
    wireParentPort({ attach: () => ({ clientId: 1, followSerial: () => undefined }) }, parent.port2, { libraryDir: '/l', controlSocket: '/s' });
    parent.port1.start();
    const win = fakeChannel();
    const v = viewer(win.port2);
    parent.port1.postMessage({ type: 'attach-display', vmId: 'abc' }, [win.port1]);
    await until('the port to close', () => v.closed);
  });
});
