import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, type VmEvent } from '../../src-shared/contract/index.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { makeTestEnv, openEngine, serialWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { ensureLibvirt, pidsWithArg, removeDomain, startLoopbackSshd, SYSTEM_URI, type LoopbackSshd } from '../helpers/libvirt-host.js';
import { RfbClipboardClient } from '../helpers/rfb-clipboard-client.js';
import { keyEventsForLine } from '../helpers/rfb-keys.js';
import { fakeChannel } from '../unit/engine/transport/fake-port.js';

// The live display, the serial console and screenshots of libvirt machines, on qemu:///system and over
// qemu+ssh:// to a loopback sshd: a VNC client types a line on the fixture guest's console through the engine's
// display relay (the Electron path) or through the socket vm.displaySocket names (serve's path), and the guest's
// `KBD:<line>` comes back on the serial console the engine follows.

function onConnection(e: OpenedEngine, name: string): EngineClient {
  const [a, b] = inProcessPair();
  e.engine.server.attach(b);
  const c = new EngineClient(a);
  c.connection = name;
  return c;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A display through the engine's DisplayService (what an Electron window gets), by the domain's uuid only. */
async function relayDisplay(e: OpenedEngine, id: string) {
  const { port1, port2 } = fakeChannel();
  const closed: Array<{ code: number; reason: string }> = [];
  const client = new RfbClipboardClient((bytes) => port2.postMessage(new Uint8Array(bytes)), false);
  let onClosed = (): void => undefined;
  const closedOnce = new Promise<void>((r) => (onClosed = r));
  port2.on('message', (ev: { data: unknown }) => {
    if (ev.data instanceof Uint8Array) {
      client.feed(ev.data);
      port2.postMessage({ type: 'ack', bytes: ev.data.byteLength });
    } else if ((ev.data as { type?: string }).type === 'closed') {
      closed.push(ev.data as { code: number; reason: string });
      onClosed();
    }
  });
  port2.start();
  await e.engine.services.displays.attach(id, port1);
  return { client, closed, closedOnce, send: (b: Uint8Array) => port2.postMessage(new Uint8Array(b)), close: () => port2.close() };
}

/** A display through the unix socket vm.displaySocket names (what serve's display relay connects to). */
async function socketDisplay(path: string) {
  const sock = connect(path);
  const client = new RfbClipboardClient((bytes) => sock.write(bytes), false);
  sock.on('data', (b: Buffer) => client.feed(b));
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  return { client, send: (b: Uint8Array) => sock.write(b), close: () => sock.destroy() };
}

async function typeLine(d: { client: RfbClipboardClient; send: (b: Uint8Array) => void; closed?: unknown[] }, line: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([d.client.ready, new Promise((_r, reject) => (timer = setTimeout(() => reject(new Error(`no RFB handshake within 60 s; closed: ${JSON.stringify(d.closed)}`)), 60_000)))]).finally(() => clearTimeout(timer));
  for (const k of keyEventsForLine(line)) d.send(k);
  await d.client.barrier(60_000);
}

/** Waits for a condition that has no event to follow (another process ending), checking it every 100 ms. */
async function until(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!probe()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('libvirt displays, serial consoles and screenshots', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let sshd: LoopbackSshd;

  beforeAll(async () => {
    await ensureLibvirt();
    sshd = await startLoopbackSshd();
    t = makeTestEnv();
    e = await openEngine(t);
    await e.client.call('connection.add', { name: 'sys', uri: SYSTEM_URI });
  });

  afterAll(async () => {
    delete process.env['HANGAR_LIBVIRT_SSH'];
    await e?.close();
    t?.cleanup();
    sshd?.stop();
  });

  /** Creates and boots a fixture guest on a connection; resolves once it printed READY (the serial console wait). */
  async function boot(c: EngineClient, name: string): Promise<string> {
    const { id } = await c.call('vm.create', { name, iso: fixturePaths.linuxIso, diskSizeGiB: 0.05, memoryMiB: 256, cpus: 1, firmware: 'bios' });
    await serialWait(c, id, markers.linuxReady, () => c.call('vm.start', { vm: name }), 180_000);
    return id;
  }

  it('qemu:///system: a line typed through the relay is echoed on serial; both display paths; a real screenshot', async () => {
    const c = onConnection(e, 'sys');
    const name = `hangar-dsp-${randomBytes(3).toString('hex')}`;
    try {
      const id = await boot(c, name);
      const d = await relayDisplay(e, id);
      const line = `local${randomBytes(3).toString('hex')}`;
      await serialWait(c, id, `${markers.linuxKbdPrefix}${line}`, () => typeLine(d, line), 60_000);
      d.close();

      // serve's path: the page names only the id (no connection); the engine answers with a unix socket.
      const sock = await e.client.call('vm.displaySocket', { vm: id });
      expect(lstatSync(sock.path).isSocket()).toBe(true);
      const s = await socketDisplay(sock.path);
      const line2 = `serve${randomBytes(3).toString('hex')}`;
      await serialWait(c, id, `${markers.linuxKbdPrefix}${line2}`, () => typeLine(s, line2), 60_000);
      s.close();

      const shot = Buffer.from((await c.call('vm.screenshot', { vm: name })).pngBase64, 'base64');
      expect(shot.subarray(0, 8).equals(PNG)).toBe(true);
      expect(shot.readUInt32BE(16)).toBeGreaterThanOrEqual(640); // IHDR width: the text console
      const thumb = await c.call('vm.thumbnail', { vm: name });
      expect(Buffer.from(thumb.pngBase64 ?? '', 'base64').subarray(0, 8).equals(PNG)).toBe(true);

      // CPU and memory graphs: virsh domstats while a client holds the lease.
      const stat = new Promise<VmEvent>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no vm.stats event within 60 s')), 60_000);
        const off = e.client.onEvent((ev) => {
          if (ev.type !== 'vm.stats' || ev.vmId !== id) return;
          off();
          clearTimeout(timer);
          resolve(ev);
        });
      });
      await c.call('vm.stats.subscribe', {});
      const got = (await stat) as VmEvent & { type: 'vm.stats' };
      expect(got.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(got.rssBytes).toBeGreaterThan(16 * 1024 * 1024); // QEMU with a 256 MiB guest that booted
      await c.call('vm.stats.unsubscribe', {});
      await c.call('vm.forceOff', { vm: name });
    } finally {
      removeDomain(name);
    }
  }, 400_000);

  it('qemu+ssh://: the display is tunnelled over one SSH master, the serial console is followed remotely; a dropped link closes the display clearly', async () => {
    process.env['HANGAR_LIBVIRT_SSH'] = sshd.goodSsh;
    // The loopback host's libvirt is this computer's: without "sys", the display found by id is the tunnelled one.
    await e.client.call('connection.remove', { name: 'sys' }).catch(() => undefined);
    await e.client.call('connection.add', { name: 'loop', uri: sshd.uri });
    const c = onConnection(e, 'loop');
    const name = `hangar-dsr-${randomBytes(3).toString('hex')}`;
    try {
      const id = await boot(c, name);
      const sock = await c.call('vm.displaySocket', { vm: name });
      // The local end: a unix socket in the engine's runtime folder, only its user may connect.
      expect(sock.path.startsWith(t.runtimeBase)).toBe(true);
      expect(lstatSync(sock.path).isSocket()).toBe(true);
      expect(lstatSync(sock.path).mode & 0o077).toBe(0);

      const d = await relayDisplay(e, id);
      const line = `remote${randomBytes(3).toString('hex')}`;
      await serialWait(c, id, `${markers.linuxKbdPrefix}${line}`, () => typeLine(d, line), 60_000);

      const shot = Buffer.from((await c.call('vm.screenshot', { vm: name })).pngBase64, 'base64');
      expect(shot.subarray(0, 8).equals(PNG)).toBe(true);

      const isSsh = (pid: number): boolean => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ssh');
        } catch {
          return false; // ended meanwhile
        }
      };
      const ours = () => pidsWithArg(t.runtimeBase).filter(isSsh);
      expect(ours().length).toBeGreaterThan(0); // the master and the serial follower
      // The link drops (the server side ends every session): the display closes saying so, and no ssh is left.
      sshd.dropServerSide();
      await d.closedOnce;
      expect(d.closed[0]?.reason).toMatch(/SSH connection to 127\.0\.0\.1:\d+ was lost/);
      // The master and the serial follower riding on it end by themselves: no ssh of the engine's is left.
      await until(() => ours().length === 0, 'the engine\'s ssh processes to end');

      // sshd still listens: the next display logs in again.
      const again = await relayDisplay(e, id);
      const line2 = `again${randomBytes(3).toString('hex')}`;
      await serialWait(c, id, `${markers.linuxKbdPrefix}${line2}`, () => typeLine(again, line2), 60_000);
      again.close();
      await c.call('vm.forceOff', { vm: name });
    } finally {
      removeDomain(name);
    }
  }, 500_000);
});
