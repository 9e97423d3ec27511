// Soak (issue #10 "Prove it"): many start/stop cycles and snapshot take/restore/delete cycles on a boot.img
// guest through an engine process, counting before and after what a leak would make grow: QEMU processes,
// the engine's open file descriptors, unix sockets in the runtime folder, temp files in the library and in
// the engine's TMPDIR. Nothing may grow.
//
// HANGAR_SOAK_CYCLES (default 15) and HANGAR_SOAK_SNAPSHOTS (default 8) scale it; `npm run test:long`
// runs 200 and 100.
import { describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineClient } from '../../src-shared/contract/index.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { filesUnder, openFds, socketsUnder, tempFilesUnder } from '../helpers/leak-probes.js';
import { connectClient, qemuPidsUnder, serialWait, startEngineProcess, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';

const CYCLES = Number(process.env.HANGAR_SOAK_CYCLES ?? 15);
const SNAPSHOTS = Number(process.env.HANGAR_SOAK_SNAPSHOTS ?? 8);

interface Counts {
  qemu: number;
  fds: number;
  sockets: number;
  libraryTemps: number;
  tmpFiles: number;
}

describe('soak: start/stop and snapshot cycles leak nothing', () => {
  let t: TestEnv;
  let tmp: string;
  let engine: ChildProcess;
  let c: EngineClient;
  let vm: string;
  useTestEnv((env) => {
    t = env;
    // The engine gets a TMPDIR of its own, so files it leaves in "tmp" can be counted (the machine's /tmp is shared).
    tmp = join(t.root, 'tmp');
    mkdirSync(tmp);
    t.env = { ...t.env, TMPDIR: tmp };
  }, { orphanMessage: 'no QEMU may outlive the soak' });

  const counts = (): Counts => ({
    qemu: qemuPidsUnder(t.runtimeBase).length,
    fds: openFds(engine.pid!),
    sockets: socketsUnder(t.runtimeBase).length,
    libraryTemps: tempFilesUnder(t.libraryDir).length,
    tmpFiles: filesUnder(tmp).length,
  });

  /**
   * How long counts may take to settle on a loaded machine. A leak never settles, so a long wait costs a
   * failing run only; a passing one returns as soon as the counts match.
   */
  const SETTLE_MS = 60_000;

  /** The counts once things settle: a closed socket's fd goes away a tick after the call that closed it returns. */
  async function settledCounts(like: Counts): Promise<Counts> {
    const deadline = Date.now() + SETTLE_MS;
    let now = counts();
    while (JSON.stringify(now) !== JSON.stringify(like) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = counts();
    }
    return now;
  }

  /**
   * The counts at rest: after a stop the engine still writes the VM's last screen (thumbs/last.png via a temp
   * file) in the background, so wait until no temp file exists and the counts hold still for a second (ten
   * samples). Fails, rather than returning counts taken mid-way, when they never come to rest.
   */
  async function restingCounts(): Promise<Counts> {
    const deadline = Date.now() + SETTLE_MS;
    let prev = counts();
    let still = 0;
    const seen: string[] = [];
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const now = counts();
      const key = JSON.stringify(now);
      if (seen.at(-1) !== key) seen.push(key);
      still = key === JSON.stringify(prev) && now.libraryTemps === 0 && now.tmpFiles === 0 ? still + 1 : 0;
      if (still >= 10) return now;
      prev = now;
    }
    throw new Error(`the engine's counts did not come to rest within ${SETTLE_MS / 1000} s: ${seen.slice(-5).join(' → ')}`);
  }

  it('starts the engine and a boot.img VM (warm-up: one of each cycle, so lazily opened things exist)', async () => {
    const p = await startEngineProcess(t);
    engine = p.child;
    c = await connectClient(p.socket);
    const disk = join(t.root, 'soak.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
    vm = (await c.call('vm.create', { name: 'soak', existingDisk: disk, memoryMiB: 32, cpus: 1 })).id;
    // Warm-up (not counted): the host probe, the serial console attach, the first snapshot file and thumbnail
    // folder are created once and kept; they are not leaks.
    await serialWait(c, vm, markers.bootOk, () => c.call('vm.start', { vm }));
    const s = await c.call('snapshot.take', { vm, name: 'warm-up', withRam: true });
    await c.call('snapshot.restore', { vm, snapshot: s.snapshot.id });
    await c.call('snapshot.delete', { vm, snapshot: s.snapshot.id });
    await c.call('vm.forceOff', { vm });
  });

  it(`${CYCLES} start/force-off cycles`, async () => {
    const before = await restingCounts();
    const t0 = performance.now();
    for (let i = 0; i < CYCLES; i++) {
      // Every fifth time the guest must really run (its boot marker on serial) before it is powered off.
      if (i % 5 === 0) await serialWait(c, vm, markers.bootOk, () => c.call('vm.start', { vm }));
      else expect((await c.call('vm.start', { vm })).state.kind).toBe('running');
      expect((await c.call('vm.forceOff', { vm })).state.kind).toBe('stopped');
    }
    const after = await settledCounts(before);
    console.log(`soak: ${CYCLES} start/stop cycles in ${((performance.now() - t0) / 1000).toFixed(1)} s; before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    expect(after).toEqual(before);
  }, 3_600_000);

  it(`${SNAPSHOTS} snapshot take/restore/delete cycles (with RAM, VM running)`, async () => {
    await c.call('vm.start', { vm });
    await c.call('vm.console.attach', { vm, tailBytes: 0 });
    const before = await restingCounts();
    const t0 = performance.now();
    for (let i = 0; i < SNAPSHOTS; i++) {
      const s = await c.call('snapshot.take', { vm, name: `soak ${i}`, withRam: true });
      const r = await c.call('snapshot.restore', { vm, snapshot: s.snapshot.id });
      expect(r.state.kind).toBe('running');
      const tree = await c.call('snapshot.delete', { vm, snapshot: s.snapshot.id });
      expect(tree.tree.snapshots).toEqual([]);
    }
    const after = await settledCounts(before);
    console.log(`soak: ${SNAPSHOTS} snapshot cycles in ${((performance.now() - t0) / 1000).toFixed(1)} s; before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    expect(after).toEqual(before);
    await c.call('vm.forceOff', { vm });
    c.close();
    const exited = new Promise((r) => engine.once('exit', r));
    engine.kill('SIGTERM');
    await exited;
  }, 3_600_000);
});
