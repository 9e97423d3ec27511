import { randomUUID } from 'node:crypto';
import type { EngineClient } from '../../src-shared/contract/index.js';

export interface JobProgressOptions {
  /** Print `N%` (after `label`, if any) as `vm.job` events arrive; default true. */
  show?: boolean;
  label?: string;
  /** End the progress line when the job fails; default true. */
  endLineOnError?: boolean;
  /**
   * Also print the job's speed (`  12 MiB/s`), the bytes formatted by this. Passed in rather than imported: main.ts
   * loads this file before it knows the verb, and must not load the engine's code (test/unit/cli/cli-weight.test.ts).
   */
  rate?: (bytes: number) => string;
  /** What Ctrl+C asks of the engine: cancel the job (default), or pause it (a download; the same command resumes it). */
  interrupt?: 'cancel' | 'pause';
  /** Print the closing `100%` line only when some progress was printed (an upload or download that had nothing to do); default false. */
  doneOnlyIfShown?: boolean;
}

/** Runs an engine job with a client-chosen id, printing its progress to `err` and cancelling (or pausing) it on Ctrl+C. */
export async function withJobProgress<T>(c: EngineClient, err: (s: string) => void, opts: JobProgressOptions, run: (jobId: string) => Promise<T>): Promise<T> {
  const { show = true, endLineOnError = true, rate, interrupt = 'cancel', doneOnlyIfShown = false } = opts;
  const prefix = opts.label === undefined ? '' : `${opts.label} `;
  const jobId = randomUUID();
  let shown = '';
  // Each line is written over the last (\r): spaces blank what a longer one (a wider speed) left behind.
  const print = (line: string, end = ''): void => {
    err(`\r${line}${' '.repeat(Math.max(0, shown.length - line.length))}${end}`);
    shown = line;
  };
  const off = c.onEvent((e) => {
    if (!show || e.type !== 'vm.job' || e.jobId !== jobId || e.status !== 'running' || e.percent === undefined || e.percent >= 100) return;
    const line = `${prefix}${e.percent}%${rate && e.bytesPerSecond ? `  ${rate(e.bytesPerSecond)}/s` : ''}`;
    if (line !== shown) print(line);
  });
  const onSigint = (): void => {
    void c.call(interrupt === 'pause' ? 'download.pause' : 'job.cancel', { jobId }).catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  try {
    const r = await run(jobId);
    if (show && (shown !== '' || !doneOnlyIfShown)) print(`${prefix}100%`, '\n');
    return r;
  } catch (e) {
    if (endLineOnError && shown !== '') err('\n');
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    off();
  }
}
