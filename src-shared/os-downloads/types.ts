import type { Architecture } from '../vm-document/schema.js';

/** An installer ISO the user boots, or a ready-made cloud disk image that cloud-init configures at first boot. */
/** A catalog entry's id: kebab-case, as `hangar download ID` and the wizard name it. */
export const DOWNLOAD_ID_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export const DOWNLOAD_KINDS = ['installer', 'cloud-image'] as const;
export type DownloadKind = (typeof DOWNLOAD_KINDS)[number];

/** How an installer can be answered without a human (templates in src-main/engine/unattended/, one per family). */
export const UNATTENDED_METHODS = ['preseed', 'autoinstall', 'kickstart', 'autounattend'] as const;
export type UnattendedMethod = (typeof UNATTENDED_METHODS)[number];

export const CHECKSUM_ALGORITHMS = ['sha256', 'sha512'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** How a download is verified: the distribution's own checksum list (and its signature where one is published). */
export interface DownloadVerification {
  algorithm: ChecksumAlgorithm;
  /** The distribution's checksum file (SHA256SUMS, CHECKSUM, …) listing `fileName`. */
  checksumUrl: string;
  /** A detached OpenPGP signature of the checksum file, where the distribution publishes one. */
  signatureUrl?: string;
  /** The signing key's fingerprint, as the distribution publishes it. */
  signingKey?: string;
}

/** One entry of the built-in catalog of OS downloads (`hangar os list`, the wizard's Download… dialog). */
export interface DownloadCatalogEntry {
  /** Stable, kebab-case: `debian-12-cloud-amd64`. What `hangar download ID` and `--cloud-image ID` take. */
  id: string;
  /** Shown to users: "Debian 12 (cloud image)". */
  name: string;
  /** The OS catalog's id (src-shared/os-catalog): picks the machine's recommended settings. */
  osId: string;
  version: string;
  arch: Architecture;
  kind: DownloadKind;
  /** The official URL of the file. Tests and mirrors rewrite its origin (never its path). */
  url: string;
  /** The file's name in the checksum list and in the Installation media folder. */
  fileName: string;
  format: 'iso' | 'qcow2' | 'raw';
  /** Approximate size in bytes, for the dialog and the free-space check before the first byte. */
  sizeBytes: number;
  verify: DownloadVerification;
  /** Installer ISOs only: how Hangar answers the installer when asked to install automatically. */
  unattended?: UnattendedMethod;
}
