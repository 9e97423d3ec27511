// The three promises every hostile case checks: a specific error, nothing changed on disk, nothing left running.
import { expect } from 'vitest';
import type { Refusal } from './case-types.js';
import { diffTrees, fileHash, snapshotTree, type TreeSnapshot } from './library-snapshot.js';
import { killProcesses, leftoverProcesses, qemuProcesses, type ProcInfo } from './process-watch.js';

/** Files no case may touch: hashed before and after. */
const SENTINELS = ['/etc/shadow', '/etc/passwd'];

export interface Baseline {
  trees: Map<string, TreeSnapshot>;
  sentinels: string[];
  processes: ProcInfo[];
}

/** Records the folders' trees, the sentinel files and the QEMU processes before a case. */
export function takeBaseline(dirs: readonly string[], roots: readonly string[]): Baseline {
  return {
    trees: new Map(dirs.map((d) => [d, snapshotTree(d)])),
    sentinels: SENTINELS.map(fileHash),
    processes: qemuProcesses(roots),
  };
}

/** Fails naming every file that changed and every QEMU process left behind (and kills those). */
export async function expectUnchanged(base: Baseline, roots: readonly string[], what: string): Promise<void> {
  const left = await leftoverProcesses(base.processes, roots);
  killProcesses(left);
  expect(left.map((p) => `${p.pid}: ${p.cmd}`), `${what}: QEMU/qemu-img processes left behind`).toEqual([]);
  for (const [dir, before] of base.trees) {
    expect(diffTrees(before, snapshotTree(dir)), `${what}: ${dir} changed`).toEqual([]);
  }
  expect(SENTINELS.map(fileHash), `${what}: a system file changed`).toEqual(base.sentinels);
}

/** The error a call failed with, or a failure saying it succeeded. */
export async function refusalOf(run: () => Promise<unknown>, what: string): Promise<{ code?: unknown; message: string }> {
  let result: unknown;
  try {
    result = await run();
  } catch (err) {
    return err as { code?: unknown; message: string };
  }
  throw new Error(`${what}: expected a refusal, but it succeeded with ${JSON.stringify(result)?.slice(0, 500)}`);
}

export function expectRefusal(err: { code?: unknown; message: string }, refusal: Refusal, what: string): void {
  const got = `${String(err.code)}: ${JSON.stringify(err.message)}`;
  expect(err.code, `${what}: wrong error code (got ${got})`).toBe(refusal.code);
  expect(refusal.message.test(err.message), `${what}: the message does not match ${String(refusal.message)} (got ${got})`).toBe(true);
}
