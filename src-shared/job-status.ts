// A long job's status and the moves between them, for the engine that reports them and every client that shows
// them. Only a download pauses: it keeps its part file and carries on, under the same job id, when resumed.
export const JOB_STATUSES = ['running', 'paused', 'concluded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

const MOVES: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  running: ['running', 'paused', 'concluded', 'failed'],
  // A paused job is resumed, or given up (superseded by another download of the same file).
  paused: ['running', 'failed'],
  concluded: [],
  failed: [],
};

/** Whether a job in status `from` may next report `to` (a finished job reports nothing more). */
export function canJobMove(from: JobStatus, to: JobStatus): boolean {
  return MOVES[from].includes(to);
}

/** A job no longer under way: it reports nothing more. A paused job is not finished. */
export function isJobFinished(status: JobStatus): boolean {
  return status === 'concluded' || status === 'failed';
}
