import { randomUUID } from 'node:crypto';
import type { EngineClient } from '../../src-shared/contract/index.js';

export interface JobProgressOptions {
  /** Print `N%` (after `label`, if any) as `vm.job` events arrive; default true. */
  show?: boolean;
  label?: string;
  /** End the progress line when the job fails; default true. */
  endLineOnError?: boolean;
}

/** Runs a cancellable engine job with a client-chosen id, printing its progress to `err` and cancelling it on Ctrl+C. */
export async function withJobProgress<T>(c: EngineClient, err: (s: string) => void, opts: JobProgressOptions, run: (jobId: string) => Promise<T>): Promise<T> {
  const { show = true, endLineOnError = true } = opts;
  const prefix = opts.label === undefined ? '' : `${opts.label} `;
  const jobId = randomUUID();
  let shown = -1;
  const off = c.onEvent((e) => {
    if (show && e.type === 'vm.job' && e.jobId === jobId && e.status === 'running' && e.percent !== undefined && e.percent !== shown && e.percent < 100) {
      shown = e.percent;
      err(`\r${prefix}${e.percent}%`);
    }
  });
  const onSigint = (): void => {
    void c.call('job.cancel', { jobId }).catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  try {
    const r = await run(jobId);
    if (show) err(`\r${prefix}100%\n`);
    return r;
  } catch (e) {
    if (endLineOnError && shown >= 0) err('\n');
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    off();
  }
}
