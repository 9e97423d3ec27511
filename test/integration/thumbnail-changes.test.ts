// Live thumbnails against real QEMU: the screen watcher (an RFB connection on the VM's vnc.sock, QEMU's own
// dirty tracking) lets a guest whose screen does not change go without screendumps after its first thumbnail,
// and a key typed into the guest (boot.img echoes it on screen) brings exactly the screendumps it needs.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { VncScreenChanges } from '../../src-main/engine/display/screen-changes.js';
import { ThumbnailService, type Thumbnail } from '../../src-main/engine/display/thumbnails.js';
import { vmRuntimePaths } from '../../src-main/engine/storage/library-paths.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { makeTestEnv, openEngine, qemuPidsUnder, serialWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

describe('thumbnails only when the screen changed (real QEMU)', () => {
  let t: TestEnv;
  let e: OpenedEngine;

  beforeAll(async () => {
    t = makeTestEnv();
    e = await openEngine(t);
  });
  afterAll(async () => {
    await e?.close();
    const orphans = qemuPidsUnder(t.runtimeBase);
    t.cleanup();
    expect(orphans).toEqual([]);
  });

  it('no screendump while the screen stays the same; one after a key changes it', async () => {
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id } = await e.client.call('vm.create', { name: 'thumbs', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));

    const counts = { rounds: 0, screendumps: 0 };
    const emitted: Thumbnail[] = [];
    const watchers: VncScreenChanges[] = [];
    const svc = new ThumbnailService(
      {
        liveVms: () => (counts.rounds++, [id]),
        screendumpPpm: async (vmId) => {
          counts.screendumps++;
          return e.engine.sessions.get(vmId)!.screenshot('ppm');
        },
        sessionEnded: (vmId) => e.engine.sessions.get(vmId)?.whenEnded() ?? null,
        emit: (_vmId, thumb) => emitted.push(thumb),
        saveLast: async () => undefined,
        readLast: async () => null,
        watchScreen: (vmId) => {
          const w = new VncScreenChanges(vmRuntimePaths(e.engine.runtimeDir, vmId).vncSocket);
          watchers.push(w);
          return w;
        },
      },
      { intervalMs: 100, leaseMs: 600_000 },
    );
    const roundsFrom = async (n: number): Promise<void> => {
      const target = counts.rounds + n;
      await vi.waitFor(() => expect(counts.rounds).toBeGreaterThanOrEqual(target), { timeout: 60_000, interval: 50 });
    };
    try {
      svc.subscribe(1, [id]);
      await vi.waitFor(() => expect(emitted.length).toBeGreaterThanOrEqual(1), { timeout: 30_000 });
      expect(await watchers[0]!.ready).toBe(true);
      // The boot sector has drawn its screen before its marker; let any last drawing settle for a few rounds.
      await roundsFrom(5);
      const settled = counts.screendumps;
      expect(settled).toBeLessThanOrEqual(2);
      await roundsFrom(30);
      expect(counts.screendumps).toBe(settled);
      expect(emitted).toHaveLength(settled);

      // A key echoed on screen: the watcher hears of it from QEMU, and a new thumbnail follows.
      await serialWait(e.client, id, `${markers.bootKeyPrefix}q`, () => e.client.call('vm.typeText', { vm: id, text: 'q' }));
      const before = emitted[settled - 1]!.pngBase64;
      await vi.waitFor(() => expect(emitted.at(-1)!.pngBase64).not.toBe(before), { timeout: 30_000, interval: 50 });
      // Then quiet again (one more look may follow the change: QEMU reports what was drawn before that capture).
      await roundsFrom(30);
      const after = counts.screendumps;
      expect(after).toBeLessThanOrEqual(settled + 2);
      await roundsFrom(30);
      expect(counts.screendumps).toBe(after);
      expect(watchers).toHaveLength(1);
    } finally {
      svc.stop();
      await e.client.call('vm.forceOff', { vm: id });
    }
  });
});
