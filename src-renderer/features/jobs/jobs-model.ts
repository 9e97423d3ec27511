import type { VmEvent, VmEventBody } from '../../../src-shared/contract/index.js';
import { canJobMove, isJobFinished } from '../../../src-shared/job-status.js';

export type VmJobEvent = Extract<VmEventBody, { type: 'vm.job' }>;
export type JobKind = VmJobEvent['kind'];

/** One long job as the jobs indicator shows it. */
export interface JobEntry {
  jobId: string;
  vmId: string;
  kind: JobKind;
  status: VmJobEvent['status'];
  percent: number | null;
  disk?: string;
  /** The engine's name for what the job is about when `vmId` is no VM in the library yet (an import, a VM being created). */
  subject?: string;
  error?: string;
  cancelled?: boolean;
  /** When it concluded or failed (ms since the epoch); null while running or paused (a paused job waits for Resume). */
  finishedAt: number | null;
}

/** How long finished jobs stay listed: long enough to read what happened, failures longer. */
export const KEEP_CONCLUDED_MS = 10_000;
export const KEEP_FAILED_MS = 120_000;

/**
 * What each job kind is doing, the one table of them (the jobs indicator, the snapshot panel's progress line): a
 * kind the engine contract adds fails to compile until it is named here.
 */
export const JOB_KIND_LABEL: Readonly<Record<JobKind, string>> = {
  'snapshot-take': 'Taking snapshot',
  'snapshot-restore': 'Restoring snapshot',
  'snapshot-delete': 'Deleting snapshot',
  'disk-convert': 'Converting disk',
  'disk-compact': 'Compacting disk',
  'disk-import': 'Importing disk',
  'vm-export': 'Exporting',
  'vm-import': 'Importing',
  'vm-clone': 'Cloning',
  'file-drop': 'Copying a file into the guest',
  download: 'Downloading',
  'pool-upload': 'Uploading to a storage pool',
};

/** A job's row name when neither the library nor the engine knows it (the VM was deleted meanwhile). */
export const UNKNOWN_JOB_SUBJECT = 'A machine no longer in the library';

/** Who a job's row names: the VM's live name in the library, else the name its events carried, else UNKNOWN_JOB_SUBJECT. */
export function jobSubject(job: Pick<JobEntry, 'subject'>, libraryName: string | undefined): string {
  return libraryName ?? job.subject ?? UNKNOWN_JOB_SUBJECT;
}

/** "Converting disk hd0"; unknown kinds (a newer engine) read as their id. */
export function jobKindLabel(kind: string, disk?: string): string {
  const label = Object.hasOwn(JOB_KIND_LABEL, kind) ? JOB_KIND_LABEL[kind as JobKind] : kind;
  return disk !== undefined && kind.startsWith('disk-') ? `${label} ${disk}` : label;
}

/** Snapshot jobs run inside QEMU and cannot be stopped halfway; disk, archive and clone jobs take `job.cancel`. */
export function canCancelJob(job: Pick<JobEntry, 'kind' | 'status'>): boolean {
  return job.status === 'running' && !job.kind.startsWith('snapshot-');
}

export function isSnapshotJob(kind: string): boolean {
  return kind.startsWith('snapshot-');
}

/** A paused download's row offers Resume (`download.resume`, under the same job id). */
export function canResumeJob(job: Pick<JobEntry, 'kind' | 'status'>): boolean {
  return job.status === 'paused' && job.kind === 'download';
}

/**
 * The list after one `vm.job` event: a new job goes last, a known one is updated in place. A status its job
 * cannot move to (a finished job's id reused by a new one) starts the row afresh.
 */
export function applyJobEvent(jobs: ReadonlyArray<JobEntry>, event: Extract<VmEvent, { type: 'vm.job' }>, now: number): JobEntry[] {
  const known = jobs.find((j) => j.jobId === event.jobId);
  const prev = known && canJobMove(known.status, event.status) ? known : undefined;
  const percent = event.percent ?? (event.status === 'concluded' ? 100 : (prev?.percent ?? null));
  const next: JobEntry = {
    jobId: event.jobId,
    vmId: event.vmId,
    kind: event.kind,
    status: event.status,
    percent,
    ...(event.disk !== undefined ? { disk: event.disk } : prev?.disk !== undefined ? { disk: prev.disk } : {}),
    ...(event.subject !== undefined ? { subject: event.subject } : prev?.subject !== undefined ? { subject: prev.subject } : {}),
    ...(event.error !== undefined ? { error: event.error } : {}),
    ...(event.cancelled ? { cancelled: true } : {}),
    finishedAt: !isJobFinished(event.status) ? null : (prev?.finishedAt ?? now),
  };
  return known ? jobs.map((j) => (j === known ? next : j)) : [...jobs, next];
}

/** Drops finished jobs whose time is up; returns the same array when nothing changed. */
export function pruneJobs(jobs: ReadonlyArray<JobEntry>, now: number): ReadonlyArray<JobEntry> {
  const kept = jobs.filter((j) => j.finishedAt === null || now - j.finishedAt < (j.status === 'failed' && !j.cancelled ? KEEP_FAILED_MS : KEEP_CONCLUDED_MS));
  return kept.length === jobs.length ? jobs : kept;
}

/** The next time a finished job must go (ms since the epoch), or null. */
export function nextPruneAt(jobs: ReadonlyArray<JobEntry>): number | null {
  let at: number | null = null;
  for (const j of jobs) {
    if (j.finishedAt === null) continue;
    const due = j.finishedAt + (j.status === 'failed' && !j.cancelled ? KEEP_FAILED_MS : KEEP_CONCLUDED_MS);
    if (at === null || due < at) at = due;
  }
  return at;
}

/** What the indicator's ring shows: the running jobs' mean percent (null: none running or none known). */
export function overallProgress(jobs: ReadonlyArray<JobEntry>): { running: number; failed: number; percent: number | null } {
  const running = jobs.filter((j) => j.status === 'running');
  const known = running.filter((j) => j.percent !== null);
  const percent = known.length > 0 ? known.reduce((s, j) => s + (j.percent ?? 0), 0) / known.length : null;
  return { running: running.length, failed: jobs.filter((j) => j.status === 'failed' && !j.cancelled).length, percent };
}

/** The sentence a job's row shows under its name. */
export function jobStatusText(job: JobEntry): string {
  if (job.status === 'running') return job.percent !== null ? `${Math.round(job.percent)} %` : 'Working…';
  if (job.status === 'paused') return job.percent !== null ? `Paused at ${Math.round(job.percent)} %` : 'Paused';
  if (job.status === 'concluded') return 'Done';
  if (job.cancelled) return 'Cancelled';
  return job.error ? `Failed: ${job.error}` : 'Failed';
}
