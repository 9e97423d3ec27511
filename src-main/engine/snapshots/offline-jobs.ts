import { access } from 'node:fs/promises';
import { EngineError } from '../../../src-shared/contract/index.js';
import type { JobEvents } from './job-events.js';
import type { SnapshotTarget } from './snapshot-targets.js';
import { offlineFailure } from './snapshot-words.js';

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The targets whose image exists: UEFI vars are created on the first start, so before that there is nothing to snapshot. */
export async function presentTargets(targets: SnapshotTarget[]): Promise<SnapshotTarget[]> {
  const present: SnapshotTarget[] = [];
  for (const t of targets) if (await exists(t.path)) present.push(t);
  if (present.length === 0) throw new EngineError('not-found', `none of the images exist: ${targets.map((t) => t.path).join(', ')}`);
  return present;
}

/**
 * One qemu-img run per image of a stopped machine, with progress; `undo` rolls back the done ones when a later
 * one fails (the error names the image). Returns the devices done.
 */
export async function offlineEach(
  job: JobEvents,
  vmName: string,
  targets: SnapshotTarget[],
  each: (t: SnapshotTarget) => Promise<void>,
  opts: { undo?: (t: SnapshotTarget) => Promise<void> } = {},
): Promise<string[]> {
  job.running(0);
  const done: SnapshotTarget[] = [];
  for (const t of targets) {
    try {
      await each(t);
    } catch (err) {
      for (const d of done.reverse()) await opts.undo?.(d).catch(() => undefined);
      const message = offlineFailure((err as Error).message, vmName);
      job.failed(message);
      throw new EngineError('qemu-failed', `${t.device}: ${message}`);
    }
    done.push(t);
    job.running(Math.round((done.length / targets.length) * 100));
  }
  job.concluded();
  return done.map((t) => t.device);
}
