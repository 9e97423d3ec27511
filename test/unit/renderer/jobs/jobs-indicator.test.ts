// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { applyJobEvent, canCancelJob, canResumeJob, jobStatusText, jobKindLabel, jobSubject, KEEP_CONCLUDED_MS, KEEP_FAILED_MS, overallProgress, pruneJobs, UNKNOWN_JOB_SUBJECT, type JobEntry } from '../../../../src-renderer/features/jobs/index.js';
import type { VmEventBody } from '../../../../src-shared/contract/index.js';
import { installLayoutStubs, renderLibrary } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

type JobBody = Extract<VmEventBody, { type: 'vm.job' }>;
const job = (over: Partial<JobBody> & Pick<JobBody, 'jobId' | 'kind' | 'status'>): JobBody => ({ type: 'vm.job', ...over });

async function setup() {
  const api = new FakeHangarApi({ vms: [{ name: 'debian' }, { name: 'alpine' }] });
  const { user } = await renderLibrary(api);
  const idOf = (name: string) => [...api.vms.values()].find((v) => v.doc.name === name)!.doc.id;
  return { api, user, idOf };
}

describe('jobs model', () => {
  const ev = (body: JobBody, vmId = 'vm1', seq = 1) => ({ ...body, vmId, seq });
  it('a paused job stays listed (not finished, not running), offers Resume only for a download, and reads "Paused"', () => {
    let jobs: JobEntry[] = applyJobEvent([], ev(job({ jobId: 'd', kind: 'download', status: 'running', percent: 10, subject: 'x.iso' })), 1000);
    jobs = applyJobEvent(jobs, ev(job({ jobId: 'd', kind: 'download', status: 'paused', percent: 12 })), 2000);
    expect(jobs[0]).toMatchObject({ status: 'paused', percent: 12, subject: 'x.iso', finishedAt: null });
    expect(jobStatusText(jobs[0]!)).toBe('Paused at 12 %');
    expect(pruneJobs(jobs, 10 * KEEP_FAILED_MS)).toBe(jobs);
    expect(overallProgress(jobs)).toEqual({ running: 0, failed: 0, percent: null });
    expect(canResumeJob(jobs[0]!)).toBe(true);
    expect(canCancelJob(jobs[0]!)).toBe(false);
    expect(canResumeJob({ kind: 'vm-export', status: 'paused' })).toBe(false);
    // A finished job's id used again by a new job: a fresh row, nothing carried over from the old one.
    jobs = applyJobEvent([{ jobId: 'e', vmId: 'v', kind: 'vm-export', status: 'failed', percent: 80, error: 'x', finishedAt: 1 }], ev(job({ jobId: 'e', kind: 'vm-export', status: 'running' })), 5000);
    expect(jobs).toEqual([expect.objectContaining({ jobId: 'e', status: 'running', percent: null, finishedAt: null })]);
    expect(jobs[0]!.error).toBeUndefined();
  });

  it('adds a job, updates it in place, keeps the last percent and notes when it finished', () => {
    let jobs: JobEntry[] = applyJobEvent([], ev(job({ jobId: 'j1', kind: 'disk-convert', status: 'running', percent: 10, disk: 'disk0' })), 1000);
    jobs = applyJobEvent(jobs, ev(job({ jobId: 'j1', kind: 'disk-convert', status: 'running', percent: 40 })), 2000);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ percent: 40, disk: 'disk0', finishedAt: null });
    jobs = applyJobEvent(jobs, ev(job({ jobId: 'j1', kind: 'disk-convert', status: 'failed', error: 'no space left on /library' })), 3000);
    expect(jobs[0]).toMatchObject({ status: 'failed', percent: 40, error: 'no space left on /library', finishedAt: 3000 });
    expect(jobKindLabel('disk-convert', 'disk0')).toBe('Converting disk disk0');
    expect(jobKindLabel('something-new')).toBe('something-new');
  });

  it('keeps finished jobs briefly and failures longer; only disk, archive and clone jobs can be cancelled', () => {
    const done: JobEntry = { jobId: 'a', vmId: 'v', kind: 'vm-clone', status: 'concluded', percent: 100, finishedAt: 0 };
    const failed: JobEntry = { jobId: 'b', vmId: 'v', kind: 'vm-export', status: 'failed', percent: 5, error: 'disk full', finishedAt: 0 };
    expect(pruneJobs([done, failed], KEEP_CONCLUDED_MS + 1).map((j) => j.jobId)).toEqual(['b']);
    expect(pruneJobs([done, failed], KEEP_FAILED_MS + 1)).toEqual([]);
    expect(canCancelJob({ kind: 'disk-compact', status: 'running' })).toBe(true);
    expect(canCancelJob({ kind: 'snapshot-take', status: 'running' })).toBe(false);
    expect(canCancelJob({ kind: 'disk-compact', status: 'concluded' })).toBe(false);
    const running: JobEntry = { ...done, jobId: 'c', status: 'running', percent: 20, finishedAt: null };
    const running2: JobEntry = { ...done, jobId: 'd', status: 'running', percent: 60, finishedAt: null };
    expect(overallProgress([running, running2, failed])).toEqual({ running: 2, failed: 1, percent: 40 });
  });

  it("keeps the name a job's events carry, and names a row by the library first, that name next, a fallback last", () => {
    let jobs: JobEntry[] = applyJobEvent([], ev(job({ jobId: 'imp', kind: 'vm-import', status: 'running', percent: 0, subject: 'debian-backup' }), 'imp'), 1000);
    // The archive's vm.json was read: the machine's own name replaces the file name.
    jobs = applyJobEvent(jobs, ev(job({ jobId: 'imp', kind: 'vm-import', status: 'running', percent: 40, subject: 'Debian 12' }), 'imp'), 2000);
    jobs = applyJobEvent(jobs, ev(job({ jobId: 'imp', kind: 'vm-import', status: 'concluded' }), 'imp'), 3000);
    expect(jobs[0]).toMatchObject({ subject: 'Debian 12', status: 'concluded' });
    expect(jobSubject(jobs[0]!, undefined)).toBe('Debian 12');
    expect(jobSubject(jobs[0]!, 'debian (renamed)')).toBe('debian (renamed)');
    expect(jobSubject({}, undefined)).toBe(UNKNOWN_JOB_SUBJECT);
  });
});

