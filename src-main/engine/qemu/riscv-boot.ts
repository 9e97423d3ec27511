import { access, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RiscvBootFiles } from './host-types.js';

/**
 * The riscv64 virt machine's boot chain: OpenSBI (machine mode, `-bios`) then U-Boot in supervisor mode
 * (`-kernel`), which boots the guest from its disks (extlinux, boot.scr or an EFI application). QEMU ships no
 * firmware descriptors for these, so known install locations are searched: QEMU's own data folder first.
 */
export function riscvBootCandidates(binary: string): { opensbi: string[]; uboot: string[] } {
  const share = join(dirname(dirname(binary)), 'share', 'qemu');
  return {
    opensbi: [
      join(share, 'opensbi-riscv64-generic-fw_dynamic.bin'),
      '/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin',
      '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin',
    ],
    uboot: ['/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf', '/usr/share/uboot/qemu-riscv64_smode/u-boot.bin'],
  };
}

async function firstReadable(paths: string[]): Promise<string | null> {
  for (const p of paths) {
    try {
      await access(p, constants.R_OK);
      return p;
    } catch {
      // not here: try the next location
    }
  }
  return null;
}

export async function findRiscvBootFiles(binary: string): Promise<RiscvBootFiles> {
  const c = riscvBootCandidates(binary);
  return { opensbi: await firstReadable(c.opensbi), uboot: await firstReadable(c.uboot) };
}
