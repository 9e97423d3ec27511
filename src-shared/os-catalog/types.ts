import type { Architecture, DISPLAY_DEVICES, DiskBus, NIC_MODELS, POINTER_DEVICES } from '../vm-document/schema.js';

export const OS_FAMILIES = ['linux', 'windows', 'bsd', 'other'] as const;
export type OsFamily = (typeof OS_FAMILIES)[number];

export type NicModel = (typeof NIC_MODELS)[number];
export type DisplayDevice = (typeof DISPLAY_DEVICES)[number];
export type PointerDevice = (typeof POINTER_DEVICES)[number];

/** What Hangar suggests for a new machine running an OS. The wizard and `vm.create` start from this. */
export interface OsRecommendation {
  memoryMiB: number;
  /** Size of a new disk; the wizard's default. */
  diskGiB: number;
  cpus: number;
  firmware: 'bios' | 'uefi';
  /** Only meaningful with UEFI. */
  secureBoot: boolean;
  /** A virtual TPM 2.0 (needs swtpm on the host). */
  tpm: boolean;
  /** virtio for guests with drivers in the installer; sata for Windows without virtio-win. */
  diskBus: DiskBus;
  nicModel: NicModel;
  display: DisplayDevice;
  pointer: PointerDevice;
  /** The QEMU guest agent channel: on for guests whose distributions ship qemu-ga. */
  guestAgent: boolean;
  /** How shared folders reach the guest: virtio-9p (Linux has the driver) or SMB through user networking (Windows). */
  shareMethod: ShareMethod;
}

export const SHARE_METHODS = ['9p', 'smb'] as const;
export type ShareMethod = (typeof SHARE_METHODS)[number];

/**
 * One way to recognise an OS from an ISO's Primary Volume Descriptor. Every pattern given must match
 * (unanchored unless the pattern anchors itself, like libosinfo); `confidence` is what a match is worth.
 */
export interface IsoMatcher {
  volumeId: RegExp;
  systemId?: RegExp;
  publisherId?: RegExp;
  applicationId?: RegExp;
  /** 0..1. Version-specific labels ~0.9; family-wide labels ~0.7; labels shared by several OSes ≤ 0.6. */
  confidence: number;
  /** Shown instead of the entry's name when the label cannot tell versions apart ("Windows 10 or 11"). */
  name?: string;
  /** Other catalog ids the same label is used by (e.g. Windows 10 for a Windows 11 label). */
  alternatives?: ReadonlyArray<string>;
}

export interface OsCatalogEntry {
  /** Stored as the document's `osId`. libosinfo short-ids where one exists (debian12, win11...). */
  id: string;
  name: string;
  family: OsFamily;
  /** Groups entries in the wizard's OS list ("Debian", "Ubuntu", "Windows"...). */
  vendor: string;
  /** The guest architecture this installer is built for; absent: x86_64 (a PC). Choosing the OS chooses the arch. */
  arch?: Architecture;
  recommended: OsRecommendation;
  matchers: ReadonlyArray<IsoMatcher>;
}

/** The identifiers of an ISO 9660 Primary Volume Descriptor, trimmed. */
export interface IsoIdentity {
  volumeId: string;
  systemId?: string;
  publisherId?: string;
  applicationId?: string;
}

export interface OsDetection {
  osId: string;
  name: string;
  family: OsFamily;
  /** 0..1; see {@link IsoMatcher.confidence}. */
  confidence: number;
  /** `catalog`: Hangar's built-in list; `osinfo`: the host's osinfo-db. */
  source: 'catalog' | 'osinfo';
  /** The architecture the catalog entry is for (absent: x86_64, or not known from osinfo-db). */
  arch?: Architecture;
  /** Other OS ids the same label fits; the wizard can offer them. */
  alternatives?: ReadonlyArray<string>;
}