describe('the jobs indicator', () => {
  it('shows a paused download as "Paused" (not cancelled, not failed) with Resume, which calls download.resume; its events then carry it on in the same row', async () => {
    const { api, user } = await setup();
    const resumed: string[] = [];
    api.handle('download.resume', ({ jobId }) => {
      resumed.push(jobId);
      return { jobId, path: '/media/arch.iso', bytes: 1, verification: 'checksum-only' };
    });
    act(() => {
      api.emitVm('dl-1', job({ jobId: 'dl-1', kind: 'download', status: 'running', percent: 30, subject: 'Arch Linux' }));
      api.emitVm('dl-1', job({ jobId: 'dl-1', kind: 'download', status: 'paused', percent: 42 }));
    });
    const jobs = screen.getByRole('button', { name: 'Jobs' });
    await waitFor(() => expect(jobs.getAttribute('title')).toBe('No jobs running'));
    await user.click(jobs);
    const popover = await screen.findByRole('dialog', { name: 'Jobs' });
    const row = within(popover).getByRole('listitem', { name: 'Arch Linux: Downloading' });
    expect(row.textContent).toContain('Paused at 42 %');
    expect(row.textContent).not.toMatch(/Cancelled|Failed/);
    expect(within(row).queryByRole('button', { name: /^Cancel/ })).toBeNull();
    await user.click(within(row).getByRole('button', { name: 'Resume downloading of Arch Linux' }));
    await waitFor(() => expect(resumed).toEqual(['dl-1']));
    act(() => api.emitVm('dl-1', job({ jobId: 'dl-1', kind: 'download', status: 'running', percent: 50 })));
    await waitFor(() => expect(within(popover).getAllByRole('listitem', { name: 'Arch Linux: Downloading' })).toHaveLength(1));
    expect(within(popover).getByRole('listitem', { name: 'Arch Linux: Downloading' }).textContent).toContain('50 %');
  });

  it('shows running jobs with their progress, and Cancel calls job.cancel with the job id', async () => {
    const { api, user, idOf } = await setup();
    const cancelled: string[] = [];
    api.handle('job.cancel', ({ jobId }) => {
      cancelled.push(jobId);
      return { ok: true };
    });
    const jobs = screen.getByRole('button', { name: 'Jobs' });
    expect(jobs.getAttribute('title')).toBe('No jobs running');
    act(() => {
      api.emitVm(idOf('debian'), job({ jobId: 'conv-1', kind: 'disk-convert', status: 'running', percent: 25, disk: 'disk0' }));
      api.emitVm(idOf('alpine'), job({ jobId: 'snap-1', kind: 'snapshot-take', status: 'running', percent: 75 }));
    });
    await waitFor(() => expect(jobs.getAttribute('title')).toBe('2 jobs running, 50 %'));
    expect(within(jobs).getByRole('progressbar', { name: 'Jobs progress' }).getAttribute('aria-valuenow')).toBe('50');

    await user.click(jobs);
    const popover = await screen.findByRole('dialog', { name: 'Jobs' });
    const conv = within(popover).getByRole('listitem', { name: 'debian: Converting disk disk0' });
    expect(within(conv).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('25');
    expect(within(conv).getByText('25 %')).toBeTruthy();
    // A snapshot save cannot be stopped halfway: no Cancel for it.
    const snap = within(popover).getByRole('listitem', { name: 'alpine: Taking snapshot' });
    expect(within(snap).queryByRole('button', { name: /Cancel/ })).toBeNull();

    await user.click(within(conv).getByRole('button', { name: 'Cancel converting disk disk0 of debian' }));
    await waitFor(() => expect(cancelled).toEqual(['conv-1']));
    expect(api.calls.filter((c) => c.command === 'job.cancel')).toEqual([{ command: 'job.cancel', args: { jobId: 'conv-1' } }]);
  });

  it('keeps a failed job with its message (and a cancelled one as "Cancelled") until dismissed', async () => {
    const { api, user, idOf } = await setup();
    act(() => {
      api.emitVm(idOf('debian'), job({ jobId: 'exp-1', kind: 'vm-export', status: 'running', percent: 10 }));
      api.emitVm(idOf('debian'), job({ jobId: 'exp-1', kind: 'vm-export', status: 'failed', error: 'cannot write /media/usb/debian.tar.gz: no space left on the device' }));
      api.emitVm(idOf('alpine'), job({ jobId: 'cmp-1', kind: 'disk-compact', status: 'failed', cancelled: true, error: 'cancelled' }));
    });
    const jobs = screen.getByRole('button', { name: 'Jobs' });
    await waitFor(() => expect(jobs.getAttribute('title')).toBe('1 job failed'));
    await user.click(jobs);
    const popover = await screen.findByRole('dialog', { name: 'Jobs' });
    const exp = within(popover).getByRole('listitem', { name: 'debian: Exporting' });
    expect(within(exp).getByRole('alert').textContent).toBe('Failed: cannot write /media/usb/debian.tar.gz: no space left on the device');
    expect(within(popover).getByRole('listitem', { name: 'alpine: Compacting disk' }).textContent).toContain('Cancelled');
    await user.click(within(exp).getByRole('button', { name: 'Dismiss exporting of debian' }));
    await waitFor(() => expect(within(popover).queryByRole('listitem', { name: 'debian: Exporting' })).toBeNull());
  });

  it('names an import by the name its events carry (its vmId is the job id, never a library VM)', async () => {
    const { api, user } = await setup();
    act(() => api.emitVm('imp-1', job({ jobId: 'imp-1', kind: 'vm-import', status: 'running', percent: 30, subject: 'Windows 11' })));
    await user.click(screen.getByRole('button', { name: 'Jobs' }));
    const popover = await screen.findByRole('dialog', { name: 'Jobs' });
    const row = within(popover).getByRole('listitem', { name: 'Windows 11: Importing' });
    expect(within(row).getByRole('button', { name: 'Cancel importing of Windows 11' })).toBeTruthy();
    expect(within(popover).queryByText(UNKNOWN_JOB_SUBJECT)).toBeNull();
  });

  it("names a VM being created from a disk by its new name, then by the library's once it is there; a job of no known VM gets the fallback", async () => {
    const { api, user } = await setup();
    const newId = '11111111-2222-4333-8444-555555555555';
    act(() => {
      api.emitVm(newId, job({ jobId: 'cp-1', kind: 'disk-import', status: 'running', percent: 10, subject: 'Fedora' }));
      api.emitVm('gone-vm', job({ jobId: 'cmp-9', kind: 'disk-compact', status: 'running', percent: 5, disk: 'disk0' }));
    });
    await user.click(screen.getByRole('button', { name: 'Jobs' }));
    const popover = await screen.findByRole('dialog', { name: 'Jobs' });
    expect(within(popover).getByRole('listitem', { name: 'Fedora: Importing disk' })).toBeTruthy();
    expect(within(popover).getByRole('listitem', { name: `${UNKNOWN_JOB_SUBJECT}: Compacting disk disk0` })).toBeTruthy();
    // The VM joined the library (and was renamed there): its live name wins.
    act(() => void api.addVm({ id: newId, name: 'Fedora 40' }));
    await waitFor(() => expect(within(popover).getByRole('listitem', { name: 'Fedora 40: Importing disk' })).toBeTruthy());
  });

  it('says why a cancel failed, without a stack trace', async () => {
    const { api, user, idOf } = await setup();
    api.failNext('job.cancel', 'not-found', 'no running job "cmp-2" (it may have just finished)');
    act(() => api.emitVm(idOf('debian'), job({ jobId: 'cmp-2', kind: 'disk-compact', status: 'running', percent: 90, disk: 'disk0' })));
    await user.click(screen.getByRole('button', { name: 'Jobs' }));
    await user.click(await screen.findByRole('button', { name: 'Cancel compacting disk disk0 of debian' }));
    expect(await screen.findByText(/no running job "cmp-2"/)).toBeTruthy();
  });
});
