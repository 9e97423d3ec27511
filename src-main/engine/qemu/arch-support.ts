import { ARCHITECTURES } from '../../../src-shared/vm-document/index.js';
import { EngineError } from '../../../src-shared/contract/index.js';
import type { ArchSupport } from '../../../src-shared/contract/index.js';
import type { HostInfo } from './host-types.js';
import { selectUefiFirmware } from './firmware.js';
import { firmwareInstallCommand } from './install-hint.js';
import { QemuNotFoundError } from './errors.js';

const DEBIAN_PACKAGES: Record<string, string> = {
  x86_64: 'qemu-system-x86 ovmf',
  aarch64: 'qemu-system-arm qemu-efi-aarch64',
  riscv64: 'qemu-system-misc opensbi u-boot-qemu',
};

function installFor(host: Pick<HostInfo, 'osRelease'>, arch: string): string {
  const ids = `${host.osRelease?.ID ?? ''} ${host.osRelease?.ID_LIKE ?? ''}`;
  if (/\b(debian|ubuntu)\b/.test(ids)) return `sudo apt-get install -y ${DEBIAN_PACKAGES[arch] ?? `qemu-system-${arch}`}`;
  return `install qemu-system-${arch} and its firmware with your package manager`;
}

/**
 * Which guest architectures this host runs, as the wizard and `hangar create --arch` offer them: an arch counts
 * only when its emulator and the firmware it boots with (OVMF/AAVMF descriptors, OpenSBI + U-Boot) were found.
 */
export function archSupport(host: HostInfo): ArchSupport[] {
  return ARCHITECTURES.map((arch): ArchSupport => {
    const emulator = host.emulators[arch];
    if (!emulator) return { arch, usable: false, note: `qemu-system-${arch} is not installed`, installHint: installFor(host, arch) };
    if (arch === 'aarch64' && !selectUefiFirmware(emulator, 'virt', false)) {
      return { arch, usable: false, note: 'no UEFI firmware (AAVMF) for aarch64 virt machines', installHint: firmwareInstallCommand(host.platform, host.osRelease as Record<string, string> | null, arch) };
    }
    if (arch === 'riscv64' && !(emulator.riscvBoot?.opensbi && emulator.riscvBoot.uboot)) {
      const missing = [emulator.riscvBoot?.opensbi ? null : 'OpenSBI', emulator.riscvBoot?.uboot ? null : 'U-Boot'].filter(Boolean).join(' and ');
      return { arch, usable: false, note: `no ${missing} for riscv64 virt machines`, installHint: installFor(host, arch) };
    }
    if (emulator.accelerators.includes('kvm')) return { arch, usable: true, note: 'hardware-accelerated (KVM)' };
    if (arch !== host.hostArch) return { arch, usable: true, note: `emulated on this ${host.hostArch} host: slow` };
    return { arch, usable: true, note: `emulated (TCG, slow): ${emulator.kvm.reason}` };
  });
}

/**
 * `vm.create` refuses an arch this host cannot run (no emulator or no firmware for it), naming the install
 * command, so a machine is never made that could not start. The arch the caller gave is checked as given.
 */
export function refuseUnusableArch(host: HostInfo, arch: string): void {
  const support = archSupport(host).find((a) => a.arch === arch);
  if (!support || support.usable) return;
  const offered = archSupport(host).filter((a) => a.usable).map((a) => a.arch);
  throw new EngineError(
    'invalid-args',
    `${arch} machines cannot run on this host: ${support.note}; install it with: ${support.installHint ?? 'your package manager'}` +
      ` (this host runs ${offered.length > 0 ? offered.join(', ') : 'no architecture yet'})`,
    { field: 'arch' },
  );
}

/** refuseUnusableArch on the engine's probe; without any QEMU the check is left to the start (which names the install). */
export async function refuseArchTheHostLacks(info: () => Promise<HostInfo>, arch: string | undefined): Promise<void> {
  if (arch === undefined) return;
  let host: HostInfo;
  try {
    host = await info();
  } catch (err) {
    if (err instanceof QemuNotFoundError) return;
    throw err;
  }
  refuseUnusableArch(host, arch);
}
