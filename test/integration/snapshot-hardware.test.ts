import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { serialWait, stateWait, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import type { EngineError } from '../../src-shared/contract/index.js';

// A RAM snapshot only loads into a machine built as it was when it was taken. After the memory size changed,
// QEMU itself fails with "Error -22 while loading VM state" after reverting the disks and stopping the VM.
describe('restoring a RAM snapshot after the hardware changed (real QEMU)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => ((t = env), (e = engine)), { orphanMessage: 'no QEMU process may outlive the suite' });

  const state = async (id: string) => (await e.client.call('vm.get', { vm: id })).state.kind;
  const stop = async (id: string) => {
    const stopped = stateWait(e.client, id, 'stopped');
    await e.client.call('vm.forceOff', { vm: id });
    await stopped;
  };
  const boot = (id: string) => serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));

  it('refuses up front naming the change, live and stopped; restores again once the setting is back; an old snapshot fails in plain words and leaves the VM off, not paused', async () => {
    const disk = join(t.root, 'hw.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
    const { id, bundleDir } = await e.client.call('vm.create', { name: 'snap hw', existingDisk: disk, memoryMiB: 64, cpus: 1 });

    await boot(id);
    const a = await e.client.call('snapshot.take', { vm: id, name: 'A' });
    await stop(id);
    await e.client.call('vm.update', { vm: id, patch: { memoryMiB: 128 } });
    await boot(id);

    // Live: refused before QEMU is asked; the VM runs on untouched.
    const live = (await e.client.call('snapshot.restore', { vm: id, snapshot: 'A' }).catch((x: unknown) => x)) as EngineError;
    expect(live).toMatchObject({ code: 'invalid-state', details: { changed: [{ setting: 'memoryMiB', snapshot: 64, now: 128 }] } });
    expect(live.message).toMatch(/^This snapshot was taken with 64 MiB of memory; the machine now has 128 MiB\. Change it back in Settings to restore it/);
    expect(await state(id)).toBe('running');

    // Stopped: refused too, before the disks are reverted.
    await stop(id);
    await expect(e.client.call('snapshot.restore', { vm: id, snapshot: 'A' })).rejects.toMatchObject({ code: 'invalid-state' });
    expect((await e.client.call('snapshot.list', { vm: id })).pendingRamRestore).toBeNull();

    // Memory back to 64 MiB: the restore goes through and the state is loaded at the start.
    await e.client.call('vm.update', { vm: id, patch: { memoryMiB: 64 } });
    await expect(e.client.call('snapshot.restore', { vm: id, snapshot: 'A' })).resolves.toMatchObject({ pendingRamRestore: true });
    const failed: string[] = [];
    const off = e.client.onEvent((ev) => {
      if (ev.type === 'vm.job' && ev.vmId === id && ev.status === 'failed') failed.push(ev.error ?? '');
    });
    await e.client.call('vm.start', { vm: id });
    off();
    expect(failed).toEqual([]);
    expect(await state(id)).toBe('running');

    // A snapshot from before the record existed, with the memory changed: QEMU's own failure, in plain words,
    // and the VM powered off rather than left paused with its disks already reverted.
    await stop(id);
    await e.client.call('vm.update', { vm: id, patch: { memoryMiB: 128 } });
    const path = join(bundleDir, 'snapshots.json');
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { nodes: Array<{ id: string; hardware?: unknown }> };
    for (const n of stored.nodes) delete n.hardware;
    writeFileSync(path, JSON.stringify(stored));
    await boot(id);
    const stopped = stateWait(e.client, id, 'stopped');
    const old = (await e.client.call('snapshot.restore', { vm: id, snapshot: a.snapshot.id }).catch((x: unknown) => x)) as EngineError;
    expect(old).toMatchObject({ code: 'qemu-failed', details: { state: 'stopped' } });
    expect(old.message).toMatch(/the saved memory state does not fit this machine .*Error -22 while loading VM state.*was powered off rather than left half-restored/);
    await stopped;
    expect(await state(id)).toBe('stopped');
    // It starts again (from the snapshot's disks).
    await boot(id);
    await stop(id);
  });
});
