// Operations racing on one machine (issue #23 item 6), against real QEMU under TCG. A gated qemu-system-x86_64
// (helpers/qemu-gate.ts) holds a start after its launch, so the other commands provably arrive while it is
// under way. The engine must let one operation change a machine at a time: the first start wins, a second
// start, a delete, a settings change or a clone is refused with `busy`, a snapshot waits its turn.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineClient, type EngineError, type EngineEvent, type VmEvent } from '../../src-shared/contract/index.js';
import { canTransition, type VmRunStateKind } from '../../src-shared/vm-state.js';
import { Engine } from '../../src-main/engine/engine.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { qemuPidsUnder, serialWait, stateWait, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { spawnHangar, type CliRun } from '../helpers/cli-runner.js';
import { makeQemuGate, type QemuGate } from '../helpers/qemu-gate.js';

type Outcome<T> = { ok: true; value: T } | { ok: false; err: EngineError };
const settle = <T>(p: Promise<T>): Promise<Outcome<T>> => p.then((value) => ({ ok: true as const, value }), (err: EngineError) => ({ ok: false as const, err }));

/** Resolves once `count` of the promises have settled (the rest may still be pending). */
function firstSettled<T>(ps: Promise<T>[], count: number): Promise<void> {
  let n = 0;
  return new Promise((resolve) => {
    for (const p of ps) void p.finally(() => ++n === count && resolve());
  });
}

