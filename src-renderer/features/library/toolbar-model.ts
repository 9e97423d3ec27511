import {
  canEditHardware, canForceOff, canPause, canReset, canResume, canShutdown, canStart, isActive,
} from '../../../src-shared/vm-state.js';
import type { LibraryVm } from '../../state/library-store.js';

export type StopHow = 'acpi' | 'force' | 'reset';

export interface ToolbarEnablement {
  settings: boolean;
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
  return {
    settings: selected.length === 1 && !selected[0]?.error,
    start: usable.some((vm) => canStart(vm.state)),
    pause: paused || usable.some((vm) => canPause(vm.state)),
    paused,
    resume: usable.some((vm) => canResume(vm.state)),
    stop: shutdown || forceOff || reset,
    shutdown,
    forceOff,
    reset,
    delete: selected.length > 0 && activeOnes.length === 0 && any((vm) => canEditHardware(vm.state) || !!vm.error),
    deleteReason: activeOnes.length > 0 ? 'Shut the machine down to delete it' : null,
    show: usable.length === 1 && canShowDisplay(usable[0]!.state),
  };
}
