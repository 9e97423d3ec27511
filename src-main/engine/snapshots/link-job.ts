import { QmpJobError } from '../qmp/qmp-errors.js';
import type { QmpLink } from '../session/qmp-link.js';

export type SnapshotJobCommand = 'snapshot-save' | 'snapshot-load' | 'snapshot-delete';

interface JobRow {
  id: string;
  type?: string;
  status: string;
  'current-progress'?: number;
  'total-progress'?: number;
  error?: string;
}

/**
 * runJob (qmp-jobs.ts) over a session's QmpLink: the same QEMU 7.2 rules. Subscribe to
 * JOB_STATUS_CHANGE before starting, wait for `concluded` (failures conclude too), read the error from
 * query-jobs (the only place 7.2 reports it), and always job-dismiss.
 */
export async function runLinkJob(
  qmp: QmpLink,
  command: SnapshotJobCommand,
  args: { 'job-id': string; tag: string; vmstate?: string; devices: string[] },
  opts: { timeoutMs?: number; onStatus?: (status: string) => void } = {},
): Promise<void> {
  const jobId = args['job-id'];
  const concluded = qmp.expectEvent('JOB_STATUS_CHANGE', {
    timeoutMs: opts.timeoutMs ?? 600_000,
    predicate: (d) => d['id'] === jobId && d['status'] === 'concluded',
  });
  const off = qmp.onEvent((e) => {
    if (e.event === 'JOB_STATUS_CHANGE' && e.data?.['id'] === jobId) opts.onStatus?.(String(e.data['status']));
  });
  try {
    await qmp.execute(command, args);
    await concluded;
  } finally {
    off();
  }
  let failure: Error | undefined;
  try {
    const jobs = await qmp.execute<JobRow[]>('query-jobs');
    const job = jobs.find((j) => j.id === jobId);
    if (job?.error !== undefined) failure = new QmpJobError(jobId, job.type, job.error);
  } catch (err) {
    failure = err as Error;
  }
  try {
    await qmp.execute('job-dismiss', { id: jobId });
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) throw failure;
}
