import type { VmRunState } from '../vm-state.js';
import type { JobStatus } from '../job-status.js';
import type { GuestAgentInfo } from './guest-agent.js';

/** Facts the engine announces. Per-VM events carry a sequence number that increases by one per VM. */
export type VmEventBody =
  | { type: 'vm.state'; state: VmRunState }
  | { type: 'vm.serial'; data: string }
  | { type: 'vm.added'; name: string }
  | { type: 'vm.removed' }
  | { type: 'vm.changed' }
  | { type: 'vm.guest'; what: 'reset' | 'powerdown' | 'shutdown' | 'panicked'; detail?: string }
  | { type: 'vm.shutdown-timeout'; message: string }
  /** A CD drive's medium or tray changed (live, or in the document while stopped). `path` null: empty. */
  | { type: 'vm.media'; drive: string; path: string | null; trayOpen: boolean }
  /** The install flow moved on; `message` tells the user what Hangar did. `none`: it ended without an install (no more "installing"). */
  | { type: 'vm.install'; phase: 'installing' | 'installed' | 'none'; message?: string }
  /** The snapshot tree changed (taken, restored, deleted, renamed, reconciled): fetch it with snapshot.list. */
  | { type: 'vm.snapshots'; currentId: string | null }
  /**
   * Progress of a snapshot or disk job (QMP job or qemu-img run); `error` when it failed (a cancelled disk job fails with `cancelled: true`).
   * `subject`: the name of what the job is about when its `vmId` is no VM in the library yet (an import's machine or
   * archive file name, a VM being created from an existing disk, a download's file), so a client can still name it.
   * A `download` job has no VM: its events carry the job id as their `vmId`, and `bytesPerSecond` while running;
   * it alone can be `paused` (then `download.resume` carries it on under the same job id; moves in job-status.ts).
   */
  | { type: 'vm.job'; jobId: string; kind: 'snapshot-take' | 'snapshot-restore' | 'snapshot-delete' | 'disk-convert' | 'disk-compact' | 'vm-export' | 'vm-import' | 'disk-import' | 'vm-clone' | 'file-drop' | 'download' | 'pool-upload'; status: JobStatus; percent?: number; snapshotId?: string; disk?: string; subject?: string; error?: string; cancelled?: boolean; bytesPerSecond?: number }
  /** A live thumbnail of a running VM's screen (only while some client holds `vm.thumbnails.subscribe`). */
  | { type: 'vm.thumbnail'; pngBase64: string; width: number; height: number }
  /** CPU (% of one core, over the last interval) and resident memory of a running VM's QEMU process (only while some client holds `vm.stats.subscribe`). */
  | { type: 'vm.stats'; cpuPercent: number; rssBytes: number; sampledAt: number }
  /** The guest agent's status, hostname, OS or addresses changed. */
  | { type: 'vm.guestAgent'; info: GuestAgentInfo };

/** `connection`: the libvirt connection the machine is on (absent: This computer), so each library list takes only its own. */
export type VmEvent = VmEventBody & { vmId: string; seq: number; connection?: string };

/** Engine-wide events (no VM). */
export type EngineEvent = { type: 'engine.log'; level: 'info' | 'warn' | 'error'; message: string };
