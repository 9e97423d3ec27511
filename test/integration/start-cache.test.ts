// Issue 20's regression check: a second start of a machine on the same engine takes from the caches what does
// not change between starts. Counted, not timed: no second host probe (QEMU runs, the firmware descriptor list),
// no image header read again for unchanged disks and UEFI vars. And the start split the engine logs for the bench
// (lookup, pre-flight, probe, argv, spawn; received → exec) is there for every start.
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePaths } from '../helpers/fixtures.js';
import { useEngineSuite } from '../helpers/engine-harness.js';
import { workCounts, type WorkKind } from '../../src-main/engine/work-counts.js';
import type { EngineEvent, VmEvent } from '../../src-shared/contract/index.js';

const SPLIT = /^start split "cache check": lookup (\d+\.\d) ms, pre-flight (\d+\.\d) ms, probe (\d+\.\d) ms, argv (\d+\.\d) ms, spawn (\d+\.\d) ms; received → exec (\d+\.\d) ms, exec → running (\d+\.\d) ms$/;

const splitLines = (events: ReadonlyArray<VmEvent | EngineEvent>): string[] =>
  events.flatMap((e) => (e.type === 'engine.log' && e.message.startsWith('start split ') ? [e.message] : []));

describe('a second start on a warm engine (real QEMU)', () => {
  const s = useEngineSuite();

  it('runs no host probe, reads no firmware list and re-reads no unchanged image, and logs its split', async () => {
    const { e } = s;
    // BIOS and a boot sector that writes nothing: the disk is the same file at the second start. (A UEFI guest's
    // firmware writes its variables at every boot, so that file is rightly read again.)
    const vm = await e.client.call('vm.create', { name: 'cache check', existingDisk: fixturePaths.bootImg, existingDiskMode: 'convert', memoryMiB: 64, cpus: 1 });
    const disk = join(vm.bundleDir, 'disks', 'disk0.qcow2');
    const startAndStop = async (): Promise<Record<WorkKind, number>> => {
      const before = workCounts();
      await e.client.call('vm.start', { vm: vm.id });
      const after = workCounts();
      await e.client.call('vm.forceOff', { vm: vm.id });
      // The plan of the next cold start is written after the end (session/start-plan.ts); it reads the chain too.
      await e.engine.services.startPlans.settle();
      return Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - before[k as WorkKind]])) as Record<WorkKind, number>;
    };

    await startAndStop();
    const stamp = statSync(disk);
    const second = await startAndStop();
    expect(second).toEqual({ hostProbe: 0, firmwareList: 0, qemuQuery: 0, imageHeader: 0 });
    // The header cache's premise held: the run left the disk as it was (else the re-read would be right).
    expect(statSync(disk).ctimeMs).toBe(stamp.ctimeMs);

    // A changed disk is read again at the next start.
    utimesSync(disk, stamp.atime, new Date(stamp.mtimeMs + 10_000));
    expect((await startAndStop()).imageHeader).toBe(1);

    const lines = splitLines(e.events);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const m = SPLIT.exec(line);
      expect(m, line).not.toBeNull();
      const [lookup, preflight, probe, argv, spawn, toExec] = m!.slice(1, 7).map(Number) as [number, number, number, number, number, number];
      // The phases add up to received → exec (each printed to 0.1 ms).
      expect(Math.abs(lookup + preflight + probe + argv + spawn - toExec)).toBeLessThan(0.6);
    }
  });
});
