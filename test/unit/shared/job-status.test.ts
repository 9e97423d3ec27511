import { describe, expect, it } from 'vitest';
import { canJobMove, isJobFinished, JOB_STATUSES } from '../../../src-shared/job-status.js';

describe('job status moves', () => {
  it('a running job may pause, finish or fail; a paused one resumes or is given up; a finished one reports nothing more', () => {
    const legal = JOB_STATUSES.flatMap((from) => JOB_STATUSES.filter((to) => canJobMove(from, to)).map((to) => `${from}>${to}`));
    expect(legal).toEqual(['running>running', 'running>paused', 'running>concluded', 'running>failed', 'paused>running', 'paused>failed']);
    expect(JOB_STATUSES.filter(isJobFinished)).toEqual(['concluded', 'failed']);
  });
});
