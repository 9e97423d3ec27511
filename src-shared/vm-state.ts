import { assertNever } from './util/assert-never.js';

/**
 * The run state of one VM: a single union shared by engine and UI. The engine changes it only
 * through `transition`, which refuses moves the lifecycle does not allow.
 */
export type VmRunState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'paused' }
  | { kind: 'stopping'; how: 'acpi' | 'force' }
  | { kind: 'saving' }
  | { kind: 'restoring' }
  | { kind: 'crashed'; reason: string; exitCode: number | null; signal: string | null; logTail: string };

export type VmRunStateKind = VmRunState['kind'];

export const RUN_STATE_KINDS: ReadonlyArray<VmRunStateKind> = [
  'stopped', 'starting', 'running', 'paused', 'stopping', 'saving', 'restoring', 'crashed',
];

const LEGAL: Record<VmRunStateKind, ReadonlyArray<VmRunStateKind>> = {
  stopped: ['starting'],
  // stopping: force-off is offered while starting (canForceOff), so it must be a legal move.
  starting: ['running', 'paused', 'stopping', 'stopped', 'crashed'],
  running: ['paused', 'stopping', 'saving', 'restoring', 'stopped', 'crashed', 'running'],
  paused: ['running', 'stopping', 'saving', 'restoring', 'stopped', 'crashed', 'paused'],
  stopping: ['stopped', 'crashed', 'stopping', 'running', 'paused'],
  // stopping: a force-off must stay possible while a snapshot job hangs.
  saving: ['running', 'paused', 'stopping', 'stopped', 'crashed'],
  restoring: ['running', 'paused', 'stopping', 'stopped', 'crashed'],
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

export const canStart = (s: VmRunState): boolean => s.kind === 'stopped' || s.kind === 'crashed';
export const canPause = (s: VmRunState): boolean => s.kind === 'running';
export const canResume = (s: VmRunState): boolean => s.kind === 'paused';
export const canReset = (s: VmRunState): boolean => s.kind === 'running' || s.kind === 'paused';
export const canShutdown = (s: VmRunState): boolean => s.kind === 'running';
export const canForceOff = (s: VmRunState): boolean =>
  s.kind === 'running' || s.kind === 'paused' || s.kind === 'stopping' || s.kind === 'starting';
export const canSnapshot = (s: VmRunState): boolean =>
  s.kind === 'running' || s.kind === 'paused' || s.kind === 'stopped';
/** Settings that need a new QEMU process can only change while no process exists. */
export const canEditHardware = (s: VmRunState): boolean => !isActive(s);

export function describeRunState(s: VmRunState): string {
  switch (s.kind) {
    case 'stopped': return 'Stopped';
    case 'starting': return 'Starting…';
    case 'running': return 'Running';
    case 'paused': return 'Paused';
    case 'stopping': return s.how === 'acpi' ? 'Shutting down…' : 'Powering off…';
    case 'saving': return 'Saving snapshot…';
    case 'restoring': return 'Restoring snapshot…';
    case 'crashed': return `Crashed: ${s.reason}`;
    default: return assertNever(s, 'run state');
  }
}
