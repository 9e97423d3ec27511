import type { VmEventBody } from '../../../src-shared/contract/index.js';

/** Calls `emit` when the whole-number percentage changes (qemu-img reports hundredths). */
export function progressThrottle(emit: (percent: number) => void): (p: { percent: number }) => void {
  let last = -1;
  return ({ percent }) => {
    const whole = Math.floor(percent);
    if (whole !== last) {
      last = whole;
      emit(whole);
    }
  };
}

type JobEvent = Extract<VmEventBody, { type: 'vm.job' }>;
/** Sends one `vm.job` event of a running job. */
export type JobEmit = (body: Pick<JobEvent, 'status'> & Partial<JobEvent>) => void;
type JobWork<T> = (jobId: string, signal: AbortSignal, progress: (p: { percent: number }) => void) => Promise<T>;

function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError';
}

/**
 * Runs a started job with `vm.job` events (throttled progress, then concluded or failed); a cancel
 * rejects with the error `cancelled` builds. `done` runs last either way.
 */
export async function runWithJobEvents<T>(
  job: { jobId: string; signal: AbortSignal; done(): void },
  emit: JobEmit,
  cancelled: (jobId: string) => Error,
  work: JobWork<T>,
): Promise<T> {
  const { jobId, signal, done } = job;
  const progress = progressThrottle((percent) => emit({ status: 'running', percent }));
  progress({ percent: 0 });
  try {
    const r = await work(jobId, signal, progress);
    emit({ status: 'concluded', percent: 100 });
    return r;
  } catch (err) {
    if (signal.aborted || isAbort(err)) {
      emit({ status: 'failed', error: 'cancelled', cancelled: true });
      throw cancelled(jobId);
    }
    emit({ status: 'failed', error: (err as Error).message });
    throw err;
  } finally {
    done();
  }
}
