import type { QmpClient } from './qmp-client.js';
import { asCommands, type QmpCommands, type QmpCommandArgs, type JobInfo } from './qmp-commands.js';
import { QmpJobError, QmpTimeoutError } from './qmp-errors.js';

export type JobStartCommand = 'snapshot-save' | 'snapshot-load' | 'snapshot-delete';

export interface JobProgress {
  readonly jobId: string;
  readonly status: JobInfo['status'];
  readonly current: number;
  readonly total: number;
}

export interface RunJobOptions {
  /** Called on every status change of the job (from query-jobs), and once more when it concludes. */
  readonly onProgress?: (progress: JobProgress) => void;
  /** Whole-job deadline, from sending the start command to `concluded`. Default: no limit. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Run a QEMU 7.2 job to completion. The job still ends `concluded` when it fails, its error shows up only
 * in query-jobs, and it stays listed until job-dismiss; so: subscribe to JOB_STATUS_CHANGE before starting,
 * wait for `concluded`, read the error from query-jobs, and always dismiss.
 */
export async function runJob<K extends JobStartCommand>(
  target: QmpClient | QmpCommands,
  start: K,
  args: QmpCommandArgs<K>,
  options: RunJobOptions = {},
): Promise<void> {
  const qmp = asCommands(target);
  const jobId = args['job-id'];
  const timeoutMs = options.timeoutMs ?? Infinity;
  // Registered before the start command; aborted (listener dropped) when the job never starts.
  const never = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, never.signal]) : never.signal;
  const concluded = qmp.expectEvent('JOB_STATUS_CHANGE', {
    timeoutMs,
    signal,
    predicate: (d) => d['id'] === jobId && d['status'] === 'concluded',
  });
  const stopProgress = options.onProgress ? watchProgress(qmp, jobId, options.onProgress) : () => {};
  try {
    try {
      await qmp.execute<JobStartCommand>(start, args);
    } catch (err) {
      // The job was never created (bad args, id in use): nothing of ours to dismiss.
      never.abort(err);
      throw err;
    }
    try {
      await concluded;
    } catch (err) {
      if (err instanceof QmpTimeoutError) throw new QmpTimeoutError(`${start} job ${jobId}`, timeoutMs);
      throw err;
    }
  } finally {
    stopProgress();
  }

  let failure: Error | undefined;
  try {
    const job = (await qmp.execute('query-jobs')).find((j) => j.id === jobId);
    if (job) options.onProgress?.(progressOf(job));
    if (job?.error !== undefined) failure = new QmpJobError(jobId, job.type, job.error);
  } catch (err) {
    failure = err as Error;
  }
  try {
    await qmp.execute('job-dismiss', { id: jobId });
  } catch (err) {
    // Report the job's own failure first; a dismiss failure only matters when everything else worked.
    failure ??= err as Error;
  }
  if (failure) throw failure;
}

/** Report progress on each status change of this job; returns the unsubscribe function. */
function watchProgress(qmp: QmpCommands, jobId: string, onProgress: (progress: JobProgress) => void): () => void {
  let stopped = false;
  const off = qmp.onEvent((e) => {
    if (e.event !== 'JOB_STATUS_CHANGE' || e.data?.['id'] !== jobId || e.data['status'] === 'concluded') return;
    qmp
      .execute('query-jobs')
      .then((jobs) => {
        const job = jobs.find((j) => j.id === jobId);
        if (job && !stopped) onProgress(progressOf(job));
      })
      .catch(() => {}); // progress is best effort; the job's outcome is reported by runJob itself
  });
  return () => {
    stopped = true;
    off();
  };
}

function progressOf(job: JobInfo): JobProgress {
  return { jobId: job.id, status: job.status, current: job['current-progress'], total: job['total-progress'] };
}
