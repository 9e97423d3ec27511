import { QmpClient } from './qmp-client.js';
import { asCommands, QmpCommands, type JobInfo, type QmpCommandArgs } from './qmp-commands.js';
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
 * The slice of QMP a job needs, typed structurally so a VM session's narrow QmpLink (session/qmp-link.ts)
 * fits as it is: the qmp layer never imports the session layer (same idea as HmpTarget).
 */
export interface JobLink {
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T>;
  expectEvent(name: string, opts?: { timeoutMs?: number; predicate?: (data: Record<string, unknown>) => boolean }): Promise<unknown>;
  onEvent(listener: (event: { event: string; data?: Record<string, unknown> }) => void): () => void;
}

export type JobTarget = QmpClient | QmpCommands | JobLink;

/** What runJob does with its target, whichever layer it was given. */
interface JobPort {
  execute<T>(command: string, args?: object): Promise<T>;
  /** Registered at once; `cancel` drops a wait whose start command failed. */
  concluded(jobId: string, timeoutMs: number, signal?: AbortSignal): { done: Promise<unknown>; cancel(): void };
  onStatusChange(jobId: string, listener: (status: string) => void): () => void;
}

function jobPort(target: JobTarget): JobPort {
  if (target instanceof QmpClient || target instanceof QmpCommands) {
    const qmp = asCommands(target);
    return {
      execute: (command, args) => qmp.client.execute(command, args as Record<string, unknown> | undefined),
      concluded(jobId, timeoutMs, signal) {
        const wait = qmp.expectEvent('JOB_STATUS_CHANGE', {
          predicate: (event) => event.data.id === jobId && event.data.status === 'concluded',
          timeoutMs,
          ...(signal ? { signal } : {}),
        });
        return { done: wait, cancel: () => wait.cancel() };
      },
      onStatusChange: (jobId, listener) =>
        qmp.on('JOB_STATUS_CHANGE', (event) => {
          if (event.data.id === jobId) listener(event.data.status);
        }),
    };
  }
  const link = target;
  return {
    execute: (command, args) => link.execute(command, args as Record<string, unknown> | undefined),
    concluded(jobId, timeoutMs, signal) {
      const wait = link.expectEvent('JOB_STATUS_CHANGE', { timeoutMs, predicate: (d) => d['id'] === jobId && d['status'] === 'concluded' });
      wait.catch(() => undefined); // a wait whose start command failed is never awaited
      if (!signal) return { done: wait, cancel: () => undefined };
      const aborted = new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason as Error);
        else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
      aborted.catch(() => undefined);
      return { done: Promise.race([wait, aborted]), cancel: () => undefined };
    },
    onStatusChange: (jobId, listener) =>
      link.onEvent((e) => {
        if (e.event === 'JOB_STATUS_CHANGE' && e.data?.['id'] === jobId) listener(String(e.data['status']));
      }),
  };
}

/**
 * Run a QEMU 7.2 job to completion. The job still ends `concluded` when it fails, its error shows up only
 * in query-jobs, and it stays listed until job-dismiss; so: subscribe to JOB_STATUS_CHANGE before starting,
 * wait for `concluded`, read the error from query-jobs, and always dismiss.
 */
export async function runJob<K extends JobStartCommand>(
  target: JobTarget,
  start: K,
  args: QmpCommandArgs<K>,
  options: RunJobOptions = {},
): Promise<void> {
  const qmp = jobPort(target);
  const jobId = args['job-id'];
  const timeoutMs = options.timeoutMs ?? Infinity;
  const concluded = qmp.concluded(jobId, timeoutMs, options.signal);
  const stopProgress = options.onProgress ? watchProgress(qmp, jobId, options.onProgress) : () => {};
  try {
    try {
      await qmp.execute(start, args);
    } catch (err) {
      // The job was never created (bad args, id in use): nothing of ours to dismiss.
      concluded.cancel();
      throw err;
    }
    try {
      await concluded.done;
    } catch (err) {
      if (err instanceof QmpTimeoutError) throw new QmpTimeoutError(`${start} job ${jobId}`, timeoutMs);
      throw err;
    }
  } finally {
    stopProgress();
  }

  let failure: Error | undefined;
  try {
    const job = (await qmp.execute<ReadonlyArray<JobInfo>>('query-jobs')).find((j) => j.id === jobId);
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
function watchProgress(qmp: JobPort, jobId: string, onProgress: (progress: JobProgress) => void): () => void {
  let stopped = false;
  const off = qmp.onStatusChange(jobId, (status) => {
    if (status === 'concluded') return;
    qmp
      .execute<ReadonlyArray<JobInfo>>('query-jobs')
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
