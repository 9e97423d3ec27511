import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, type VmEvent } from '../../src-shared/contract/index.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { makeTestEnv, openEngine, serialWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { ensureLibvirt, removeDomain, startLoopbackSshd, SYSTEM_URI, type LoopbackSshd } from '../helpers/libvirt-host.js';

// Input to libvirt machines and their live thumbnails, on qemu:///system and over qemu+ssh:// to a loopback sshd:
// a line written with vm.console.write reaches the fixture guest's ttyS0 (it answers `ECHO:<line>`) through the
// domain's console socket (here, or forwarded over SSH); vm.typeText and vm.sendKey type on its VGA console through
// `virsh send-key` (it answers `KBD:<line>` on serial); vm.thumbnails.subscribe brings real PNGs and its work ends
// with the last subscriber.

function onConnection(e: OpenedEngine, name: string): EngineClient {
  const [a, b] = inProcessPair();
  e.engine.server.attach(b);
  const c = new EngineClient(a);
  c.connection = name;
  return c;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The next `vm.thumbnail` event of a machine. */
function nextThumbnail(c: EngineClient, id: string, timeoutMs = 60_000): Promise<VmEvent & { type: 'vm.thumbnail' }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no vm.thumbnail for ${id} within ${timeoutMs} ms`))), timeoutMs);
    const off = c.onEvent((ev) => {
      if (ev.type !== 'vm.thumbnail' || ev.vmId !== id) return;
      off();
      clearTimeout(timer);
      resolve(ev);
    });
  });
}

describe('libvirt input: serial console, keys, typed text; live thumbnails', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let sshd: LoopbackSshd;

  beforeAll(async () => {
    await ensureLibvirt();
    sshd = await startLoopbackSshd();
    t = makeTestEnv();
    e = await openEngine(t);
  });

  afterAll(async () => {
    delete process.env['HANGAR_LIBVIRT_SSH'];
    await e?.close();
    t?.cleanup();
    sshd?.stop();
  });

  async function boot(c: EngineClient, name: string): Promise<string> {
    const { id } = await c.call('vm.create', { name, iso: fixturePaths.linuxIso, diskSizeGiB: 0.05, memoryMiB: 256, cpus: 1, firmware: 'bios' });
    await serialWait(c, id, markers.linuxReady, () => c.call('vm.start', { vm: name }), 180_000);
    return id;
  }

  /** What every connection must do for a running fixture guest. */
  async function exercise(c: EngineClient, connection: string, name: string, id: string): Promise<void> {
    // The console takes input: attach says so (no read-only reason), and a written line comes back from the guest.
    const attached = await c.call('vm.console.attach', { vm: id, tailBytes: 0 });
    expect(attached.readOnly).toBeUndefined();
    const line = `ser${randomBytes(3).toString('hex')}`;
    await serialWait(c, id, `${markers.linuxEchoPrefix}${line}`, () => c.call('vm.console.write', { vm: id, data: `${line}\r` }), 60_000);
    // Again on the connection kept open, in two writes.
    const line2 = `two${randomBytes(3).toString('hex')}`;
    await serialWait(c, id, `${markers.linuxEchoPrefix}${line2}`, async () => {
      await c.call('vm.console.write', { vm: id, data: line2.slice(0, 3) });
      await c.call('vm.console.write', { vm: id, data: `${line2.slice(3)}\r` });
    }, 60_000);

    // Typed on the VGA console through virsh send-key; Enter as a combo.
    const typed = `kb${randomBytes(3).toString('hex')}`;
    await serialWait(c, id, `${markers.linuxKbdPrefix}${typed}`, async () => {
      expect((await c.call('vm.typeText', { vm: name, text: typed })).sent).toBe(typed.length);
      expect((await c.call('vm.sendKey', { vm: name, combo: 'enter' })).keys).toEqual(['ret']);
    }, 120_000);

    // Live thumbnails of the rows in view: a real PNG, then nothing scheduled once the last subscriber left.
    const thumb = nextThumbnail(e.client, id);
    const sub = await c.call('vm.thumbnails.subscribe', { vms: [id] });
    expect(sub.intervalMs).toBeGreaterThan(0);
    const got = await thumb;
    expect(got.connection).toBe(connection);
    const png = Buffer.from(got.pngBase64, 'base64');
    expect(png.subarray(0, 8).equals(PNG)).toBe(true);
    expect(got.width).toBeGreaterThanOrEqual(640);
    expect(got.height).toBeGreaterThan(0);
    await c.call('vm.thumbnails.unsubscribe', {});
    const conn = await e.engine.services.connections.get(connection);
    expect((conn as unknown as { thumbnails: { running: boolean } }).thumbnails.running).toBe(false);
  }

  it('qemu:///system: console input, typed text, a key combo and live thumbnails', async () => {
    await e.client.call('connection.add', { name: 'sys', uri: SYSTEM_URI });
    const c = onConnection(e, 'sys');
    const name = `hangar-in-${randomBytes(3).toString('hex')}`;
    try {
      const id = await boot(c, name);
      await exercise(c, 'sys', name, id);
      await c.call('vm.forceOff', { vm: name });
    } finally {
      removeDomain(name);
      await e.client.call('connection.remove', { name: 'sys' }).catch(() => undefined);
    }
  }, 400_000);

  it('qemu+ssh://: the console socket is forwarded over the SSH master; keys and thumbnails over libvirt RPC', async () => {
    process.env['HANGAR_LIBVIRT_SSH'] = sshd.goodSsh;
    await e.client.call('connection.add', { name: 'loop', uri: sshd.uri });
    const c = onConnection(e, 'loop');
    const name = `hangar-inr-${randomBytes(3).toString('hex')}`;
    try {
      const id = await boot(c, name);
      await exercise(c, 'loop', name, id);
      await c.call('vm.forceOff', { vm: name });
    } finally {
      removeDomain(name);
    }
  }, 500_000);
});
