import type { OsCatalogEntry, OsFamily, OsRecommendation } from './types.js';

/**
 * Hangar's built-in OS list: tuned defaults per OS and the ISO volume labels that identify it.
 * The host's osinfo-db (engine side) is consulted only when nothing here matches.
 *
 * Volume labels, as the vendors' current images carry them:
 *   Debian      "Debian 12.5.0 amd64 n" (netinst), "Debian 12.5.0 amd64 1" (DVD), "d-live 12.5.0 gn amd64" (live)
 *   Ubuntu      "Ubuntu 24.04 LTS amd64", "Ubuntu 22.04.4 LTS amd64", "Ubuntu-Server 24.04.1 LTS amd64"
 *   Fedora      "Fedora-WS-Live-41-1-4", "Fedora-S-dvd-x86_64-40", "Fedora-E-dvd-x86_64-39", "Fedora-KDE-Live-41-1-4"
 *   Arch        "ARCH_202411"                Alpine  "alpine-virt 3.20.3 x86_64", "alpine-std 3.21.0 x86_64"
 *   openSUSE    "openSUSE-Leap-15.6-DVD-x86_64...", "openSUSE-Tumbleweed-DVD-x86_64", "openSUSE_Tumbleweed_KDE_Live"
 *   Mint        "Linux Mint 22 Cinnamon 64-bit"      Rocky "Rocky-9-4-x86_64-dvd"   Alma "AlmaLinux-9-4-x86_64-dvd"
 *   FreeBSD     "14_1_RELEASE_AMD64_CD" (system id "FreeBSD"); before 9.x "FreeBSD_Install"
 *   OpenBSD     "OpenBSD/amd64   7.6 Install CD"   NetBSD "NETBSD_100"   ReactOS "ReactOS"
 *   Windows     "CCCOMA_X64FRE_EN-US_DV9" (10 and 11), "CPBA_X64FRE_..." (10/11 business), "SSS_X64FREE_EN-US_DV9" (Server)
 *   ARM, RISC-V "Debian 12.5.0 arm64 n", "Debian 13.0.0 riscv64 n", "Ubuntu-Server 24.04.1 LTS arm64",
 *               "Fedora-S-dvd-aarch64-41", "alpine-virt 3.20.3 aarch64": the label names the arch, so these
 *               entries (with `arch`) outrank the x86 ones whose patterns also fit them
 *
 * Windows 10 vs 11: Microsoft's consumer ISOs of both use the same label family (CCCOMA_/CCSA_/CPBA_ + X64FRE),
 * and osinfo-db gives win10 and win11 the same regex. The label alone cannot tell them apart, so an x64 label is
 * reported as Windows 11 with low confidence, named "Windows 10 or 11", with win10 as an alternative; the
 * Windows 11 settings (UEFI, Secure Boot, TPM, 4 GiB, 64 GiB) also suit Windows 10. Labels only one of them uses
 * decide it: X86FRE (32-bit) is Windows 10 only, A64FRE (arm64) is Windows 11 only, CENA_/CENNA_ ...FREV_ is
 * early Windows 10. Telling an x64 image apart for certain means reading sources/install.wim's XML metadata
 * (what VirtualBox's detectIsoOS does); not done here.
 */

const LINUX_SERVER: OsRecommendation = {
  memoryMiB: 2048,
  diskGiB: 20,
  cpus: 2,
  firmware: 'bios',
  secureBoot: false,
  tpm: false,
  diskBus: 'virtio',
  nicModel: 'virtio-net-pci',
  // virtio-vga: Linux's virtio_gpu driver takes the window's size ("Resize guest to window"); VGA-compatible until it loads.
  display: 'virtio',
  pointer: 'usb-tablet',
  guestAgent: true,
  shareMethod: '9p',
};
/** Desktop installers: more memory. */
const LINUX_DESKTOP: OsRecommendation = { ...LINUX_SERVER, memoryMiB: 4096, diskGiB: 25 };
/** The BSDs' base systems have no virtio-gpu driver to follow the window (standard VGA), and qemu-ga only as an optional package. */
const BSD: OsRecommendation = { ...LINUX_SERVER, display: 'std', guestAgent: false };
/** No virtio drivers in Microsoft's installers: SATA (AHCI) and e1000e work out of the box. */
const WINDOWS: OsRecommendation = {
  memoryMiB: 4096,
  diskGiB: 64,
  cpus: 2,
  firmware: 'uefi',
  secureBoot: false,
  tpm: false,
  diskBus: 'sata',
  nicModel: 'e1000e',
  display: 'std',
  pointer: 'usb-tablet',
  /** qemu-ga for Windows comes with virtio-win, not with Windows. */
  guestAgent: false,
  /** Windows has no 9p driver; it reaches QEMU's built-in SMB server (samba) at \\10.0.2.4\qemu with none. */
  shareMethod: 'smb',
};
/** Unknown OS: devices every OS has drivers for; shares over 9p, which needs no host package. */
const OTHER: OsRecommendation = { ...WINDOWS, memoryMiB: 2048, diskGiB: 20, firmware: 'bios', secureBoot: false, shareMethod: '9p' };

