import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { failure, serialWait, stateWait, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

/** A 1 MiB raw image whose first bytes are `marker` (the guest's USB:watch reporter prints the first 32). */
function stickImage(path: string, marker: string): string {
  const buf = Buffer.alloc(1024 * 1024);
  buf.write(marker, 0, 'latin1');
  writeFileSync(path, buf);
  return path;
}

describe('USB sticks and host devices (real QEMU, the fixture guest reports USB disks)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let id: string;
  let stickA: string;
  let stickB: string;
  let stickAName = '';
  const nodeNames = async (): Promise<string[]> =>
    (await e.engine.sessions.get(id)!.qmp.execute('query-named-block-nodes', { flat: true })).map((n) => n['node-name'] ?? '');

  useEngineEnv(
    (env, engine) => {
      t = env;
      e = engine;
    },
    { orphanMessage: 'no QEMU may outlive the suite', beforeClose: (open) => open.client.call('vm.forceOff', { vm: id }).catch(() => undefined) },
  );

  /** Serial output from now until it matches `re` (the console is attached already). */
  const serialUntil = (re: RegExp, trigger: () => Promise<unknown>, timeoutMs = 60_000): Promise<string> => {
    let seen = '';
    let off = (): void => undefined;
    const found = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${re} not seen on serial within ${timeoutMs} ms; got: ${seen.slice(-500)}`)), timeoutMs);
      off = e.client.onEvent((ev) => {
        if (ev.type !== 'vm.serial' || ev.vmId !== id) return;
        seen += ev.data;
        if (re.test(seen)) {
          clearTimeout(timer);
          resolve(seen);
        }
      });
    });
    return trigger().then(() => found).finally(() => off());
  };

  beforeAll(async () => {
    stickA = stickImage(join(t.root, 'stick-a.img'), 'HANGARSTICK-A');
    stickB = stickImage(join(t.root, 'stick-b.img'), 'HANGARSTICK-B');
    // A small disk: snapshots need a writable qcow2 disk to hold them.
    ({ id } = await e.client.call('vm.create', { name: 'usb', iso: fixturePaths.linuxIso, memoryMiB: 256, cpus: 1, diskSizeGiB: 0.0625 }));
    await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), 110_000);
    await serialWait(e.client, id, 'HANGAR-USB-WATCHING', () => e.client.call('vm.console.write', { vm: id, data: 'USB:watch\n' }), 60_000);
  }, 180_000);

  it('a stick attached live appears in the guest as a USB disk with the image\'s bytes; read-only shows ro', async () => {
    let r!: Awaited<ReturnType<typeof e.client.call<'usb.attach'>>>;
    // The guest's SATA disk is sda: the sticks get the next names.
    const a = await serialUntil(/HANGAR-USB-DISK:(sd[a-z]):0:2048:HANGARSTICK-A/, async () => {
      r = await e.client.call('usb.attach', { vm: id, image: stickA });
    });
    stickAName = /HANGAR-USB-DISK:(sd[a-z]):0:2048:HANGARSTICK-A/.exec(a)![1]!;
    expect(r.attachment).toEqual({ id: 'usb0', kind: 'image', source: stickA, readOnly: false, saved: true, live: true });
    await serialUntil(/HANGAR-USB-DISK:sd[a-z]:1:2048:HANGARSTICK-B/, () => e.client.call('usb.attach', { vm: id, image: stickB, readOnly: true }));
    const { doc } = await e.client.call('vm.get', { vm: id });
    expect(doc.usb.images).toEqual([
      { id: 'usb0', path: stickA, format: 'raw', readOnly: false },
      { id: 'usb1', path: stickB, format: 'raw', readOnly: true },
    ]);
    expect(await nodeNames()).toEqual(expect.arrayContaining(['usb0', 'usb0-file', 'usb1', 'usb1-file']));
  }, 150_000);

  it('the same image twice is refused naming the stick that has it', async () => {
    const err = await failure(e.client.call('usb.attach', { vm: id, image: stickA }));
    expect(err.code).toBe('exists');
    expect(err.message).toContain('as usb0');
  });

  it('detach unplugs it (the guest loses the disk), deletes its block nodes and forgets it', async () => {
    await serialUntil(new RegExp(`HANGAR-USB-GONE:${stickAName}\\b`), () => e.client.call('usb.detach', { vm: id, id: 'usb0' }));
    const names = await nodeNames();
    expect(names).not.toContain('usb0');
    expect(names).not.toContain('usb0-file');
    expect((await e.client.call('vm.get', { vm: id })).doc.usb.images.map((i) => i.id)).toEqual(['usb1']);
  }, 90_000);

  it('detaching an id that is not attached names the ones that are', async () => {
    const err = await failure(e.client.call('usb.detach', { vm: id, id: 'usb7' }));
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/no USB device "usb7" attached \(it has: usb1\)/);
  });

  it('a host device goes through the same device_add/device_del plumbing (usb-host waits for a device this host lacks)', async () => {
    const r = await e.client.call('usb.attach', { vm: id, device: '046D:C52B' });
    expect(r.attachment).toEqual({ id: 'host-046d-c52b', kind: 'host', source: '046d:c52b', saved: false, live: true });
    const qom = await e.engine.sessions.get(id)!.qmp.execute('human-monitor-command', { 'command-line': 'info qtree' });
    expect(qom).toMatch(/dev: usb-host, id "host-046d-c52b"[\s\S]*?vendorid = 1133 \(0x46d\)[\s\S]*?productid = 50475 \(0xc52b\)/);
    // Not saved: the document has no rule; detach unplugs it.
    expect((await e.client.call('vm.get', { vm: id })).doc.usb.rules).toEqual([]);
    const after = await e.client.call('usb.detach', { vm: id, id: 'host-046d-c52b' });
    expect(after.attachments.map((x) => x.id)).toEqual(['usb1']);
    expect(await e.engine.sessions.get(id)!.qmp.execute('human-monitor-command', { 'command-line': 'info qtree' })).not.toContain('host-046d-c52b');
  }, 60_000);

  it('a rule added while running is plugged in now and kept in the document', async () => {
    const r = await e.client.call('usb.rule.add', { vm: id, device: '1-2.3' });
    expect(r.attachments).toContainEqual({ id: 'host-port-1-2-3', kind: 'host', source: 'port 1-2.3', saved: true, live: true });
    const qtree = await e.engine.sessions.get(id)!.qmp.execute('human-monitor-command', { 'command-line': 'info qtree' });
    expect(qtree).toMatch(/dev: usb-host, id "host-port-1-2-3"[\s\S]*?hostbus = 1[\s\S]*?hostport = "2.3"/);
    expect((await e.client.call('vm.get', { vm: id })).doc.usb.rules).toEqual([{ port: '1-2.3' }]);
  }, 60_000);

  it('a RAM snapshot with a host device or a writable stick plugged in is refused naming it; a read-only stick may stay', async () => {
    const err = await failure(e.client.call('snapshot.take', { vm: id, name: 'with-usb', withRam: true }));
    expect(err.code).toBe('invalid-state');
    expect(err.message).toContain('host USB device host-port-1-2-3 (port 1-2.3)');
    expect(err.message).not.toContain('usb1');
    expect(err.message).toContain('hangar usb detach "usb" host-port-1-2-3');
    // A disk-only snapshot holds no device state: taken as usual.
    expect((await e.client.call('snapshot.take', { vm: id, name: 'disks-only', withRam: false })).snapshot.withRam).toBe(false);
    await e.client.call('usb.rule.remove', { vm: id, device: '1-2.3' });
    const ok = await e.client.call('snapshot.take', { vm: id, name: 'ro-stick', withRam: true });
    expect(ok.snapshot.withRam).toBe(true);
  }, 120_000);

  it('stopped: attach saves the stick (and a --device becomes a rule); the next start plugs both in from the argv', async () => {
    await e.client.call('vm.forceOff', { vm: id });
    await stateWait(e.client, id, 'stopped').catch(() => undefined);
    const again = await e.client.call('usb.attach', { vm: id, image: stickA });
    expect(again.attachment).toMatchObject({ id: 'usb0', live: false, saved: true });
    const dev = await e.client.call('usb.attach', { vm: id, device: '0781:5567' });
    expect(dev.attachment).toEqual({ id: 'host-0781-5567', kind: 'host', source: '0781:5567', saved: true, live: false });
    const { argv } = await e.client.call('vm.argv', { vm: id });
    expect(argv).toContain('usb-storage,id=usb0,drive=usb0,bus=xhci.0,removable=on');
    expect(argv).toContain('usb-host,id=host-0781-5567,bus=xhci.0,vendorid=0x0781,productid=0x5567');
    await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), 110_000);
    // usb-storage waits a second (its delay_use) before the guest scans a stick, so they may come after WATCHING.
    const seen = await serialUntil(/HANGAR-USB-DISK:sd[a-z]:0:2048:HANGARSTICK-A[\s\S]*HANGARSTICK-B|HANGAR-USB-DISK:sd[a-z]:1:2048:HANGARSTICK-B[\s\S]*HANGARSTICK-A/, () =>
      e.client.call('vm.console.write', { vm: id, data: 'USB:watch\n' }));
    expect(seen).toMatch(/HANGAR-USB-DISK:sd[a-z]:0:2048:HANGARSTICK-A/);
    expect(seen).toMatch(/HANGAR-USB-DISK:sd[a-z]:1:2048:HANGARSTICK-B/);
  }, 240_000);
});
