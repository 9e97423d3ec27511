import type { InstallPhase } from '../../../src-shared/contract/index.js';
import type { VmDocument, VmPatch } from '../../../src-shared/vm-document/index.js';

/**
 * The document change that ends an install: the installer's drive is emptied and the disk boots first
 * (the CD drive leaves the boot order, so a forgotten ISO never boots the installer again).
 */
export function finishPatch(doc: VmDocument, target: { disk: string; cdrom: string }): VmPatch {
  return {
    cdroms: doc.cdroms.map((c) => (c.id === target.cdrom ? { ...c, path: null } : c)),
    bootOrder: [target.disk, ...doc.bootOrder.filter((id) => id !== target.disk && id !== target.cdrom)],
  };
}

export interface SessionEndFacts {
  phase: InstallPhase | null;
  /** The session's final state. */
  final: 'stopped' | 'crashed';
  /** QEMU's SHUTDOWN event, if one came. */
  shutdown: { guest: boolean; reason: string } | null;
  /** The user pressed the ACPI power button (vm.shutdown) during this session. */
  userPowerdown: boolean;
  /** The disk image grew since it was created: the guest wrote to it. */
  wrote: boolean;
}

export interface SessionEndDecision {
  /** Eject the ISO, boot the disk first, phase → installed. */
  finish: boolean;
  /** Start the VM again: the guest asked for a reboot, which QEMU turned into a shutdown during the install. */
  restart: boolean;
  /**
   * Stop claiming an install: the guest powered itself off without writing to the disk (a live ISO, or an
   * installer left without installing). The medium stays in; the machine just is not "installing" any more.
   */
  drop: boolean;
}

/**
 * What to do when a VM's QEMU ends while it is installing. During the install QEMU runs with
 * `set-action reboot=shutdown`, so a guest reboot arrives as SHUTDOWN {guest:true, reason:'guest-reset'}
 * and QEMU exits; Hangar then restarts it with the new boot order (an emulated reboot). A guest power-off
 * after writing to the disk finishes the install too, but the user's own power-button press does not
 * (they may be abandoning the installer); "Remove installation medium" is there for that case.
 */
export function decideOnEnd(f: SessionEndFacts): SessionEndDecision {
  const none = { finish: false, restart: false, drop: false };
  if (f.phase !== 'installing' || f.final !== 'stopped' || !f.shutdown) return none;
  if (f.shutdown.reason === 'host-qmp-system-reset') return { ...none, restart: true };
  if (!f.shutdown.guest) return none;
  if (f.shutdown.reason === 'guest-reset') return { ...none, finish: f.wrote, restart: true };
  if (f.shutdown.reason === 'guest-shutdown') {
    if (f.userPowerdown) return none;
    // A guest that powers itself off having written nothing installed nothing: a live system, not an installer.
    return f.wrote ? { ...none, finish: true } : { ...none, drop: true };
  }
  return none;
}
