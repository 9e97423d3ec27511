import type { VmRunState } from '../vm-state.js';

/** Facts the engine announces. Per-VM events carry a sequence number that increases by one per VM. */
export type VmEventBody =
  | { type: 'vm.state'; state: VmRunState }
  | { type: 'vm.serial'; data: string }
  | { type: 'vm.added'; name: string }
  | { type: 'vm.removed' }
  | { type: 'vm.changed' }
  | { type: 'vm.guest'; what: 'reset' | 'powerdown' | 'shutdown' | 'panicked'; detail?: string }
  | { type: 'vm.shutdown-timeout'; message: string };

export type VmEvent = VmEventBody & { vmId: string; seq: number };

/** Engine-wide events (no VM). */
export type EngineEvent = { type: 'engine.log'; level: 'info' | 'warn' | 'error'; message: string };
