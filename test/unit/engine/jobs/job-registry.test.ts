import { describe, expect, it } from 'vitest';
import type { VmEventBody } from '../../../../src-shared/contract/index.js';
import { JobRegistry } from '../../../../src-main/engine/jobs/job-registry.js';

type JobEvent = Extract<VmEventBody, { type: 'vm.job' }>;

const snapshotEvent = (jobId: string, status: 'running' | 'concluded' | 'failed'): JobEvent => ({ type: 'vm.job', jobId, kind: 'snapshot-take', status, snapshotId: 's1' });

describe('JobRegistry: one registry for every kind of job', () => {
  it('knows which machine each job works on', () => {
    const jobs = new JobRegistry();
    const a = jobs.start('a', 'vm1');
    jobs.start('b', 'vm2');
    jobs.start('c');
    expect(jobs.forVm('vm1')).toEqual(['a']);
    a.done();
    expect(jobs.forVm('vm1')).toEqual([]);
    expect(jobs.size).toBe(2);
  });

  it('follows a QMP job by its events: registered at the first, gone at concluded or failed', () => {
    const jobs = new JobRegistry();
    jobs.observe('vm1', snapshotEvent('hangar-take-1', 'running'));
    jobs.observe('vm1', { ...snapshotEvent('hangar-take-1', 'running'), percent: 50 });
    expect(jobs.size).toBe(1);
    expect(jobs.forVm('vm1')).toEqual(['hangar-take-1']);
    jobs.observe('vm1', snapshotEvent('hangar-take-1', 'concluded'));
    expect(jobs.size).toBe(0);
    jobs.observe('vm1', snapshotEvent('hangar-take-2', 'running'));
    jobs.observe('vm1', snapshotEvent('hangar-take-2', 'failed'));
    expect(jobs.size).toBe(0);
  });

  it('ignores events that are not jobs', () => {
    const jobs = new JobRegistry();
    jobs.observe('vm1', { type: 'vm.changed' });
    expect(jobs.size).toBe(0);
  });

  it('ids are unique across kinds: a cancellable job cannot take a running snapshot job\'s id', () => {
    const jobs = new JobRegistry();
    jobs.observe('vm1', snapshotEvent('same', 'running'));
    expect(() => jobs.start('same')).toThrow(expect.objectContaining({ code: 'exists' }));
  });

  it('a snapshot job cannot be cancelled (QEMU runs it to its end), and says so', () => {
    const jobs = new JobRegistry();
    jobs.observe('vm1', snapshotEvent('hangar-take-1', 'running'));
    expect(() => jobs.cancel('hangar-take-1')).toThrow(
      expect.objectContaining({ code: 'invalid-state', message: 'job hangar-take-1 (snapshot-take) cannot be cancelled: QEMU runs it to its end' }),
    );
  });

  it('the events of a cancellable job leave it to its own done()', () => {
    const jobs = new JobRegistry();
    const j = jobs.start('disk-1', 'vm1');
    jobs.observe('vm1', { type: 'vm.job', jobId: 'disk-1', kind: 'disk-convert', status: 'concluded', percent: 100 });
    expect(jobs.size).toBe(1);
    j.done();
    expect(jobs.size).toBe(0);
  });
});
