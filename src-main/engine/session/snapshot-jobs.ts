/** What the session's snapshot jobs (VmSession.saveSnapshot/loadSnapshot/…) take and answer. */
export interface SnapshotJobOptions {
  /** Whole-job deadline. Default: no limit. */
  readonly timeoutMs?: number;
  /** Words a failure for the caller, at once (before the state is read back from QEMU); its result is thrown. */
  readonly onFailure?: (err: unknown) => Error;
}

/** How a live restore went; after a failure, what became of the machine. */
export type SnapshotLoadOutcome =
  | { readonly ok: true }
  /** QEMU changed nothing: the machine is as it was (null: QEMU went away meanwhile). */
  | { readonly ok: false; readonly error: Error; readonly after: 'unchanged'; readonly state: 'running' | 'paused' | null }
  /** QEMU went away during the load. */
  | { readonly ok: false; readonly error: Error; readonly after: 'gone' }
  /** QEMU had begun (the disks are the snapshot's): powered off rather than left half-restored. */
  | { readonly ok: false; readonly error: Error; readonly after: 'powered-off' };

/** snapshot-load failures QEMU reports before it reverts any disk (load_snapshot's checks in 7.2). */
export const UNTOUCHED_LOAD_ERRORS = /disk-only snapshot|does not exist|does not support snapshots|No block device|Could not find snapshot|vmstate block device/i;
