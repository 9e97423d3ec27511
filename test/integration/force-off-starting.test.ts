// Force off while a machine is starting, against real QEMU and real swtpm. A start is held at a known step by a
// gated binary (the TPM's swtpm before QEMU; QEMU itself before it runs), so Force off provably arrives during
// it: the start is cancelled, nothing is spawned afterwards, nothing is left running, the machine is stopped.
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, copyFileSync, existsSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineClient, type EngineError, type EngineEvent, type VmEvent } from '../../src-shared/contract/index.js';
import { Engine } from '../../src-main/engine/engine.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { swtpmPidsUnder } from '../helpers/swtpm-pids.js';
import { qemuPidsUnder, serialWait, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { makeQemuGate, type QemuGate } from '../helpers/qemu-gate.js';

/** A gated swtpm beside the gated QEMU: while closed, a TPM start writes `held` and waits at the gate. */
function gateSwtpm(binDir: string, root: string) {
  const real = execFileSync('sh', ['-c', 'command -v swtpm'], { encoding: 'utf8' }).trim();
  const fifo = join(root, 'swtpm-gate.fifo');
  const held = join(root, 'swtpm-held');
  writeFileSync(join(binDir, 'swtpm'), ['#!/bin/sh', `: > '${held}'`, `if [ -p '${fifo}' ]; then read -r _ < '${fifo}'; fi`, `exec '${real}' "$@"`, ''].join('\n'));
  chmodSync(join(binDir, 'swtpm'), 0o755);
  let writer: number | null = null;
  return {
    held,
    close() {
      execFileSync('mkfifo', [fifo]);
      writer = openSync(fifo, constants.O_RDWR);
    },
    open() {
      if (writer === null) return;
      unlinkSync(fifo);
      closeSync(writer);
      writer = null;
    },
  };
}

type Outcome = { ok: true } | { ok: false; err: EngineError };
const settle = (p: Promise<unknown>): Promise<Outcome> => p.then(() => ({ ok: true as const }), (err: EngineError) => ({ ok: false as const, err }));

describe('Force off while starting cancels the start (real QEMU, real swtpm, gated)', () => {
  let t: TestEnv;
  let gate: QemuGate;
  let swtpm: ReturnType<typeof gateSwtpm>;
  let engine: Engine;
  let client: EngineClient;
  const events: Array<VmEvent | EngineEvent> = [];
  let n = 0;

  useTestEnv((env) => (t = env), { orphanMessage: 'no QEMU may outlive a cancelled start' });

  const setup = async (): Promise<void> => {
    if (engine) return;
    gate = makeQemuGate(t.root);
    swtpm = gateSwtpm(gate.binDir, t.root);
    engine = await Engine.open({ libraryDir: t.libraryDir, env: t.env, qemuDirs: [gate.binDir] });
    const [a, b] = inProcessPair();
    engine.server.attach(b);
    client = new EngineClient(a);
    client.onEvent((e) => events.push(e));
    expect((await client.call('host.info', {})).swtpmAvailable).toBe(true);
  };

  const newVm = async (tpm: boolean): Promise<{ id: string; bundleDir: string }> => {
    await setup();
    const disk = join(t.root, `boot-${++n}.img`);
    copyFileSync(fixturePaths.bootImg, disk);
    return client.call('vm.create', { name: `held ${n}`, existingDisk: disk, memoryMiB: 64, cpus: 1, ...(tpm ? { tpm: true } : {}) });
  };

  const stateKinds = (id: string): string[] => events.flatMap((e) => (e.type === 'vm.state' && e.vmId === id ? [e.state.kind] : []));
  /** Resolves once the engine says Force off has cancelled the start (then the held step may go on). */
  const cancelSeen = (): Promise<void> =>
    new Promise((resolve) => {
      const off = client.onEvent((e) => {
        if (e.type === 'engine.log' && e.message.includes('forced off while starting')) {
          off();
          resolve();
        }
      });
    });

  it('held while its swtpm starts (before QEMU): Force off succeeds, QEMU is never spawned, swtpm is ended, the machine is stopped', async () => {
    const vm = await newVm(true);
    const runtimeDir = engine.vmRuntimeDir(vm.id);
    swtpm.close();
    const start = settle(client.call('vm.start', { vm: vm.id }));
    await expect.poll(() => existsSync(swtpm.held), { timeout: 60_000, interval: 100 }).toBe(true);
    const seen = cancelSeen();
    const off = client.call('vm.forceOff', { vm: vm.id });
    try {
      await Promise.race([seen, off]); // a Force off refused at once ends the test here
    } finally {
      swtpm.open();
    }
    expect(await off).toEqual({ state: { kind: 'stopped' } });
    const started = await start;
    expect(started.ok).toBe(false);
    if (!started.ok) expect(started.err).toMatchObject({ code: 'invalid-state', message: expect.stringMatching(/was cancelled: it was forced off/), details: { cancelled: true } });
    // Never announced as starting: the start stopped before QEMU was launched.
    expect(stateKinds(vm.id)).toEqual([]);
    expect(qemuPidsUnder(runtimeDir)).toEqual([]);
    await expect.poll(() => swtpmPidsUnder(t.runtimeBase), { timeout: 10_000, interval: 100 }).toEqual([]);
    expect((await client.call('vm.get', { vm: vm.id })).state.kind).toBe('stopped');

    // Nothing stale is left: the next start runs the guest, with its TPM.
    await serialWait(client, vm.id, markers.bootOk, () => client.call('vm.start', { vm: vm.id }));
    expect(swtpmPidsUnder(runtimeDir)).toHaveLength(1);
    await client.call('vm.forceOff', { vm: vm.id });
    await expect.poll(() => [...qemuPidsUnder(t.runtimeBase), ...swtpmPidsUnder(t.runtimeBase)], { timeout: 10_000, interval: 100 }).toEqual([]);
  });

  it('held while QEMU is launched (not yet running): Force off succeeds, QEMU is ended before the guest runs', async () => {
    const vm = await newVm(false);
    gate.close();
    const start = settle(client.call('vm.start', { vm: vm.id }));
    await expect.poll(async () => (await client.call('vm.get', { vm: vm.id })).state.kind, { timeout: 60_000, interval: 100 }).toBe('starting');
    const seen = cancelSeen();
    const off = client.call('vm.forceOff', { vm: vm.id });
    try {
      await Promise.race([seen, off]);
    } finally {
      gate.open();
    }
    expect(await off).toEqual({ state: { kind: 'stopped' } });
    const started = await start;
    expect(started.ok).toBe(false);
    if (!started.ok) expect(started.err).toMatchObject({ details: { cancelled: true } });
    expect(stateKinds(vm.id)).not.toContain('running');
    expect(stateKinds(vm.id).at(-1)).toBe('stopped');
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
    expect((await client.call('vm.get', { vm: vm.id })).state.kind).toBe('stopped');
  });

  it('Force off of a machine neither starting nor running is still refused as not running', async () => {
    const vm = await newVm(false);
    await expect(client.call('vm.forceOff', { vm: vm.id })).rejects.toMatchObject({ code: 'invalid-state', message: expect.stringMatching(/is not running/) });
  });

  it('closes the engine with nothing left running', async () => {
    await setup();
    await engine.close({ stopVms: true });
    client.close();
    expect([...qemuPidsUnder(t.runtimeBase), ...swtpmPidsUnder(t.runtimeBase)]).toEqual([]);
  });
});
