import { assertNever } from './util/assert-never.js';

/**
 * The run state of one VM: a single union shared by engine and UI. The engine changes it only
 * through `transition`, which refuses moves the lifecycle does not allow.
 */
export type VmRunState =
  | { kind: 'stopped' }
  | ({ kind: 'starting' } & RunFlags)
  | ({ kind: 'running' } & RunFlags)
  | ({ kind: 'paused' } & RunFlags)
  | ({ kind: 'stopping'; how: 'acpi' | 'force' } & RunFlags)
  | ({ kind: 'saving' } & RunFlags)
  | ({ kind: 'restoring' } & RunFlags)
  /** No process: the machine's RAM and devices are suspended to its disks; the next start resumes them. */
  | { kind: 'saved'; savedAt: string }
  | { kind: 'crashed'; reason: string; exitCode: number | null; signal: string | null; logTail: string };

/** Facts about the current run that the list and the display show. */
export interface RunFlags {
  /** Started without saving changes: every disk write goes to a throwaway overlay, discarded at power-off. */
  disposable?: true;
}

export type VmRunStateKind = VmRunState['kind'];

export const RUN_STATE_KINDS: ReadonlyArray<VmRunStateKind> = [
  'stopped', 'starting', 'running', 'paused', 'stopping', 'saving', 'restoring', 'saved', 'crashed',
];

const LEGAL: Record<VmRunStateKind, ReadonlyArray<VmRunStateKind>> = {
  stopped: ['starting'],
  // stopping: force-off is offered while starting (canForceOff), so it must be a legal move.
  // saved: a resume whose QEMU never came up leaves the saved state in place.
  starting: ['running', 'paused', 'stopping', 'stopped', 'crashed', 'saved'],
  running: ['paused', 'stopping', 'saving', 'restoring', 'stopped', 'crashed', 'running'],
  paused: ['running', 'stopping', 'saving', 'restoring', 'stopped', 'crashed', 'paused'],
  // saved: a saved machine state ends its QEMU with a force-off (the session then ends as saved).
  stopping: ['stopped', 'crashed', 'stopping', 'running', 'paused', 'saved'],
  // stopping: a force-off must stay possible while a snapshot job hangs. saved: a save state ends the process.
  saving: ['running', 'paused', 'stopping', 'stopped', 'saved', 'crashed'],
  restoring: ['running', 'paused', 'stopping', 'stopped', 'crashed'],
  // starting: resumes the saved state; stopped: the saved state was discarded.
  saved: ['starting', 'stopped'],
  crashed: ['starting', 'stopped'],
};

export function canTransition(from: VmRunStateKind, to: VmRunStateKind): boolean {
  return LEGAL[from].includes(to);
}

export class IllegalTransitionError extends Error {
  constructor(readonly from: VmRunStateKind, readonly to: VmRunStateKind) {
    super(`illegal run-state transition ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function transition(from: VmRunState, to: VmRunState): VmRunState {
  if (!canTransition(from.kind, to.kind)) throw new IllegalTransitionError(from.kind, to.kind);
  return to;
}

/** A process exists for the VM (it may be paused or busy). */
export function isActive(state: VmRunState): boolean {
  switch (state.kind) {
    case 'stopped':
    case 'saved':
    case 'crashed':
      return false;
    case 'starting':
    case 'running':
    case 'paused':
    case 'stopping':
    case 'saving':
    case 'restoring':
      return true;
    default:
      return assertNever(state, 'run state');
  }
}

export const canStart = (s: VmRunState): boolean => s.kind === 'stopped' || s.kind === 'crashed' || s.kind === 'saved';
/** Start on throwaway overlays; a saved state would be resumed (and then lost), so not from there. */
export const canStartDisposable = (s: VmRunState): boolean => s.kind === 'stopped' || s.kind === 'crashed';
/** Save the machine state (VirtualBox's "Save the machine state"): not for a disposable run, whose disks are thrown away. */
export const canSaveState = (s: VmRunState): boolean => (s.kind === 'running' || s.kind === 'paused') && s.disposable !== true;
export const canDiscardState = (s: VmRunState): boolean => s.kind === 'saved';
export const isDisposable = (s: VmRunState): boolean => 'disposable' in s && s.disposable === true;
export const canPause = (s: VmRunState): boolean => s.kind === 'running';
export const canResume = (s: VmRunState): boolean => s.kind === 'paused';
export const canReset = (s: VmRunState): boolean => s.kind === 'running' || s.kind === 'paused';
export const canShutdown = (s: VmRunState): boolean => s.kind === 'running';
export const canForceOff = (s: VmRunState): boolean =>
  s.kind === 'running' || s.kind === 'paused' || s.kind === 'stopping' || s.kind === 'starting';
export const canSnapshot = (s: VmRunState): boolean =>
  (s.kind === 'running' || s.kind === 'paused' || s.kind === 'stopped') && !isDisposable(s);
/** Settings that need a new QEMU process can only change while no process exists, and no saved state needs them. */
export const canEditHardware = (s: VmRunState): boolean => !isActive(s) && s.kind !== 'saved';

export function describeRunState(s: VmRunState): string {
  switch (s.kind) {
    case 'stopped': return 'Stopped';
    case 'starting': return 'Starting…';
    case 'running': return 'Running';
    case 'paused': return 'Paused';
    case 'stopping': return s.how === 'acpi' ? 'Shutting down…' : 'Powering off…';
    case 'saving': return 'Saving snapshot…';
    case 'restoring': return 'Restoring snapshot…';
    case 'saved': return `Saved ${s.savedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}`;
    case 'crashed': return `Crashed: ${s.reason}`;
    default: return assertNever(s, 'run state');
  }
}
