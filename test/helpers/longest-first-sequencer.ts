// The order test files start in. A QEMU stage runs two files at a time from one queue, so it ends when its last file
// does: started last, a 2-minute file leaves one worker idle for 2 minutes. Vitest orders by the durations of the
// last run on this machine, else by file size, and CI starts from a fresh clone (no durations); file size says
// little here (a short file may boot five guests). So files with a measured duration (test/file-durations.json,
// written by `node scripts/test-durations.js`) start longest first; files not measured yet (new ones) follow,
// largest first.
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = join(import.meta.dirname, '../..');

/** Seconds per repo-relative test file, from test/file-durations.json (empty if it is missing). */
export function measuredDurations(file = join(root, 'test/file-durations.json')): Map<string, number> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { seconds: Record<string, number> };
    return new Map(Object.entries(parsed.seconds));
  } catch {
    return new Map();
  }
}

/** The queue: one project after another (vitest's rule); in each, measured files longest first, then the others largest first. */
export function longestFirst<T>(files: T[], key: (f: T) => { project: string; path: string }, seconds: Map<string, number>, size: (f: T) => number): T[] {
  return [...files].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka.project !== kb.project) return ka.project < kb.project ? -1 : 1;
    const sa = seconds.get(ka.path);
    const sb = seconds.get(kb.path);
    if (sa === undefined && sb === undefined) return size(b) - size(a);
    if (sa === undefined) return 1;
    if (sb === undefined) return -1;
    return sb - sa;
  });
}

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // The config's root, not this module's folder: vite bundles the config (and this file with it) elsewhere.
    const root = this.ctx.config.root;
    const seconds = measuredDurations(join(root, 'test/file-durations.json'));
    const grouped = new Map<number, TestSpecification[]>();
    for (const f of files) grouped.set(f.project.config.sequence.groupOrder, [...(grouped.get(f.project.config.sequence.groupOrder) ?? []), f]);
    const sizeOf = (f: TestSpecification): number => {
      try {
        return statSync(f.moduleId).size;
      } catch {
        return 0;
      }
    };
    // sequence.groupOrder first, as vitest's own sequencer does.
    return [...grouped.keys()].sort((a, b) => a - b).flatMap((g) => longestFirst(grouped.get(g)!, (f) => ({ project: f.project.name, path: relative(root, f.moduleId) }), seconds, sizeOf));
  }
}
