import type { HostSummary } from '../../../src-shared/contract/index.js';

/** What the first-run screen asks the user to install, from `host.info`. */
export interface FirstRunNeed {
  missing: 'qemu' | 'firmware';
  title: string;
  /** One or two sentences: what is missing and why Hangar needs it. */
  explanation: string;
  /** The exact command for this platform (from the engine's install hint). */
  command: string;
  /** Machines can still be used without it (BIOS machines run without UEFI firmware). */
  canContinue: boolean;
}

/** Null when QEMU and the UEFI firmware are both there. */
export function firstRunNeed(host: HostSummary): FirstRunNeed | null {
  if (!host.qemuBinary) {
    return {
      missing: 'qemu',
      title: 'QEMU is not installed',
      explanation:
        'Hangar runs virtual machines with QEMU (qemu-system-x86_64 and qemu-img), which was not found on this computer. Install it, then choose "Check again".',
      command: host.installHint ?? 'install QEMU with your package manager',
      canContinue: false,
    };
  }
  if (!host.uefiAvailable) {
    return {
      missing: 'firmware',
      title: 'UEFI firmware (OVMF) is not installed',
      explanation:
        `QEMU${host.qemuVersion ? ` ${host.qemuVersion}` : ''} was found, but not the OVMF UEFI firmware that modern systems (Windows 11, most current Linux installers) boot with. Install it, then choose "Check again". Machines with BIOS firmware run without it.`,
      command: host.firmwareInstallHint ?? 'install the OVMF (edk2) UEFI firmware with your package manager',
      canContinue: true,
    };
  }
  return null;
}

/** The one line about KVM: null when it works; otherwise the engine's reason (the consequence and the fix). */
export function kvmLine(host: HostSummary): string | null {
  if (!host.qemuBinary || host.kvm.usable) return null;
  const reason = host.kvm.reason.trim();
  return `KVM acceleration is unavailable, so machines run under slower TCG emulation. ${reason ? `${reason.charAt(0).toUpperCase()}${reason.slice(1)}` : ''}`.trim();
}