describe('operations racing on one machine (real QEMU, gated launch)', () => {
  let t: TestEnv;
  let gate: QemuGate;
  let engine: Engine;
  let client: EngineClient;
  const events: Array<VmEvent | EngineEvent> = [];
  let n = 0;

  useTestEnv((env) => (t = env), { orphanMessage: 'no QEMU may outlive the race suite' });

  const setup = async (): Promise<void> => {
    if (engine) return;
    gate = makeQemuGate(t.root);
    engine = await Engine.open({ libraryDir: t.libraryDir, env: t.env, qemuDirs: [gate.binDir] });
    const [a, b] = inProcessPair();
    engine.server.attach(b);
    client = new EngineClient(a);
    client.onEvent((e) => events.push(e));
    await client.call('host.info', {}); // the probe runs the gated binary too: done before any gate closes
  };

  const newVm = async (): Promise<{ id: string; name: string; bundleDir: string }> => {
    await setup();
    // qcow2, so a snapshot with RAM has somewhere to go.
    const disk = join(t.root, `boot-${++n}.qcow2`);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
    const name = `race ${n}`;
    const r = await client.call('vm.create', { name, existingDisk: disk, memoryMiB: 64, cpus: 1 });
    return { id: r.id, name, bundleDir: r.bundleDir };
  };

  const qemusOf = (id: string): number[] => qemuPidsUnder(engine.vmRuntimeDir(id));

  /** Starts the VM with its launch held at the gate; `go()` opens the gate and returns the start's outcome. */
  const heldStart = (id: string) => {
    gate.close();
    const start = settle(client.call('vm.start', { vm: id }));
    return {
      start,
      go: async () => {
        gate.open();
        return start;
      },
    };
  };

  const powerOff = async (id: string): Promise<void> => {
    const stopped = stateWait(client, id, 'stopped');
    await client.call('vm.forceOff', { vm: id });
    await stopped;
    expect(qemusOf(id)).toEqual([]);
  };

  const stateKinds = (id: string): VmRunStateKind[] => events.flatMap((e) => (e.type === 'vm.state' && e.vmId === id ? [e.state.kind] : []));

  it('five concurrent vm.start: one QEMU, one success, four "already starting"; it runs and stops', async () => {
    const vm = await newVm();
    gate.close();
    const answered: Array<Outcome<unknown>> = [];
    const starts = Array.from({ length: 5 }, () => settle(client.call('vm.start', { vm: vm.id })).then((o) => (answered.push(o), o)));
    // The four losers are answered while the winner is still held at the gate.
    await firstSettled(starts, 4);
    expect(answered).toHaveLength(4);
    for (const o of answered) {
      expect(o.ok).toBe(false);
      if (!o.ok) expect(o.err).toMatchObject({ code: 'busy', message: `"${vm.name}" is already starting`, details: { operation: 'vm.start' } });
    }
    // The winner holds the machine from its pre-flight on and is "starting" once it launches (held at the gate).
    await expect.poll(async () => (await client.call('vm.get', { vm: vm.id })).state.kind, { timeout: 60_000, interval: 100 }).toBe('starting');
    await serialWait(client, vm.id, markers.bootOk, async () => gate.open());
    const outcomes = await Promise.all(starts);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(qemusOf(vm.id)).toHaveLength(1);
    expect((await client.call('vm.get', { vm: vm.id })).state.kind).toBe('running');
    await powerOff(vm.id);
    // One run: every announced state follows the last one legally (no stray "stopped" from a loser).
    const kinds = stateKinds(vm.id);
    expect(kinds.filter((k) => k === 'starting')).toHaveLength(1);
    for (let i = 1; i < kinds.length; i++) expect(canTransition(kinds[i - 1]!, kinds[i]!), `${kinds[i - 1]} → ${kinds[i]} in ${kinds.join(', ')}`).toBe(true);
    expect(kinds.at(-1)).toBe('stopped');
  });

  it('start + delete: the delete is refused, the bundle stays; no QEMU ever runs without its bundle', async () => {
    const vm = await newVm();
    const held = heldStart(vm.id);
    const del = await settle(client.call('vm.delete', { vm: vm.id, files: true }));
    expect(del).toMatchObject({ ok: false, err: { code: 'busy', message: `cannot delete "${vm.name}" while it is starting` } });
    expect(existsSync(join(vm.bundleDir, 'vm.json'))).toBe(true);
    expect((await held.go()).ok).toBe(true);
    expect(qemusOf(vm.id)).toHaveLength(1);
    // Now it runs: refused for that reason; after power-off the delete goes through and nothing is left.
    await expect(client.call('vm.delete', { vm: vm.id, files: true })).rejects.toMatchObject({ code: 'invalid-state' });
    await powerOff(vm.id);
    await client.call('vm.delete', { vm: vm.id, files: true });
    expect(existsSync(vm.bundleDir)).toBe(false);
    expect(qemusOf(vm.id)).toEqual([]);
  });

  it('start + vm.update: the change is refused, so the document says what QEMU runs', async () => {
    const vm = await newVm();
    const held = heldStart(vm.id);
    const upd = await settle(client.call('vm.update', { vm: vm.id, patch: { memoryMiB: 96 } }));
    expect(upd).toMatchObject({ ok: false, err: { code: 'busy', message: `cannot change the settings of "${vm.name}" while it is starting` } });
    expect((await held.go()).ok).toBe(true);
    const pid = qemusOf(vm.id);
    expect(pid).toHaveLength(1);
    const argv = readFileSync(`/proc/${pid[0]}/cmdline`, 'utf8').split('\0');
    expect(argv[argv.indexOf('-m') + 1]).toBe('size=64M');
    expect(JSON.parse(readFileSync(join(vm.bundleDir, 'vm.json'), 'utf8')).memoryMiB).toBe(64);
    await powerOff(vm.id);
  });

  it('start + snapshot.take: the snapshot waits for the start and is taken live, with RAM', async () => {
    const vm = await newVm();
    const held = heldStart(vm.id);
    let answered = false;
    const snap = settle(client.call('snapshot.take', { vm: vm.id, name: 'right after start' })).finally(() => (answered = true));
    // A request sent after the snapshot (and answered) proves the engine read it while the start is held.
    await client.call('vm.get', { vm: vm.id });
    expect(answered).toBe(false);
    expect((await held.go()).ok).toBe(true);
    const taken = await snap;
    if (!taken.ok) throw taken.err;
    expect(taken.value.snapshot).toMatchObject({ name: 'right after start', withRam: true });
    expect((await client.call('vm.get', { vm: vm.id })).state.kind).toBe('running');
    await powerOff(vm.id);
  });

  it('start + clone: the clone is refused, nothing is copied', async () => {
    const vm = await newVm();
    const before = (await client.call('library.list', {})).length;
    const held = heldStart(vm.id);
    const clone = await settle(client.call('vm.clone', { vm: vm.id, name: `${vm.name} copy` }));
    expect(clone).toMatchObject({ ok: false, err: { code: 'busy', message: `cannot clone "${vm.name}" while it is starting` } });
    expect((await held.go()).ok).toBe(true);
    expect((await client.call('library.list', {})).length).toBe(before);
    await powerOff(vm.id);
  });

  it('four concurrent `hangar start` processes: one exits 0, the others exit 4 "already starting"; one QEMU', async () => {
    const vm = await newVm();
    gate.close();
    const runs: Array<Promise<CliRun>> = Array.from({ length: 4 }, () => spawnHangar(t, 'start', vm.id));
    // The three losers exit while the winner's QEMU is held at the gate.
    await firstSettled(runs, 3);
    gate.open();
    const done = await Promise.all(runs);
    expect(done.map((r) => r.code).sort()).toEqual([0, 4, 4, 4]);
    for (const r of done.filter((x) => x.code === 4)) expect(r.stderr).toMatch(/already starting/);
    expect(qemusOf(vm.id)).toHaveLength(1);
    await powerOff(vm.id);
  });

  it('a launch that fails (QEMU cannot be run) announces stopped after starting, and the machine is free again', async () => {
    const vm = await newVm();
    const bin = join(gate.binDir, 'qemu-system-x86_64');
    chmodSync(bin, 0o644);
    try {
      await expect(client.call('vm.start', { vm: vm.id })).rejects.toThrow(/could not run .*qemu-system-x86_64/);
    } finally {
      chmodSync(bin, 0o755);
    }
    expect(stateKinds(vm.id)).toEqual(['starting', 'stopped']);
    expect((await client.call('vm.get', { vm: vm.id })).state.kind).toBe('stopped');
    await client.call('vm.update', { vm: vm.id, patch: { memoryMiB: 96 } });
  });

  it('closes the engine with no VM left running', async () => {
    await setup();
    await engine.close({ stopVms: true });
    client.close();
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
  });
});