/** Defaults for a family when only the family is known (e.g. an osinfo-db match Hangar has no entry for). */
export function familyRecommendation(family: OsFamily): OsRecommendation {
  switch (family) {
    case 'linux':
      return { ...LINUX_SERVER };
    case 'windows':
      return { ...WINDOWS };
    case 'bsd':
      return { ...BSD };
    case 'other':
      return { ...OTHER };
  }
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function debian(version: number): OsCatalogEntry {
  return {
    id: `debian${version}`,
    name: `Debian ${version}`,
    family: 'linux',
    vendor: 'Debian',
    recommended: { ...LINUX_SERVER },
    matchers: [
      { volumeId: new RegExp(`^Debian ${version}\\.\\d+(\\.\\d+)? `), confidence: 0.95 },
      { volumeId: new RegExp(`^d-live ${version}\\.\\d+(\\.\\d+)? `), confidence: 0.95 },
    ],
  };
}

function ubuntu(version: string, server: boolean): OsCatalogEntry {
  const v = esc(version);
  return {
    id: server ? `ubuntu${version}-server` : `ubuntu${version}`,
    name: `Ubuntu ${version} LTS${server ? ' Server' : ' Desktop'}`,
    family: 'linux',
    vendor: 'Ubuntu',
    recommended: server ? { ...LINUX_SERVER } : { ...LINUX_DESKTOP },
    matchers: [{ volumeId: new RegExp(`^Ubuntu${server ? '-Server' : ''} ${v}(\\.\\d+)? LTS`), confidence: 0.95 }],
  };
}

/** ARM and RISC-V installers boot with UEFI (AAVMF) or OpenSBI + U-Boot; the virt machine's devices come from the arch. */
const FOREIGN_SERVER: OsRecommendation = { ...LINUX_SERVER, firmware: 'uefi' };

/** Debian's non-PC ports: "Debian 12.5.0 arm64 n" (netinst), "Debian 13.0.0 riscv64 1" (DVD). */
function debianPort(version: number, port: 'arm64' | 'riscv64'): OsCatalogEntry {
  return {
    id: `debian${version}-${port}`,
    name: `Debian ${version} (${port})`,
    family: 'linux',
    vendor: 'Debian',
    arch: port === 'arm64' ? 'aarch64' : 'riscv64',
    recommended: { ...FOREIGN_SERVER },
    matchers: [{ volumeId: new RegExp(`^Debian ${version}\\.\\d+(\\.\\d+)? ${port} `), confidence: 0.97 }],
  };
}

/** "Ubuntu-Server 24.04.1 LTS arm64", "Ubuntu 24.04.2 LTS arm64". */
function ubuntuArm(version: string, server: boolean): OsCatalogEntry {
  return {
    ...ubuntu(version, server),
    id: `${server ? `ubuntu${version}-server` : `ubuntu${version}`}-arm64`,
    name: `Ubuntu ${version} LTS${server ? ' Server' : ' Desktop'} (arm64)`,
    arch: 'aarch64',
    recommended: server ? { ...FOREIGN_SERVER } : { ...LINUX_DESKTOP, firmware: 'uefi' },
    matchers: [{ volumeId: new RegExp(`^Ubuntu${server ? '-Server' : ''} ${esc(version)}(\\.\\d+)? LTS arm64`), confidence: 0.97 }],
  };
}

function fedora(version: number): OsCatalogEntry {
  return {
    id: `fedora${version}`,
    name: `Fedora ${version}`,
    family: 'linux',
    vendor: 'Fedora',
    recommended: { ...LINUX_DESKTOP },
    // "Fedora-WS-Live-41-1-4", "Fedora-S-dvd-x86_64-40", "Fedora-E-dvd-x86_64-39"
    matchers: [{ volumeId: new RegExp(`^Fedora-.*-${version}(-|$)`), confidence: 0.9 }],
  };
}

function el(vendor: 'Rocky' | 'AlmaLinux', version: number): OsCatalogEntry {
  return {
    id: vendor === 'Rocky' ? `rocky${version}` : `almalinux${version}`,
    name: `${vendor === 'Rocky' ? 'Rocky Linux' : 'AlmaLinux'} ${version}`,
    family: 'linux',
    vendor: vendor === 'Rocky' ? 'Rocky Linux' : 'AlmaLinux',
    recommended: { ...LINUX_SERVER },
    matchers: [{ volumeId: new RegExp(`^${vendor}-${version}[-.]`), confidence: 0.9 }],
  };
}

function mint(version: number): OsCatalogEntry {
  return {
    id: `linuxmint${version}`,
    name: `Linux Mint ${version}`,
    family: 'linux',
    vendor: 'Linux Mint',
    recommended: { ...LINUX_DESKTOP },
    matchers: [{ volumeId: new RegExp(`^Linux Mint ${version}(\\.\\d+)? `), confidence: 0.9 }],
  };
}

/** Consumer and business Windows 10/11 media: CCCOMA (consumer), CCSA/CCSNA, CPBA (business). */
const WIN_CLIENT = '^(J_)?(CCCOMA|CCSN?A|CPBA)_';

/** Newest first within a vendor, so a tie between two entries goes to the newer one. */
export const OS_CATALOG: ReadonlyArray<OsCatalogEntry> = [
  debian(13),
  debian(12),
  debian(11),
  debian(10),
  debianPort(13, 'arm64'),
  debianPort(13, 'riscv64'),
  debianPort(12, 'arm64'),
  ubuntu('24.04', false),
  ubuntu('24.04', true),
  ubuntu('22.04', false),
  ubuntu('22.04', true),
  ubuntu('20.04', false),
  ubuntu('20.04', true),
  ubuntuArm('24.04', false),
  ubuntuArm('24.04', true),
  ubuntuArm('22.04', true),
  fedora(41),
  fedora(40),
  fedora(39),
  {
    id: 'fedora',
    name: 'Fedora (other version)',
    family: 'linux',
    vendor: 'Fedora',
    recommended: { ...LINUX_DESKTOP },
    matchers: [{ volumeId: /^Fedora-/, confidence: 0.7 }],
  },
  {
    id: 'fedora-aarch64',
    name: 'Fedora (aarch64)',
    family: 'linux',
    vendor: 'Fedora',
    arch: 'aarch64',
    recommended: { ...LINUX_DESKTOP, firmware: 'uefi' },
    // "Fedora-S-dvd-aarch64-41", "Fedora-E-dvd-aarch64-40": above the version entries' 0.9, which fit them too
    matchers: [{ volumeId: /^Fedora-.*-aarch64(-|$)/, confidence: 0.92 }],
  },
  {
    id: 'archlinux',
    name: 'Arch Linux',
    family: 'linux',
    vendor: 'Arch Linux',
    recommended: { ...LINUX_SERVER },
    matchers: [{ volumeId: /^ARCH_\d{6}/, confidence: 0.95 }],
  },
  {
    id: 'alpinelinux',
    name: 'Alpine Linux',
    family: 'linux',
    vendor: 'Alpine Linux',
    recommended: { ...LINUX_SERVER, memoryMiB: 512, diskGiB: 8, cpus: 1 },
    matchers: [{ volumeId: /^alpine-[a-z]+ \d+\.\d+/, confidence: 0.9 }, { volumeId: /^alpine-/, confidence: 0.8 }],
  },
  {
    id: 'alpinelinux-aarch64',
    name: 'Alpine Linux (aarch64)',
    family: 'linux',
    vendor: 'Alpine Linux',
    arch: 'aarch64',
    recommended: { ...FOREIGN_SERVER, memoryMiB: 512, diskGiB: 8, cpus: 1 },
    // "alpine-virt 3.20.3 aarch64", "alpine-std 3.21.0 aarch64"
    matchers: [{ volumeId: /^alpine-[a-z]+ \d+\.\d+(\.\d+)? aarch64/, confidence: 0.95 }],
  },
  {
    id: 'opensuse15',
    name: 'openSUSE Leap 15',
    family: 'linux',
    vendor: 'openSUSE',
    recommended: { ...LINUX_DESKTOP, diskGiB: 40 },
    matchers: [{ volumeId: /^openSUSE[-_]Leap[-_]15\./, confidence: 0.9 }],
  },
  {
    id: 'opensusetumbleweed',
    name: 'openSUSE Tumbleweed',
    family: 'linux',
    vendor: 'openSUSE',
    recommended: { ...LINUX_DESKTOP, diskGiB: 40 },
    matchers: [{ volumeId: /^openSUSE[-_]Tumbleweed/, confidence: 0.9 }],
  },
  mint(22),
  mint(21),
  el('Rocky', 9),
  el('Rocky', 8),
  el('AlmaLinux', 9),
  el('AlmaLinux', 8),
  {
    id: 'freebsd',
    name: 'FreeBSD',
    family: 'bsd',
    vendor: 'FreeBSD',
    recommended: { ...BSD },
    matchers: [
      { volumeId: /^\d+_\d+_(RELEASE|STABLE|CURRENT|BETA\d*|RC\d*|ALPHA\d*)_(AMD64|I386|ARM64|AARCH64)/, confidence: 0.9 },
      { volumeId: /^FreeBSD_Install/, confidence: 0.85 },
    ],
  },
  {
    id: 'openbsd',
    name: 'OpenBSD',
    family: 'bsd',
    vendor: 'OpenBSD',
    recommended: { ...BSD, memoryMiB: 1024, diskGiB: 16 },
    matchers: [{ volumeId: /^OpenBSD\//, confidence: 0.9 }],
  },
  {
    id: 'netbsd',
    name: 'NetBSD',
    family: 'bsd',
    vendor: 'NetBSD',
    recommended: { ...BSD, memoryMiB: 1024, diskGiB: 16 },
    matchers: [{ volumeId: /^NETBSD_\d+/, confidence: 0.85 }],
  },
  {
    id: 'win11',
    name: 'Windows 11',
    family: 'windows',
    vendor: 'Windows',
    // Windows 11's setup refuses machines without UEFI Secure Boot, TPM 2.0, 4 GiB, 64 GB and 2 CPUs.
    recommended: { ...WINDOWS, secureBoot: true, tpm: true },
    matchers: [
      { volumeId: new RegExp(`${WIN_CLIENT}A64FREE?_`), confidence: 0.85 },
      { volumeId: new RegExp(`${WIN_CLIENT}X64FREE?_`), confidence: 0.6, name: 'Windows 10 or 11', alternatives: ['win10'] },
      // Media Creation Tool output
      { volumeId: /^ESD-ISO$/, confidence: 0.5, name: 'Windows 10 or 11', alternatives: ['win10'] },
    ],
  },
  {
    id: 'win10',
    name: 'Windows 10',
    family: 'windows',
    vendor: 'Windows',
    recommended: { ...WINDOWS },
    matchers: [
      { volumeId: new RegExp(`${WIN_CLIENT}X86FREE?_`), confidence: 0.85 },
      { volumeId: /^(J_)?CENN?A_X(64|86)FREV_/, confidence: 0.85 },
    ],
  },
  {
    id: 'win2k22',
    name: 'Windows Server 2022',
    family: 'windows',
    vendor: 'Windows',
    recommended: { ...WINDOWS, diskGiB: 40 },
    // 2019, 2022 and 2025 share the SSS_ label.
    matchers: [{ volumeId: /^SSS_X64FREE?_/, confidence: 0.6, name: 'Windows Server (2019, 2022 or 2025)' }],
  },
  {
    id: 'reactos',
    name: 'ReactOS',
    family: 'windows',
    vendor: 'ReactOS',
    // 32-bit, BIOS only; e1000 has a driver in ReactOS, e1000e does not.
    recommended: { ...WINDOWS, memoryMiB: 1024, diskGiB: 8, cpus: 1, firmware: 'bios', nicModel: 'e1000' },
    matchers: [{ volumeId: /^ReactOS/i, confidence: 0.85 }],
  },
  {
    id: 'generic-linux',
    name: 'Linux (other)',
    family: 'linux',
    vendor: 'Other',
    recommended: { ...LINUX_SERVER },
    matchers: [],
  },
  {
    id: 'generic',
    name: 'Other',
    family: 'other',
    vendor: 'Other',
    recommended: { ...OTHER },
    matchers: [],
  },
];

/** The id `newVmDocument` uses when no OS was chosen. */
export const GENERIC_OS_ID = 'generic';

export function findCatalogEntry(osId: string, catalog: ReadonlyArray<OsCatalogEntry> = OS_CATALOG): OsCatalogEntry | undefined {
  return catalog.find((e) => e.id === osId);
}
