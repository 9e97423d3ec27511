/** How to install QEMU here, from `process.platform` and /etc/os-release (pure: the caller reads the file). */

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

type Family = 'debian' | 'fedora' | 'arch' | 'suse';

function familyOf(osRelease: Record<string, string>): Family | null {
  const ids = [osRelease['ID'] ?? '', ...(osRelease['ID_LIKE'] ?? '').split(/\s+/)].map((s) => s.toLowerCase());
  if (ids.some((id) => id === 'debian' || id === 'ubuntu')) return 'debian';
  if (ids.some((id) => id === 'fedora' || id === 'rhel' || id === 'centos')) return 'fedora';
  if (ids.some((id) => id === 'arch' || id === 'manjaro')) return 'arch';
  if (ids.some((id) => id.startsWith('opensuse') || id === 'suse' || id === 'sles')) return 'suse';
  return null;
}

/** The command that installs QEMU for `arch` guests (plus qemu-img and UEFI firmware where packaged apart). */
export function installCommand(platform: string, osRelease: Record<string, string> | null, arch = 'x86_64'): string {
  const arm = arch === 'aarch64' || arch === 'arm';
  if (platform === 'darwin') return 'brew install qemu';
  if (platform === 'win32') return 'winget install SoftwareFreedomConservancy.QEMU';
  switch (osRelease ? familyOf(osRelease) : null) {
    case 'debian':
      return arm ? 'sudo apt-get install -y qemu-system-arm qemu-utils qemu-efi-aarch64' : 'sudo apt-get install -y qemu-system-x86 qemu-utils ovmf';
    case 'fedora':
      return arm ? 'sudo dnf install -y qemu-system-aarch64 qemu-img edk2-aarch64' : 'sudo dnf install -y qemu-system-x86 qemu-img edk2-ovmf';
    case 'arch':
      return arm ? 'sudo pacman -S qemu-system-aarch64 qemu-img edk2-aarch64' : 'sudo pacman -S qemu-system-x86 qemu-img edk2-ovmf';
    case 'suse':
      return arm ? 'sudo zypper install qemu-arm qemu-tools qemu-uefi-aarch64' : 'sudo zypper install qemu-x86 qemu-tools qemu-ovmf-x86_64';
    default:
      return arm ? 'install QEMU (qemu-system-aarch64, qemu-img) and AAVMF/edk2 firmware with your package manager' : 'install QEMU (qemu-system-x86_64, qemu-img) and OVMF firmware with your package manager';
  }
}

/**
 * The command that installs the UEFI firmware (OVMF / AAVMF) alone, for a host that has QEMU but no firmware
 * descriptors. On macOS and Windows the firmware ships inside the QEMU package, so reinstalling QEMU is the fix.
 */
export function firmwareInstallCommand(platform: string, osRelease: Record<string, string> | null, arch = 'x86_64'): string {
  const arm = arch === 'aarch64' || arch === 'arm';
  if (platform === 'darwin') return 'brew reinstall qemu';
  if (platform === 'win32') return 'winget install SoftwareFreedomConservancy.QEMU';
  switch (osRelease ? familyOf(osRelease) : null) {
    case 'debian':
      return arm ? 'sudo apt-get install -y qemu-efi-aarch64' : 'sudo apt-get install -y ovmf';
    case 'fedora':
      return arm ? 'sudo dnf install -y edk2-aarch64' : 'sudo dnf install -y edk2-ovmf';
    case 'arch':
      return arm ? 'sudo pacman -S edk2-aarch64' : 'sudo pacman -S edk2-ovmf';
    case 'suse':
      return arm ? 'sudo zypper install qemu-uefi-aarch64' : 'sudo zypper install qemu-ovmf-x86_64';
    default:
      return arm ? 'install the AAVMF / edk2 aarch64 UEFI firmware with your package manager' : 'install the OVMF (edk2) UEFI firmware with your package manager';
  }
}

export function qemuNotFoundMessage(arch: string | null, command: string): string {
  const what = arch ? `qemu-system-${arch}` : 'QEMU (no qemu-system-* binary)';
  return `${what} was not found on PATH or in the configured QEMU folders. Install it with: ${command}`;
}
