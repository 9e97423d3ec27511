import { describe, expect, it } from 'vitest';
import type { EngineClient, VmEvent } from '../../../src-shared/contract/index.js';
import { withJobProgress, type JobProgressOptions } from '../../../src-main/cli/job-progress.js';

// The one progress printer of the CLI's jobs (export, import, clone, convert, compact, pool upload, download):
// a client whose events the test sends, and what the printer writes to stderr.

type Progress = { percent: number; bytesPerSecond?: number; status?: 'running' | 'concluded' };

/** Runs withJobProgress over a fake client: the job emits `events`, then ends with `result` (or throws it). */
async function runJob(opts: JobProgressOptions, events: Progress[], outcome: 'ok' | 'fail' = 'ok') {
  const listeners = new Set<(e: VmEvent) => void>();
  const calls: Array<[string, unknown]> = [];
  const client = {
    onEvent: (l: (e: VmEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
    call: async (command: string, args: unknown) => void calls.push([command, args]),
  } as unknown as EngineClient;
  let err = '';
  let sigint: (() => void) | undefined;
  const before = new Set(process.listeners('SIGINT'));
  const result = withJobProgress(client, (s) => void (err += s), opts, async (jobId) => {
    sigint = process.listeners('SIGINT').find((l) => !before.has(l)) as () => void;
    for (const p of events) {
      const ev = { type: 'vm.job', jobId, vmId: 'vm', kind: 'download', status: p.status ?? 'running', percent: p.percent, ...(p.bytesPerSecond ? { bytesPerSecond: p.bytesPerSecond } : {}) } as VmEvent;
      for (const l of listeners) l(ev);
      // Another job's events are not this one's.
      for (const l of listeners) l({ ...ev, jobId: 'other', percent: 42 } as VmEvent);
    }
    sigint?.();
    if (outcome === 'fail') throw new Error('job failed');
    return jobId;
  });
  const jobId = await result.catch(() => undefined);
  return { err, calls, jobId, listenersLeft: listeners.size, sigintLeft: sigint !== undefined && process.listeners('SIGINT').includes(sigint), failed: jobId === undefined };
}

describe('withJobProgress (the CLI jobs\' progress printer)', () => {
  it('prints each new percent over the last, then 100% and a newline; Ctrl+C cancels the job', async () => {
    const r = await runJob({ label: 'Exporting' }, [{ percent: 0 }, { percent: 5 }, { percent: 5 }, { percent: 50 }, { percent: 100 }]);
    expect(r.err).toBe('\rExporting 0%\rExporting 5%\rExporting 50%\rExporting 100%\n');
    expect(r.calls).toEqual([['job.cancel', { jobId: r.jobId }]]);
    expect(r.listenersLeft).toBe(0);
    expect(r.sigintLeft).toBe(false);
  });

  it('with a rate: the speed after the percent, and spaces blanking what a longer line left', async () => {
    const mib = (n: number): string => `${n / 1024 ** 2} MiB`;
    const r = await runJob({ label: 'Downloading', rate: mib, interrupt: 'pause' }, [{ percent: 1, bytesPerSecond: 10 * 1024 ** 2 }, { percent: 2, bytesPerSecond: 3 * 1024 ** 2 }, { percent: 3 }]);
    expect(r.err).toBe('\rDownloading 1%  10 MiB/s\rDownloading 2%  3 MiB/s \rDownloading 3%         \rDownloading 100%\n');
    expect(r.calls).toEqual([['download.pause', { jobId: r.jobId }]]);
  });

  it('doneOnlyIfShown: nothing at all for a job that printed no progress; the 100% line after one that did', async () => {
    expect((await runJob({ label: 'Uploading', doneOnlyIfShown: true }, [])).err).toBe('');
    expect((await runJob({ label: 'Uploading', doneOnlyIfShown: true }, [{ percent: 7 }])).err).toBe('\rUploading 7%\rUploading 100%\n');
    expect((await runJob({}, [])).err).toBe('\r100%\n');
  });

  it('a failed job ends the progress line (unless told not to); show: false prints nothing', async () => {
    expect(await runJob({ label: 'Importing' }, [{ percent: 30 }], 'fail')).toMatchObject({ err: '\rImporting 30%\n', failed: true, listenersLeft: 0 });
    expect((await runJob({ label: 'Importing' }, [], 'fail')).err).toBe('');
    expect((await runJob({ endLineOnError: false }, [{ percent: 30 }], 'fail')).err).toBe('\r30%');
    expect((await runJob({ show: false }, [{ percent: 30 }])).err).toBe('');
  });
});
