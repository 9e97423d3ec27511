// Fault injection (issue #10 "Prove it"): an engine process is killed with SIGKILL at random points in the
// middle of random operations (start, force off, snapshot take/restore/delete, settings update, create,
// delete) on a few boot.img guests, then started again. After every restart the library must load, VMs
// that were running must be reattached (and answer QMP), no QEMU may be orphaned and no temp file may stay.
//
// HANGAR_FAULT_OPS sets the number of operations (default 20; `npm run test:long` runs 100).
// HANGAR_FAULT_SEED replays a run: the seed is printed at the start and in every failure message. Under CI
// (CI set) the default seed is fixed, so a red CI run replays exactly; elsewhere each run picks a new one.
// Every operation must succeed, except one cut by the kill, which may only fail because its connection closed.
import { describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EngineClient, VmEvent } from '../../src-shared/contract/index.js';
import { fixturePaths } from '../helpers/fixtures.js';
import { tempFilesUnder } from '../helpers/leak-probes.js';
import { connectClient, qemuPidsUnder, startEngineProcess, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';

const OPS = Number(process.env.HANGAR_FAULT_OPS ?? 20);
const CI_SEED = 20_261_206;
const SEED = Number(process.env.HANGAR_FAULT_SEED || (process.env.CI ? CI_SEED : Math.floor(Math.random() * 2 ** 31)));
if (!Number.isSafeInteger(SEED)) throw new Error(`HANGAR_FAULT_SEED must be an integer (got "${process.env.HANGAR_FAULT_SEED}")`);

/** The failure of a call whose engine was killed under it: the client's own, not a refusal from the engine. */
const connectionCut = (err: Error & { code?: string }): boolean => err.code === 'io' && /^(engine connection closed|could not send to the engine)/.test(err.message);

/** mulberry32: small, seeded, good enough to pick operations and kill points. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RUN_KINDS = new Set(['running', 'paused']);

interface EngineProc {
  child: ChildProcess;
  client: EngineClient;
}

describe('engine killed with SIGKILL during random operations', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env), { orphanMessage: 'no QEMU may outlive the fault test' });

  it(`${OPS} random operations, kill -9 at random points, restart, invariants hold`, async () => {
    const rnd = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    console.log(`fault test: seed ${SEED} (replay with HANGAR_FAULT_SEED=${SEED}), ${OPS} operations`);
    const ctx = (what: string) => `[seed ${SEED}] ${what}`;
    let diskNo = 0;
    const newDisk = (): string => {
      const disk = join(t.root, `boot-${diskNo++}.qcow2`);
      execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
      return disk;
    };

    const startEngine = async (): Promise<EngineProc> => {
      const p = await startEngineProcess(t);
      return { child: p.child, client: await connectClient(p.socket) };
    };
    let eng = await startEngine();
    const vms = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const { id } = await eng.client.call('vm.create', { name: `fault ${i}`, existingDisk: newDisk(), memoryMiB: 32, cpus: 1 });
      vms.add(id);
    }
    let kills = 0;
    let midOp = 0;
    const opCounts: Record<string, number> = {};
    const errors: Record<string, number> = {};
    /** The first message of each failure other than the cut connection (`io`), for the log. */
    const samples: Record<string, string> = {};
    /** The states the engine reports (running or paused): the model the next operation is chosen from. */
    const runningNow = async (c: EngineClient): Promise<Set<string>> => {
      const now = new Set<string>();
      for (const id of vms) if (RUN_KINDS.has((await c.call('vm.get', { vm: id })).state.kind)) now.add(id);
      return now;
    };

    /** Checks every invariant against a freshly started engine; returns the VMs that are running. */
    const checkInvariants = async (c: EngineClient, mustRun: Set<string>, step: string): Promise<Set<string>> => {
      const list = await c.call('library.list', {});
      expect(list.filter((v) => v.error).map((v) => `${v.name}: ${v.error}`), ctx(`${step}: bundles that fail to load`)).toEqual([]);
      expect(new Set(list.map((v) => v.id)), ctx(`${step}: library = the VMs created and not deleted (a cut create or delete as the new engine found it)`)).toEqual(vms);
      const running = new Set<string>();
      for (const v of list) {
        const info = await c.call('vm.get', { vm: v.id });
        if (RUN_KINDS.has(info.state.kind)) running.add(v.id);
      }
      for (const id of mustRun) expect(running.has(id), ctx(`${step}: VM ${id} was running and is reattached`)).toBe(true);
      // Every running VM answers QMP (a screendump goes through QMP), and every QEMU belongs to one of them.
      for (const id of running) {
        const shot = await c.call('vm.screenshot', { vm: id });
        expect(shot.pngBase64.length, ctx(`${step}: screenshot of ${id}`)).toBeGreaterThan(100);
      }
      // A QEMU that a cut force-off had already told to quit may take a moment to go: wait for that, not for a time.
      let qemus = qemuPidsUnder(t.runtimeBase);
      const deadline = Date.now() + 30_000;
      while (qemus.length !== running.size && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        qemus = qemuPidsUnder(t.runtimeBase);
      }
      expect(qemus.length, ctx(`${step}: QEMU processes (${qemus.join(',')}) vs VMs reported running (${[...running].join(',')})`)).toBe(running.size);
      expect(tempFilesUnder(t.libraryDir), ctx(`${step}: temp files left in the library`)).toEqual([]);
      expect(tempFilesUnder(t.runtimeBase), ctx(`${step}: temp files left in the runtime folder`)).toEqual([]);
      return running;
    };

    let running = new Set<string>();
    try {
      for (let step = 0; step < OPS; step++) {
        const c = eng.client;
        const ids = [...vms];
        const stopped = ids.filter((id) => !running.has(id));
        const live = ids.filter((id) => running.has(id));
        type Op = { name: string; vm?: string; run: () => Promise<unknown> };
        const candidates: Op[] = [];
        if (stopped.length > 0) {
          const vm = pick(stopped);
          // Not waiting for the boot marker: a RAM snapshot restored while stopped resumes the guest where it was.
          const start = { name: 'start', vm, run: () => c.call('vm.start', { vm }) };
          candidates.push(start, start); // twice: keep a few VMs running, the interesting case for the kills
          candidates.push({ name: 'update settings', vm, run: () => c.call('vm.update', { vm, patch: { memoryMiB: pick([32, 48, 64]), description: `step ${step}` } }) });
          if (ids.length > 2) candidates.push({ name: 'delete', vm, run: () => c.call('vm.delete', { vm, files: true }) });
        }
        if (live.length > 0) {
          const vm = pick(live);
          candidates.push({ name: 'force off', vm, run: () => c.call('vm.forceOff', { vm }) });
          candidates.push({ name: 'snapshot take', vm, run: () => c.call('snapshot.take', { vm, name: `s${step}`, withRam: true }) });
        }
        const any = pick(ids);
        candidates.push({ name: 'snapshot take', vm: any, run: () => c.call('snapshot.take', { vm: any, name: `s${step}`, withRam: running.has(any) }) });
        candidates.push({
          name: 'snapshot restore',
          vm: any,
          run: async () => {
            const tree = await c.call('snapshot.list', { vm: any });
            const usable = tree.snapshots.filter((s) => !s.missing && (s.withRam || !running.has(any)));
            if (usable.length > 0) await c.call('snapshot.restore', { vm: any, snapshot: pick(usable).id });
          },
        });
        candidates.push({
          name: 'snapshot delete',
          vm: any,
          run: async () => {
            const tree = await c.call('snapshot.list', { vm: any });
            if (tree.snapshots.length > 0) await c.call('snapshot.delete', { vm: any, snapshot: pick(tree.snapshots).id });
          },
        });
        if (ids.length < 5) {
          candidates.push({
            name: 'create',
            run: async () => {
              const r = await c.call('vm.create', { name: `fault new ${step}`, existingDisk: newDisk(), memoryMiB: 32, cpus: 1 });
              vms.add(r.id);
            },
          });
        }
        const op = pick(candidates);
        opCounts[op.name] = (opCounts[op.name] ?? 0) + 1;
        const kill = rnd() < 0.4;
        const mustRun = new Set([...running].filter((id) => id !== op.vm));
        // The result of the operation when it runs to its end.
        let settled = false;
        let failure: (Error & { code?: string }) | null = null;
        const done = op.run().finally(() => (settled = true)).then(
          () => {
            if (op.name === 'delete') vms.delete(op.vm!);
          },
          (err: Error & { code?: string }) => {
            failure = err;
            const key = `${op.name}: ${err.code ?? err.message}`;
            errors[key] = (errors[key] ?? 0) + 1;
            if (err.code !== 'io') samples[key] ??= err.message;
          },
        );
        const failed = (): string | null => (failure ? `${failure.code ?? 'error'}: ${failure.message}` : null);
        if (!kill) {
          await done;
          // Nothing cut it: the operation, chosen from the engine's own states, must have succeeded.
          expect(failed(), ctx(`step ${step}: ${op.name}${op.vm ? ` of ${op.vm}` : ''} (no kill)`)).toBeNull();
          // A RAM snapshot restored on a stopped VM starts it: take the states from the engine, not from a guess.
          running = await runningNow(c);
          continue;
        }
        // Kill point: either when the VM's state moves (inside the operation), or after a random delay.
        kills++;
        await new Promise<void>((resolve) => {
          // Operations take tens of milliseconds here: small delays are the likely ones.
          const delay = Math.floor(rnd() ** 2 * 150);
          const byEvent = rnd() < 0.5;
          const finish = (): void => {
            clearTimeout(timer);
            off();
            resolve();
          };
          // By event: at the VM's first state change that is not "running" (starting, saving, restoring, stopping).
          const off = c.onEvent((e) => {
            if (byEvent && e.type === 'vm.state' && e.vmId === op.vm && (e as VmEvent & { state: { kind: string } }).state.kind !== 'running') finish();
          });
          const timer = setTimeout(finish, byEvent ? 2_000 : delay);
          void done.then(finish); // finished before the kill point: kill right after it
        });
        const cut = !settled;
        if (cut) midOp++;
        const exited = new Promise((r) => eng.child.once('exit', r));
        eng.child.kill('SIGKILL');
        await exited;
        await done; // its call fails with an io error (or had finished)
        // Finished before the kill: it must have succeeded. Cut by the kill: it may only have lost its connection.
        const f = failure as (Error & { code?: string }) | null;
        const where = ctx(`step ${step}: ${op.name}${op.vm ? ` of ${op.vm}` : ''} (${cut ? 'cut by' : 'finished before'} kill ${kills})`);
        if (!cut || !f) expect(failed(), where).toBeNull();
        else expect(connectionCut(f), `${where}: failed for another reason than the closed connection: ${failed()}`).toBe(true);
        // How far a cut operation got (a VM started or not, a delete done or not) is for the new engine to say.
        eng = await startEngine();
        const listed = new Set((await eng.client.call('library.list', {})).map((v) => v.id));
        const lost = [...vms].filter((id) => id !== op.vm && !listed.has(id));
        expect(lost, ctx(`after kill ${kills} (step ${step}, ${op.name}): VMs the cut operation did not touch are still in the library`)).toEqual([]);
        for (const id of [...vms]) if (!listed.has(id)) vms.delete(id);
        for (const id of listed) vms.add(id);
        running = await checkInvariants(eng.client, mustRun, `after kill ${kills} (step ${step}, ${op.name})`);
      }
      running = await checkInvariants(eng.client, running, 'at the end');
      console.log(`fault test: seed ${SEED}: ${OPS} operations ${JSON.stringify(opCounts)}, ${kills} engine kills (${midOp} in the middle of the operation), refused/failed calls ${JSON.stringify(errors)}`);
      for (const [k, m] of Object.entries(samples)) console.log(`  ${k}: ${m}`);
    } finally {
      // Power everything off through the engine, then stop it (useTestEnv fails the suite on any QEMU left).
      for (const id of vms) await eng.client.call('vm.forceOff', { vm: id }).catch(() => undefined);
      eng.client.close();
      const exited = new Promise((r) => eng.child.once('exit', r));
      eng.child.kill('SIGTERM');
      await exited;
    }
  }, 900_000);
});
