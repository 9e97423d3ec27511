import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, type VmEventBody } from '../../../src-shared/contract/index.js';
import { progressThrottle } from '../jobs/job-events.js';
import type { JobRegistry } from '../jobs/job-registry.js';

export type CopyJobKind = 'disk-import' | 'vm-clone';

type JobEvent = Extract<VmEventBody, { type: 'vm.job' }>;

export interface CopyJobHost {
  emit(vmId: string, body: VmEventBody): void;
}

/**
 * Runs image copies as one job: `vm.job` events on `vmId` (whole percents over all the work), cancellable
 * through the engine's job registry (so `job.cancel` works the same). A cancel rejects with
 * `invalid-state` + `cancelled: true`; `cleanup` runs on every failure before the error goes out.
 */
export async function runCopyJob<T>(
  host: CopyJobHost,
  jobs: JobRegistry,
  o: { vmId: string; kind: CopyJobKind; requested: string | undefined; what: string; cleanup: () => Promise<void>; subject?: string | undefined },
  work: (signal: AbortSignal, progress: (p: { percent: number }) => void, jobId: string) => Promise<T>,
): Promise<T & { jobId: string }> {
  const { jobId, signal, done } = jobs.start(o.requested, o.vmId);
  // A subject names a VM that is not in the library yet (created from an existing disk).
  const about = o.subject !== undefined ? { subject: o.subject } : {};
  const emit = (body: Omit<JobEvent, 'type' | 'jobId' | 'kind'>): void => host.emit(o.vmId, { type: 'vm.job', jobId, kind: o.kind, ...about, ...body });
  const progress = progressThrottle((percent) => emit({ status: 'running', percent }));
  progress({ percent: 0 });
  try {
    const r = await work(signal, progress, jobId);
    emit({ status: 'concluded', percent: 100 });
    return { ...r, jobId };
  } catch (err) {
    await o.cleanup().catch(() => undefined);
    if (signal.aborted || (err as { name?: string })?.name === 'AbortError') {
      emit({ status: 'failed', error: 'cancelled', cancelled: true });
      throw new EngineError('invalid-state', `${o.what} was cancelled; nothing was created`, { cancelled: true, jobId });
    }
    emit({ status: 'failed', error: (err as Error).message });
    throw err;
  } finally {
    done();
  }
}

/** Splits one job's percent over several steps weighted by their sizes (bytes). */
export function weightedProgress(sizes: number[], report: (p: { percent: number }) => void): (step: number) => (p: { percent: number }) => void {
  const total = sizes.reduce((a, b) => a + Math.max(b, 1), 0);
  const before = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + Math.max(b, 1), 0));
  return (step) => ({ percent }) => report({ percent: ((before[step]! + (Math.max(sizes[step]!, 1) * percent) / 100) / total) * 100 });
}

/**
 * A hidden staging path in the library for a copy. What a killed engine leaves at such a path is removed by
 * the next engine when it opens the library (storage/temp-sweep.ts).
 */
export async function stagingPath(libraryDir: string, prefix: 'import' | 'clone', ext: string): Promise<string> {
  await mkdir(libraryDir, { recursive: true });
  return join(libraryDir, `.${prefix}-${randomBytes(6).toString('hex')}.partial${ext}`);
}
