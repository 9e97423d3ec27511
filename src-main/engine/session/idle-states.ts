import type { VmEventBody } from '../../../src-shared/contract/index.js';
import { transition, type VmRunState } from '../../../src-shared/vm-state.js';

/**
 * Where the engine keeps the run state of machines with no session (the Engine satisfies it): the state a run
 * ended in (crashed, saved) and the machines being launched. A running QEMU's state is its VmSession's; these
 * functions are the only writers of the rest, and every move they make goes through the legal table.
 */
export interface IdleStates {
  readonly lastStates: Map<string, VmRunState>;
  readonly launching: Set<string>;
  stateOf(vmId: string): VmRunState;
  emit(vmId: string, body: VmEventBody): void;
}

function keep(book: IdleStates, vmId: string, state: VmRunState): void {
  if (state.kind === 'stopped') book.lastStates.delete(vmId);
  else book.lastStates.set(vmId, state);
}

/** A machine with no QEMU moves to `next` (a saved state discarded: stopped), and clients are told. */
export function settleIdle(book: IdleStates, vmId: string, next: VmRunState): VmRunState {
  const state = transition(book.stateOf(vmId), next);
  keep(book, vmId, state);
  book.emit(vmId, { type: 'vm.state', state });
  return state;
}

/**
 * What the engine finds at open, before any client has seen a state: a QEMU that died while no engine watched,
 * a saved machine (found later, it wins). Not a transition: nothing was announced before.
 */
export function recordFound(book: IdleStates, vmId: string, state: VmRunState): void {
  keep(book, vmId, state);
}

/** The state a session ended in, kept once the session is gone (it announced it itself). */
export function keepEnded(book: IdleStates, vmId: string, final: VmRunState): void {
  keep(book, vmId, final);
}

/** A machine removed from the library has no state left to report. */
export function forget(book: IdleStates, vmId: string): void {
  book.lastStates.delete(vmId);
}

export interface Launch {
  /** QEMU never came up: back to what the machine was (powered off, or still saved), announced. */
  failed(back: VmRunState): void;
  /** The launch is over (a session now holds the state, or `failed` announced it). */
  end(): void;
}

/**
 * Announces `starting` before QEMU is launched; until a session exists `stateOf` reports it from `launching`.
 * Refused (IllegalTransitionError) unless the machine may start from where it is.
 */
export function beginLaunch(book: IdleStates, vmId: string, starting: Extract<VmRunState, { kind: 'starting' }>): Launch {
  const state = transition(book.stateOf(vmId), starting);
  book.lastStates.delete(vmId);
  book.launching.add(vmId);
  book.emit(vmId, { type: 'vm.state', state });
  return {
    failed(back) {
      keep(book, vmId, transition(state, back));
      book.emit(vmId, { type: 'vm.state', state: back });
    },
    end() {
      book.launching.delete(vmId);
    },
  };
}
