import { afterEach, describe, expect, it } from 'vitest';
import { QmpClient } from '../../../../src-main/engine/qmp/qmp-client.js';
import type { JobInfo } from '../../../../src-main/engine/qmp/qmp-commands.js';
import { QmpCommandError, QmpJobError, QmpTimeoutError } from '../../../../src-main/engine/qmp/qmp-errors.js';
import type { JobStatus } from '../../../../src-main/engine/qmp/qmp-events.js';
import { runJob, type JobProgress } from '../../../../src-main/engine/qmp/qmp-jobs.js';
import { FakeQmpPeer } from '../../../fakes/fake-qmp-peer.js';
import { qmpCommandsOf } from '../../../../src-main/engine/qmp/qmp-commands.js';

const clients: QmpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const SAVE_ARGS = { 'job-id': 'save-1', tag: 'before-update', vmstate: 'disk0', devices: ['disk0'] } as const;

/** A fake QEMU job engine: the start command walks the job through its statuses, like 7.2 does. */
async function withJobs(options: { error?: string; eventsBeforeReply?: boolean } = {}) {
  const peer = new FakeQmpPeer();
  const client = new QmpClient();
  clients.push(client);
  await client.connect(peer.clientStream);
  const jobs = new Map<string, JobInfo>();
  const setStatus = (id: string, status: JobStatus, progress: number): void => {
    const job = jobs.get(id);
    if (!job) return;
    jobs.set(id, { ...job, status, 'current-progress': progress, ...(status === 'concluded' && options.error ? { error: options.error } : {}) });
    peer.sendEvent('JOB_STATUS_CHANGE', { id, status });
  };
  const walk = (id: string): void => {
    const path: JobStatus[] = options.error ? ['running', 'aborting', 'concluded'] : ['running', 'waiting', 'pending', 'concluded'];
    path.forEach((status, i) => setStatus(id, status, i === path.length - 1 ? 100 : 50));
  };
  peer.handle('snapshot-save', (cmd) => {
    const id = cmd.arguments?.['job-id'] as string;
    if (jobs.has(id)) return { error: { class: 'GenericError', desc: `Job ID '${id}' already in use` } };
    jobs.set(id, { id, type: 'snapshot-save', status: 'created', 'current-progress': 0, 'total-progress': 100 });
    peer.sendEvent('JOB_STATUS_CHANGE', { id, status: 'created' });
    if (options.eventsBeforeReply) walk(id);
    else setImmediate(() => walk(id));
    return { return: {} };
  });
  peer.handle('query-jobs', () => ({ return: [...jobs.values()] }));
  peer.handle('job-dismiss', (cmd) => {
    const id = cmd.arguments?.id as string;
    if (jobs.get(id)?.status !== 'concluded') return { error: { class: 'GenericError', desc: `Job '${id}' in state '${jobs.get(id)?.status}' cannot accept command verb 'dismiss'` } };
    jobs.delete(id);
    return { return: {} };
  });
  return { client, peer, jobs };
}

describe('runJob', () => {
  it('waits for concluded, reports progress, and dismisses the job', async () => {
    const { client, peer, jobs } = await withJobs();
    const progress: JobProgress[] = [];
    await runJob(client, 'snapshot-save', SAVE_ARGS, { onProgress: (p) => progress.push(p) });
    expect(jobs.size).toBe(0);
    const sent = peer.received.map((c) => c.execute);
    expect(sent.filter((c) => c === 'job-dismiss')).toHaveLength(1);
    expect(sent.indexOf('snapshot-save')).toBeLessThan(sent.indexOf('job-dismiss'));
    expect(progress.at(-1)).toEqual({ jobId: 'save-1', status: 'concluded', current: 100, total: 100 });
    expect(client.eventListenerCount).toBe(0);
  });

  it('works when the whole job finishes before the start command replies', async () => {
    const { client, jobs } = await withJobs({ eventsBeforeReply: true });
    await runJob(client, 'snapshot-save', SAVE_ARGS);
    expect(jobs.size).toBe(0);
  });

  it('rejects with QmpJobError carrying the query-jobs error, and still dismisses', async () => {
    const desc = "vmstate block device 'f0' does not exist";
    const { client, peer, jobs } = await withJobs({ error: desc });
    const error = await runJob(client, 'snapshot-save', SAVE_ARGS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpJobError);
    expect(error).toMatchObject({ jobId: 'save-1', jobType: 'snapshot-save', qemuError: desc });
    expect(peer.received.filter((c) => c.execute === 'job-dismiss')).toHaveLength(1);
    expect(jobs.size).toBe(0);
  });

  it('does not dismiss a job it never started (start command refused)', async () => {
    const { client, peer, jobs } = await withJobs();
    jobs.set('save-1', { id: 'save-1', type: 'snapshot-save', status: 'concluded', 'current-progress': 1, 'total-progress': 1 });
    const error = await runJob(client, 'snapshot-save', SAVE_ARGS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect(peer.received.some((c) => c.execute === 'job-dismiss')).toBe(false);
    expect(jobs.has('save-1')).toBe(true);
    expect(client.eventListenerCount).toBe(0);
  });

  it('times out with QmpTimeoutError when the job never concludes', async () => {
    const peer = new FakeQmpPeer();
    const client = new QmpClient();
    clients.push(client);
    await client.connect(peer.clientStream);
    peer.handle('snapshot-load', () => ({ return: {} }));
    const error = await runJob(client, 'snapshot-load', { ...SAVE_ARGS, 'job-id': 'load-1' }, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect((error as Error).message).toMatch(/snapshot-load job load-1/);
    expect(client.eventListenerCount).toBe(0);
  });

  it('runs the same way over a session QmpLink (a structural target, like hmp())', async () => {
    const { client, peer, jobs } = await withJobs();
    const progress: JobProgress[] = [];
    await runJob(qmpCommandsOf(client), 'snapshot-save', SAVE_ARGS, { onProgress: (p) => progress.push(p), timeoutMs: 5_000 });
    expect(peer.received.map((c) => c.execute)).toEqual(expect.arrayContaining(['snapshot-save', 'query-jobs', 'job-dismiss']));
    expect(progress.at(-1)).toMatchObject({ jobId: 'save-1', status: 'concluded', current: 100 });
    expect(jobs.size).toBe(0);

    const failing = await withJobs({ error: 'Device disk0 is read-only' });
    const error = await runJob(qmpCommandsOf(failing.client), 'snapshot-save', SAVE_ARGS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpJobError);
    expect(failing.jobs.size).toBe(0);

    const aborted = new AbortController();
    aborted.abort(new Error('cancelled'));
    const hung = await withJobs();
    hung.peer.handle('snapshot-save', () => ({ return: {} }));
    await expect(runJob(qmpCommandsOf(hung.client), 'snapshot-save', SAVE_ARGS, { signal: aborted.signal })).rejects.toThrow('cancelled');
  });
});
