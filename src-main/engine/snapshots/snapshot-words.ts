import type { VmEventBody } from '../../../src-shared/contract/index.js';

/** The vm.job kinds a snapshot operation reports. */
export type SnapshotJobKind = Extract<VmEventBody, { type: 'vm.job' }>['kind'];

/** QEMU's load errors in plain words (its own text kept in brackets for a bug report). */
export function plainLoadError(qemu: string): string {
  if (/Error -22 while loading VM state|Length mismatch|Unknown (ramblock|savevm section)|section id|Missing section footer/i.test(qemu)) {
    return `the saved memory state does not fit this machine (its hardware is not the one the snapshot was taken with) [QEMU: ${qemu}]`;
  }
  if (/Error -\d+ while loading VM state/i.test(qemu)) return `the saved memory state could not be read back [QEMU: ${qemu}]`;
  return qemu;
}

/** A live job QEMU failed: what was tried, on which machine, in QEMU's (plain) words. */
export function liveJobFailure(kind: SnapshotJobKind, vmName: string, qemu: string): string {
  const verb = kind === 'snapshot-take' ? 'take the snapshot of' : kind === 'snapshot-restore' ? 'restore the snapshot of' : 'delete the snapshot of';
  return `QEMU could not ${verb} "${vmName}": ${qemu}`;
}

/** A qemu-img run that failed; a lock means another program (or a QEMU we do not know of) holds the image. */
export function offlineFailure(message: string, vmName: string): string {
  return /lock/i.test(message) ? `${message} (is "${vmName}" running in another program?)` : message;
}

/** A restore that failed after QEMU had put the disks back: the machine was powered off. */
export function poweredOffAfterLoad(message: string, vmName: string): string {
  return `${message}. QEMU had already put the snapshot's disks back, so "${vmName}" was powered off rather than left half-restored: start it to boot from the snapshot's disks, or restore another snapshot.`;
}

/** A restore QEMU refused before changing anything. */
export function unchangedAfterLoad(message: string, vmName: string, state: string | null): string {
  return `${message}. "${vmName}" is ${state} as it was.`;
}
