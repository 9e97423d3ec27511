import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import type { EmulatorInfo } from './host-types.js';
import { ArgvError } from './errors.js';
import { escapeOptionValue, type OptionEntry } from './option-string.js';

/**
 * Whether a machine keeps UEFI variables in a vars flash (nvram.qcow2): x86 OVMF and aarch64 AAVMF do;
 * riscv64 boots OpenSBI + U-Boot, whose UEFI layer keeps no persistent store here.
 */
export function hasUefiVars(doc: Pick<VmDocument, 'arch' | 'firmware'>): boolean {
  return doc.firmware.type === 'uefi' && doc.arch !== 'riscv64';
}

/** Machine options that belong to one architecture (the GIC exists only on arm). */
export function archMachineOptions(vm: VmDocument, family: string): OptionEntry[] {
  return [['gic-version', vm.arch === 'aarch64' && family === 'virt' ? 'max' : undefined]];
}

/** -bios and -kernel take a file name verbatim (no option parsing): only NUL and line breaks are refused. */
function verbatimPath(value: string, field: string): string {
  try {
    escapeOptionValue(value, field);
  } catch (err) {
    throw new ArgvError(field, (err as Error).message);
  }
  return value;
}

/** riscv64 virt: OpenSBI as -bios and U-Boot (S-mode) as -kernel; U-Boot then boots from the VM's disks. */
export function riscvFirmwareArgs(vm: VmDocument, emulator: Pick<EmulatorInfo, 'riscvBoot'>): string[] {
  if (vm.firmware.type !== 'uefi') throw new ArgvError('firmware.type', 'riscv64 machines boot with OpenSBI and U-Boot: set firmware.type to "uefi"');
  if (vm.firmware.secureBoot) throw new ArgvError('firmware.secureBoot', 'Secure Boot is not available on riscv64 machines (U-Boot has no enrolled keys)');
  if (vm.firmware.tpm) throw new ArgvError('firmware.tpm', 'a virtual TPM is not available on riscv64 virt machines');
  const boot = emulator.riscvBoot;
  if (!boot?.opensbi) throw new ArgvError('firmware.type', 'no OpenSBI firmware for riscv64 was found (install it: sudo apt-get install -y opensbi)');
  if (!boot.uboot) throw new ArgvError('firmware.type', 'no U-Boot for riscv64 virt machines was found (install it: sudo apt-get install -y u-boot-qemu)');
  return ['-bios', verbatimPath(boot.opensbi, 'firmware.opensbi'), '-kernel', verbatimPath(boot.uboot, 'firmware.uboot')];
}

/**
 * Why a machine has no power button QEMU can press (null when it has one): QEMU's riscv64 virt machine wires
 * no ACPI or GPIO power key, so system_powerdown would do nothing and a shutdown could only time out.
 */
export function noPowerButtonReason(doc: Pick<VmDocument, 'arch' | 'name'>): string | null {
  if (doc.arch !== 'riscv64') return null;
  return `"${doc.name}" is a riscv64 virt machine: QEMU gives it no power button, so it cannot be asked to shut down; shut it down from inside the guest, or force it off`;
}
