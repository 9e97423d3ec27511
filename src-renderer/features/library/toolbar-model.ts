import {
  canDiscardState, canForceOff, canPause, canReset, canResume, canSaveState, canShutdown, canStart, canStartDisposable, isActive, isDisposable,
} from '../../../src-shared/vm-state.js';
import type { LibraryVm } from '../../state/library-store.js';
import { libvirtReason } from '../connections/libvirt-limits.js';

export type StopHow = 'acpi' | 'force' | 'reset' | 'save' | 'discard';

export interface ToolbarEnablement {
  settings: boolean;
  /** Why Settings is off when that is not obvious (a machine on a libvirt connection). */
  settingsReason: string | null;
  start: boolean;
  pause: boolean;
  /** Every selected machine is paused: the Pause toggle is pressed and resumes. */
  paused: boolean;
  /** At least one selected machine is paused: the explicit Resume button. */
  resume: boolean;
  stop: boolean;
  shutdown: boolean;
  forceOff: boolean;
  reset: boolean;
  /** Save the machine state (Stop menu); `saveStateReason` says why not when a running machine cannot. */
  saveState: boolean;
  saveStateReason: string | null;
  /** Discard a saved state (Stop menu). */
  discardState: boolean;
  /** Start without saving changes. */
  startDisposable: boolean;
  startDisposableReason: string | null;
  discardStateReason: string | null;
  delete: boolean;
  deleteReason: string | null;
  show: boolean;
}

/** What the toolbar offers for a selection; an action is on when it applies to at least one selected machine. */
/** A display exists while QEMU runs the guest (running or paused). */
export function canShowDisplay(state: LibraryVm['state']): boolean {
  return state.kind === 'running' || state.kind === 'paused';
}

export function toolbarEnablement(selected: ReadonlyArray<LibraryVm>): ToolbarEnablement {
  const any = (f: (vm: LibraryVm) => boolean) => selected.some(f);
  const usable = selected.filter((vm) => !vm.error);
  const paused = usable.length > 0 && usable.every((vm) => canResume(vm.state));
  const shutdown = usable.some((vm) => canShutdown(vm.state));
  const forceOff = usable.some((vm) => canForceOff(vm.state));
  const reset = usable.some((vm) => canReset(vm.state));
  const activeOnes = selected.filter((vm) => isActive(vm.state));
  const saveState = usable.some((vm) => canSaveState(vm.state));
  const discardState = usable.some((vm) => canDiscardState(vm.state));
  // A disposable run has no state worth keeping: say so on the item instead of only greying it out.
  const saveStateReason = libvirtReason(selected, 'saveState') ?? (!saveState && usable.some((vm) => isDisposable(vm.state))
    ? 'Started without saving changes: its disk writes are discarded at power-off, so there is no state to save'
    : null);
  // On a libvirt connection these are not Hangar's to do: off, with the reason (the engine refuses them too).
  const settingsReason = libvirtReason(selected, 'settings');
  const startDisposableReason = libvirtReason(selected, 'startDisposable');
  const discardStateReason = libvirtReason(selected, 'discardState');
  return {
    settings: selected.length === 1 && !selected[0]?.error && settingsReason === null,
    settingsReason,
    startDisposableReason,
    discardStateReason,
    start: usable.some((vm) => canStart(vm.state)),
    pause: paused || usable.some((vm) => canPause(vm.state)),
    paused,
    resume: usable.some((vm) => canResume(vm.state)),
    stop: shutdown || forceOff || reset || saveState || discardState,
    shutdown,
    forceOff,
    reset,
    saveState: saveState && libvirtReason(selected, 'saveState') === null,
    saveStateReason,
    discardState: discardState && discardStateReason === null,
    startDisposable: usable.some((vm) => canStartDisposable(vm.state)) && startDisposableReason === null,
    // A saved machine may be deleted too (its saved state goes with its files).
    delete: selected.length > 0 && activeOnes.length === 0 && any((vm) => !isActive(vm.state) || !!vm.error),
    deleteReason: activeOnes.length > 0 ? 'Shut the machine down to delete it' : null,
    show: usable.length === 1 && canShowDisplay(usable[0]!.state),
  };
}
