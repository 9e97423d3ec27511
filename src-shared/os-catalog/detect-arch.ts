import type { Architecture } from '../vm-document/schema.js';
import type { IsoIdentity, OsDetection } from './types.js';

/** Arch names as distributions put them in volume labels (Debian/Ubuntu "arm64", Fedora/Alpine "aarch64"), as whole tokens. */
const LABEL_ARCHES: ReadonlyArray<{ arch: Architecture; token: RegExp }> = [
  { arch: 'aarch64', token: /(^|[^a-z0-9])(arm64|aarch64)([^a-z0-9]|$)/i },
  { arch: 'riscv64', token: /(^|[^a-z0-9])riscv64([^a-z0-9]|$)/i },
  { arch: 'x86_64', token: /(^|[^a-z0-9])(amd64|x86_64|x64)([^a-z0-9]|$)/i },
];

/**
 * The architecture an installer ISO is for, or null when nothing tells: the detected catalog entry's arch, else an
 * arch named in the volume label, else the boot catalog (an El Torito BIOS entry is an x86 PC's; a UEFI entry alone
 * could be any arch's).
 */
export function detectIsoArch(iso: IsoIdentity, bootable: { bios: boolean; uefi: boolean }, detected: OsDetection | null): Architecture | null {
  if (detected?.arch) return detected.arch;
  const fromLabel = LABEL_ARCHES.find((a) => a.token.test(iso.volumeId));
  if (fromLabel) return fromLabel.arch;
  // The catalog's entries without an arch are PC installers.
  if (detected?.source === 'catalog' || bootable.bios) return 'x86_64';
  return null;
}
