import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { connectClient, openEngine, qemuPidsUnder, serialWait, startEngineProcess, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';

describe('reattach after kill -9 of the engine', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env));

  it('a new engine takes over the running VM without disturbing the guest', async () => {
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const first = await startEngineProcess(t);
    const c1 = await connectClient(first.socket);
    const { id, bundleDir } = await c1.call('vm.create', { name: 'survivor', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await serialWait(c1, id, markers.bootOk, () => c1.call('vm.start', { vm: id }));
    await serialWait(c1, id, 'KEY:a', () => c1.call('vm.typeText', { vm: id, text: 'a' }));
    const pidBefore = qemuPidsUnder(t.runtimeBase);
    expect(pidBefore).toHaveLength(1);

    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    expect(qemuPidsUnder(t.runtimeBase), 'QEMU outlives the engine').toEqual(pidBefore);

    const e2 = await openEngine(t);
    try {
      const info = await e2.client.call('vm.get', { vm: id });
      expect(info.state.kind).toBe('running');
      expect(e2.engine.sessions.get(id)!.pid).toBe(pidBefore[0]);
      // Still controllable: keys reach the same guest, which keeps its screen and serial state.
      await serialWait(e2.client, id, 'KEY:b', () => e2.client.call('vm.typeText', { vm: id, text: 'b' }));
      expect((await e2.client.call('vm.pause', { vm: id })).state.kind).toBe('paused');
      expect((await e2.client.call('vm.resume', { vm: id })).state.kind).toBe('running');
      const serialLog = readFileSync(join(bundleDir, 'logs', 'serial.log'), 'utf8');
      expect(serialLog.split(markers.bootOk).length - 1, 'the guest booted once: it never noticed').toBe(1);
      expect(serialLog).toContain('KEY:a');
      expect(serialLog).toContain('KEY:b');
      await e2.client.call('vm.forceOff', { vm: id });
    } finally {
      await e2.close();
    }
  });

  it('a second client reaches a running engine through its control socket, and the lock names it', async () => {
    const first = await startEngineProcess(t);
    try {
      const err = await openEngine(t).catch((x: Error) => x);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/another Hangar engine \(pid \d+\) owns this library/);
      const c = await connectClient(first.socket);
      const hello = await c.call('engine.hello', { client: 'test' });
      expect(hello.pid).toBe(first.child.pid);
      c.close();
    } finally {
      const exited = new Promise((r) => first.child.once('exit', r));
      first.child.kill('SIGTERM');
      await exited;
    }
  });
});
