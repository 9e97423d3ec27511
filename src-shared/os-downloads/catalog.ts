import type { DownloadCatalogEntry } from './types.js';

/**
 * The built-in catalog of OS downloads. Versioned with the app; a newer copy may be fetched, but this one
 * always works. Entries point at the distributions' own servers and their own checksum files.
 */
export const DOWNLOAD_CATALOG_VERSION = 1;

/** Signing keys as the distributions publish them (checked by gpgv when the key is in the user's keyring). */
const DEBIAN_CD_KEY = 'DF9B9C49EAA9298432589D76DA87E80D6294BE9B';
const UBUNTU_CD_KEY = '843938DF228D22F7B3742BC0D94AA3F0EFE21092';

const DEBIAN_CLOUD = 'https://cloud.debian.org/images/cloud';
const DEBIAN_CD = 'https://cdimage.debian.org/debian-cd/current';
const UBUNTU_RELEASES = 'https://releases.ubuntu.com/24.04';
const UBUNTU_CLOUD = 'https://cloud-images.ubuntu.com/noble/current';
const FEDORA = 'https://download.fedoraproject.org/pub/fedora/linux/releases/43';
const ALPINE = 'https://dl-cdn.alpinelinux.org/alpine/v3.22/releases';
const ARCH = 'https://geo.mirror.pkgbuild.com';
const OPENSUSE = 'https://download.opensuse.org';
const FREEBSD = 'https://download.freebsd.org/releases';

function debianCloud(release: string, version: string, arch: 'amd64' | 'arm64'): DownloadCatalogEntry {
  const fileName = `debian-${version}-generic-${arch}.qcow2`;
  return {
    id: `debian-${version}-cloud-${arch}`,
    name: `Debian ${version} (cloud image${arch === 'arm64' ? ', ARM64' : ''})`,
    osId: arch === 'amd64' ? `debian${version}` : `debian${version}-arm64`,
    version,
    arch: arch === 'amd64' ? 'x86_64' : 'aarch64',
    kind: 'cloud-image',
    url: `${DEBIAN_CLOUD}/${release}/latest/${fileName}`,
    fileName,
    format: 'qcow2',
    sizeBytes: arch === 'amd64' ? 430_000_000 : 420_000_000,
    verify: { algorithm: 'sha512', checksumUrl: `${DEBIAN_CLOUD}/${release}/latest/SHA512SUMS` },
  };
}

function debianNetinst(point: string, arch: 'amd64' | 'arm64'): DownloadCatalogEntry {
  const major = point.split('.')[0]!;
  const fileName = `debian-${point}-${arch}-netinst.iso`;
  return {
    id: `debian-${major}-netinst-${arch}`,
    name: `Debian ${major} (network installer${arch === 'arm64' ? ', ARM64' : ''})`,
    osId: arch === 'amd64' ? `debian${major}` : `debian${major}-arm64`,
    version: point,
    arch: arch === 'amd64' ? 'x86_64' : 'aarch64',
    kind: 'installer',
    url: `${DEBIAN_CD}/${arch}/iso-cd/${fileName}`,
    fileName,
    format: 'iso',
    sizeBytes: arch === 'amd64' ? 790_000_000 : 660_000_000,
    verify: {
      algorithm: 'sha512',
      checksumUrl: `${DEBIAN_CD}/${arch}/iso-cd/SHA512SUMS`,
      signatureUrl: `${DEBIAN_CD}/${arch}/iso-cd/SHA512SUMS.sign`,
      signingKey: DEBIAN_CD_KEY,
    },
    unattended: 'preseed',
  };
}

function ubuntuCloud(arch: 'amd64' | 'arm64'): DownloadCatalogEntry {
  const fileName = `noble-server-cloudimg-${arch}.img`;
  return {
    id: `ubuntu-24.04-cloud-${arch}`,
    name: `Ubuntu 24.04 LTS (cloud image${arch === 'arm64' ? ', ARM64' : ''})`,
    osId: arch === 'amd64' ? 'ubuntu24.04-server' : 'ubuntu24.04-server-arm64',
    version: '24.04',
    arch: arch === 'amd64' ? 'x86_64' : 'aarch64',
    kind: 'cloud-image',
    url: `${UBUNTU_CLOUD}/${fileName}`,
    fileName,
    // Ubuntu names its cloud images .img, but they are qcow2.
    format: 'qcow2',
    sizeBytes: 600_000_000,
    verify: { algorithm: 'sha256', checksumUrl: `${UBUNTU_CLOUD}/SHA256SUMS`, signatureUrl: `${UBUNTU_CLOUD}/SHA256SUMS.gpg`, signingKey: UBUNTU_CD_KEY },
  };
}

