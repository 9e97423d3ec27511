import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { makeTestEnv, openEngine, qemuPidsUnder, serialWait, stateWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import type { EngineError } from '../../src-shared/contract/index.js';

describe('engine lifecycle against real QEMU (TCG)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let bootDisk: string;

  beforeAll(async () => {
    t = makeTestEnv();
    e = await openEngine(t);
    bootDisk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, bootDisk);
  });

  afterAll(async () => {
    await e?.close();
    const orphans = qemuPidsUnder(t.runtimeBase);
    t.cleanup();
    expect(orphans, 'no QEMU process may outlive the suite').toEqual([]);
  });

  it('start → marker → pause → resume → reset → type → force off', async () => {
    const { id } = await e.client.call('vm.create', { name: 'Echo, the boot sector', existingDisk: bootDisk, memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('running');

    expect((await e.client.call('vm.pause', { vm: id })).state.kind).toBe('paused');
    await expect(e.client.call('vm.pause', { vm: id })).rejects.toMatchObject({ code: 'invalid-state' });
    expect((await e.client.call('vm.resume', { vm: id })).state.kind).toBe('running');

    // After a reset the boot sector runs again and prints its marker a second time.
    const afterReset = serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.reset', { vm: id }));
    await afterReset;

    await serialWait(e.client, id, 'KEY:h', () => e.client.call('vm.typeText', { vm: id, text: 'h' }));
    const png = Buffer.from((await e.client.call('vm.screenshot', { vm: id })).pngBase64, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    const stopped = stateWait(e.client, id, 'stopped');
    await e.client.call('vm.forceOff', { vm: id });
    await stopped;
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
    expect(existsSync(e.engine.vmRuntimeDir(id))).toBe(false);
  });

  it('ACPI power button shuts the Linux guest down cleanly', async () => {
    const { id } = await e.client.call('vm.create', { name: 'linux acpi', iso: fixturePaths.linuxIso, memoryMiB: 256, cpus: 1 });
    await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), 90_000);
    const poweroff = serialWait(e.client, id, markers.linuxPoweroff);
    const r = await e.client.call('vm.shutdown', { vm: id, timeoutMs: 60_000 });
    expect(r.timedOut).toBe(false);
    expect(r.state.kind).toBe('stopped');
    await poweroff;
  });

  it('serial input reaches the guest and is echoed', async () => {
    const { id } = await e.client.call('vm.create', { name: 'linux echo', iso: fixturePaths.linuxIso, memoryMiB: 256, cpus: 1 });
    await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), 90_000);
    await serialWait(e.client, id, 'ECHO:hello hangar', () => e.client.call('vm.console.write', { vm: id, data: 'hello hangar\n' }));
    // Typed as key presses on the VGA console keyboard: seen as KBD:<line> on serial.
    await serialWait(e.client, id, 'KBD:typed 42', () => e.client.call('vm.typeText', { vm: id, text: 'typed 42\n' }));
    await e.client.call('vm.forceOff', { vm: id });
  });

  it('reports a crash (kill -9 of QEMU) with exit signal and log tail', async () => {
    const { id } = await e.client.call('vm.create', { name: 'crashy', existingDisk: bootDisk, memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    const pid = e.engine.sessions.get(id)!.pid;
    const crashed = stateWait(e.client, id, 'crashed', 5_000);
    process.kill(pid, 'SIGKILL');
    const ev = await crashed;
    expect(ev.type === 'vm.state' && ev.state.kind === 'crashed' && ev.state.signal).toBe('SIGKILL');
    const info = await e.client.call('vm.get', { vm: id });
    expect(info.state.kind).toBe('crashed');
    // A crashed VM can be started again.
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    await e.client.call('vm.forceOff', { vm: id });
  });

  it('runs two VMs at once, each with its own serial stream', async () => {
    const a = await e.client.call('vm.create', { name: 'twin a', existingDisk: bootDisk, memoryMiB: 64, cpus: 1 });
    const bDisk = join(t.root, 'boot-b.img');
    copyFileSync(fixturePaths.bootImg, bDisk);
    const b = await e.client.call('vm.create', { name: 'twin b', existingDisk: bDisk, memoryMiB: 64, cpus: 1 });
    await Promise.all([
      serialWait(e.client, a.id, markers.bootOk, () => e.client.call('vm.start', { vm: a.id })),
      serialWait(e.client, b.id, markers.bootOk, () => e.client.call('vm.start', { vm: b.id })),
    ]);
    const list = await e.client.call('library.list', {});
    expect(list.filter((v) => v.state.kind === 'running').map((v) => v.name).sort()).toEqual(['twin a', 'twin b']);
    await serialWait(e.client, b.id, 'KEY:z', () => e.client.call('vm.typeText', { vm: b.id, text: 'z' }));
    await Promise.all([e.client.call('vm.forceOff', { vm: a.id }), e.client.call('vm.forceOff', { vm: b.id })]);
  });

  describe('start is refused with a clear reason', () => {
    it('for a missing disk', async () => {
      const disk = join(t.root, 'gone.img');
      copyFileSync(fixturePaths.bootImg, disk);
      const { id } = await e.client.call('vm.create', { name: 'lost disk', existingDisk: disk, memoryMiB: 64 });
      const { rmSync } = await import('node:fs');
      rmSync(disk);
      const err = await e.client.call('vm.start', { vm: id }).catch((x: EngineError) => x);
      expect(err).toMatchObject({ code: 'start-refused' });
      expect((err as Error).message).toContain('gone.img');
      expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
    });

    it('for a missing ISO', async () => {
      const iso = join(t.root, 'temp.iso');
      copyFileSync(fixturePaths.linuxIso, iso);
      const { id } = await e.client.call('vm.create', { name: 'lost iso', iso, memoryMiB: 64 });
      const { rmSync } = await import('node:fs');
      rmSync(iso);
      await expect(e.client.call('vm.start', { vm: id })).rejects.toThrow(/ISO .*missing.*temp\.iso/);
    });

    it('for a forwarded host port already in use', async () => {
      const blocker: Server = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
      const port = (blocker.address() as { port: number }).port;
      try {
        const { id, doc } = await e.client.call('vm.create', { name: 'port clash', existingDisk: bootDisk, memoryMiB: 64 });
        if (doc.network.mode !== 'user') throw new Error('expected user networking');
        await e.client.call('vm.update', {
          vm: id,
          patch: { network: { ...doc.network, forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: port, guestPort: 22 }] } },
        });
        await expect(e.client.call('vm.start', { vm: id })).rejects.toThrow(new RegExp(`port tcp/127.0.0.1:${port}.*in use`));
      } finally {
        blocker.close();
      }
    });

    it('for an impossible memory size', async () => {
      const { id } = await e.client.call('vm.create', { name: 'greedy', existingDisk: bootDisk, memoryMiB: 8 * 1024 * 1024 });
      await expect(e.client.call('vm.start', { vm: id })).rejects.toThrow(/needs 8388608 MiB.*only/);
    });
  });
});