export const DOWNLOAD_CATALOG: ReadonlyArray<DownloadCatalogEntry> = [
  // xi-cloud's `--cloud-image debian-12-cloud-amd64` and the wizard's E2E rely on this id.
  debianCloud('bookworm', '12', 'amd64'),
  debianCloud('bookworm', '12', 'arm64'),
  debianCloud('trixie', '13', 'amd64'),
  debianCloud('trixie', '13', 'arm64'),
  debianNetinst('13.2.0', 'amd64'),
  debianNetinst('13.2.0', 'arm64'),
  {
    id: 'ubuntu-24.04-server-amd64',
    name: 'Ubuntu Server 24.04 LTS',
    osId: 'ubuntu24.04-server',
    version: '24.04.3',
    arch: 'x86_64',
    kind: 'installer',
    url: `${UBUNTU_RELEASES}/ubuntu-24.04.3-live-server-amd64.iso`,
    fileName: 'ubuntu-24.04.3-live-server-amd64.iso',
    format: 'iso',
    sizeBytes: 3_100_000_000,
    verify: { algorithm: 'sha256', checksumUrl: `${UBUNTU_RELEASES}/SHA256SUMS`, signatureUrl: `${UBUNTU_RELEASES}/SHA256SUMS.gpg`, signingKey: UBUNTU_CD_KEY },
    unattended: 'autoinstall',
  },
  ubuntuCloud('amd64'),
  ubuntuCloud('arm64'),
  {
    id: 'fedora-43-server-netinst-x86_64',
    name: 'Fedora Server 43 (network installer)',
    osId: 'fedora',
    version: '43',
    arch: 'x86_64',
    kind: 'installer',
    url: `${FEDORA}/Server/x86_64/iso/Fedora-Server-netinst-x86_64-43-1.6.iso`,
    fileName: 'Fedora-Server-netinst-x86_64-43-1.6.iso',
    format: 'iso',
    sizeBytes: 1_100_000_000,
    // Fedora's CHECKSUM files are clear-signed (BSD lines inside an OpenPGP armour): no detached signature.
    verify: { algorithm: 'sha256', checksumUrl: `${FEDORA}/Server/x86_64/iso/Fedora-Server-43-1.6-x86_64-CHECKSUM` },
    unattended: 'kickstart',
  },
  {
    id: 'fedora-43-cloud-x86_64',
    name: 'Fedora Cloud 43 (cloud image)',
    osId: 'fedora',
    version: '43',
    arch: 'x86_64',
    kind: 'cloud-image',
    url: `${FEDORA}/Cloud/x86_64/images/Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2`,
    fileName: 'Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2',
    format: 'qcow2',
    sizeBytes: 580_000_000,
    verify: { algorithm: 'sha256', checksumUrl: `${FEDORA}/Cloud/x86_64/images/Fedora-Cloud-43-1.6-x86_64-CHECKSUM` },
  },
  {
    id: 'alpine-3.22-virt-x86_64',
    name: 'Alpine Linux 3.22 (virtual)',
    osId: 'alpinelinux',
    version: '3.22.2',
    arch: 'x86_64',
    kind: 'installer',
    url: `${ALPINE}/x86_64/alpine-virt-3.22.2-x86_64.iso`,
    fileName: 'alpine-virt-3.22.2-x86_64.iso',
    format: 'iso',
    sizeBytes: 65_000_000,
    verify: { algorithm: 'sha256', checksumUrl: `${ALPINE}/x86_64/alpine-virt-3.22.2-x86_64.iso.sha256` },
  },
  {
    id: 'alpine-3.22-virt-aarch64',
    name: 'Alpine Linux 3.22 (virtual, ARM64)',
    osId: 'alpinelinux-aarch64',
    version: '3.22.2',
    arch: 'aarch64',
    kind: 'installer',
    url: `${ALPINE}/aarch64/alpine-virt-3.22.2-aarch64.iso`,
    fileName: 'alpine-virt-3.22.2-aarch64.iso',
    format: 'iso',
    sizeBytes: 70_000_000,
    verify: { algorithm: 'sha256', checksumUrl: `${ALPINE}/aarch64/alpine-virt-3.22.2-aarch64.iso.sha256` },
  },
  {
    id: 'alpine-3.22-cloud-x86_64',
    name: 'Alpine Linux 3.22 (cloud image)',
    osId: 'alpinelinux',
    version: '3.22.2',
    arch: 'x86_64',
    kind: 'cloud-image',
    url: `${ALPINE}/cloud/nocloud_alpine-3.22.2-x86_64-bios-cloudinit-r0.qcow2`,
    fileName: 'nocloud_alpine-3.22.2-x86_64-bios-cloudinit-r0.qcow2',
    format: 'qcow2',
    sizeBytes: 160_000_000,
    verify: { algorithm: 'sha512', checksumUrl: `${ALPINE}/cloud/nocloud_alpine-3.22.2-x86_64-bios-cloudinit-r0.qcow2.sha512` },
  },
  {
    id: 'arch-latest-x86_64',
    name: 'Arch Linux (latest monthly ISO)',
    osId: 'archlinux',
    version: 'latest',
    arch: 'x86_64',
    kind: 'installer',
    url: `${ARCH}/iso/latest/archlinux-x86_64.iso`,
    fileName: 'archlinux-x86_64.iso',
    format: 'iso',
    sizeBytes: 1_400_000_000,
    verify: { algorithm: 'sha256', checksumUrl: `${ARCH}/iso/latest/sha256sums.txt` },
  },
  {
    id: 'arch-cloud-x86_64',
    name: 'Arch Linux (cloud image)',
    osId: 'archlinux',
    version: 'latest',
    arch: 'x86_64',
    kind: 'cloud-image',
    url: `${ARCH}/images/latest/Arch-Linux-x86_64-cloudimg.qcow2`,
    fileName: 'Arch-Linux-x86_64-cloudimg.qcow2',
    format: 'qcow2',
    sizeBytes: 550_000_000,
    verify: { algorithm: 'sha256', checksumUrl: `${ARCH}/images/latest/Arch-Linux-x86_64-cloudimg.qcow2.SHA256` },
  },
  {
    id: 'opensuse-leap-15.6-net-x86_64',
    name: 'openSUSE Leap 15.6 (network installer)',
    osId: 'opensuse15',
    version: '15.6',
    arch: 'x86_64',
    kind: 'installer',
    url: `${OPENSUSE}/distribution/leap/15.6/iso/openSUSE-Leap-15.6-NET-x86_64-Media.iso`,
    fileName: 'openSUSE-Leap-15.6-NET-x86_64-Media.iso',
    format: 'iso',
    sizeBytes: 250_000_000,
    verify: {
      algorithm: 'sha256',
      checksumUrl: `${OPENSUSE}/distribution/leap/15.6/iso/openSUSE-Leap-15.6-NET-x86_64-Media.iso.sha256`,
      signatureUrl: `${OPENSUSE}/distribution/leap/15.6/iso/openSUSE-Leap-15.6-NET-x86_64-Media.iso.sha256.asc`,
    },
  },
  {
    id: 'opensuse-leap-15.6-cloud-x86_64',
    name: 'openSUSE Leap 15.6 (Minimal VM, cloud image)',
    osId: 'opensuse15',
    version: '15.6',
    arch: 'x86_64',
    kind: 'cloud-image',
    url: `${OPENSUSE}/distribution/leap/15.6/appliances/openSUSE-Leap-15.6-Minimal-VM.x86_64-Cloud.qcow2`,
    fileName: 'openSUSE-Leap-15.6-Minimal-VM.x86_64-Cloud.qcow2',
    format: 'qcow2',
    sizeBytes: 270_000_000,
    verify: { algorithm: 'sha256', checksumUrl: `${OPENSUSE}/distribution/leap/15.6/appliances/openSUSE-Leap-15.6-Minimal-VM.x86_64-Cloud.qcow2.sha256` },
  },
  {
    id: 'opensuse-tumbleweed-net-x86_64',
    name: 'openSUSE Tumbleweed (network installer)',
    osId: 'opensusetumbleweed',
    version: 'rolling',
    arch: 'x86_64',
    kind: 'installer',
    url: `${OPENSUSE}/tumbleweed/iso/openSUSE-Tumbleweed-NET-x86_64-Current.iso`,
    fileName: 'openSUSE-Tumbleweed-NET-x86_64-Current.iso',
    format: 'iso',
    sizeBytes: 400_000_000,
    verify: {
      algorithm: 'sha256',
      checksumUrl: `${OPENSUSE}/tumbleweed/iso/openSUSE-Tumbleweed-NET-x86_64-Current.iso.sha256`,
      signatureUrl: `${OPENSUSE}/tumbleweed/iso/openSUSE-Tumbleweed-NET-x86_64-Current.iso.sha256.asc`,
    },
  },
  {
    id: 'freebsd-14.3-disc1-amd64',
    name: 'FreeBSD 14.3 (installer)',
    osId: 'freebsd',
    version: '14.3',
    arch: 'x86_64',
    kind: 'installer',
    url: `${FREEBSD}/amd64/amd64/ISO-IMAGES/14.3/FreeBSD-14.3-RELEASE-amd64-disc1.iso`,
    fileName: 'FreeBSD-14.3-RELEASE-amd64-disc1.iso',
    format: 'iso',
    sizeBytes: 1_300_000_000,
    // BSD-format lines: `SHA256 (FreeBSD-14.3-RELEASE-amd64-disc1.iso) = …`.
    verify: { algorithm: 'sha256', checksumUrl: `${FREEBSD}/amd64/amd64/ISO-IMAGES/14.3/CHECKSUM.SHA256-FreeBSD-14.3-RELEASE-amd64` },
  },
];

export function findDownloadEntry(id: string): DownloadCatalogEntry | undefined {
  return DOWNLOAD_CATALOG.find((e) => e.id === id);
}
