import { z } from 'zod';
import { FIRMWARE_TYPES, ARCHITECTURES, DISK_BUSES, DISK_FORMATS, FORWARD_PROTOCOLS, NIC_MODELS, DISPLAY_DEVICES, IPV4, USB_PORT, vmNameSchema, type Architecture, type PortForward, type VmDocument } from '../vm-document/schema.js';
import type { OsDetection, OsRecommendation } from '../os-catalog/types.js';
import type { DownloadCatalogEntry } from '../os-downloads/types.js';
import type { VmRunState } from '../vm-state.js';
import type { GuestAgentInfo } from './guest-agent.js';
import type { UsbAttachment, UsbHostDevice } from './usb.js';
import { MAX_TAG_LENGTH, MAX_TAGS } from './tag-limits.js';
import { connectionNameSchema, connectionUriSchema, poolNameSchema, volumeNameSchema, type ConnectionInfo } from './connections.js';
import { DROP_CHUNK_BYTES } from '../shares/drop-name.js';
import { CLOUD_MAX_KEY_LENGTH, CLOUD_MAX_KEYS, CLOUD_MAX_PASSWORD_LENGTH, CLOUD_MAX_USER_DATA } from '../cloud-init/cloud-init-rules.js';
import { unattendedAnswersSchema } from '../unattended/answers.js';

/** A VM reference: its id, an id prefix (≥ 4 characters) or its exact name. */
const vmRef = z.string().min(1).max(1000);
/** A snapshot reference: its id, an id prefix (≥ 4 characters) or its exact name. */
const snapshotRef = z.string().min(1).max(1000);
const snapshotName = z.string().trim().min(1).max(200);
/** What `vm.logs` reads: QEMU's own output, the serial console, or the QMP events of the (last) session. */
export const VM_LOG_KINDS = ['qemu', 'serial', 'events'] as const;
export type VmLogKind = (typeof VM_LOG_KINDS)[number];
/** `vm.logs` never returns more than this (4 MiB); the default is 256 KiB. */
export const MAX_LOG_BYTES = 4 * 1024 * 1024;
/** Limits of a VM's tags (defined in tag-limits.ts, which has no zod, for the renderer's entry). */
export { MAX_TAG_LENGTH, MAX_TAGS };
/** A tag: trimmed, 1–40 characters, no control characters. */
const tagSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_TAG_LENGTH)
  .refine((t) => !/[\u0000-\u001f\u007f-\u009f]/.test(t), 'must not contain control characters');
/** A disk's device id (`disk0`). */
const diskRef = z.string().min(1).max(31);
/** A host USB device by its ids, as lsusb prints them (`046d:c52b`): never anything QEMU's option parser would split. */
const usbVendorProduct = z.string().regex(/^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/, 'must be VENDOR:PRODUCT, 4 hex digits each, like 046d:c52b');
/** A rule's device: VENDOR:PRODUCT, or a physical port as sysfs names it (`1-2.3`). */
const usbRuleSpec = z
  .string()
  .max(64)
  .refine((v) => /^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/.test(v) || USB_PORT.test(v), 'must be VENDOR:PRODUCT (4 hex digits each, like 046d:c52b) or a USB port like 1-2.3');
/** A job id: chosen by the engine, or by the client (to cancel a job it started before the reply). */
const jobIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be letters, digits or "-" (max 64)');

/**
 * vm.update's patch as it arrived, keys and all: a record would drop a `__proto__` key without a word, and the
 * patch's own check (`parseVmPatch`) should name it like any other unknown field.
 */
const patchObject = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be an object of VM document fields');

/** What `vm.create` and `vm.previewArgv` take: the same object, so the preview is of exactly what would be created. */
const vmCreateArgs = z.strictObject({
  name: vmNameSchema,
  iso: z.string().min(1).optional(),
  diskSizeGiB: z.number().positive().max(64 * 1024).optional(),
  existingDisk: z.string().min(1).optional(),
  /** With existingDisk: `use` it in place (default), `copy` it into the bundle (same format), or `convert` it to qcow2 in the bundle (copy/convert: `vm.job` progress, `job.cancel` with `jobId`). */
  existingDiskMode: z.enum(['use', 'copy', 'convert']).optional(),
  jobId: jobIdSchema.optional(),
  memoryMiB: z.number().max(16 * 1024 * 1024).int().min(16).optional(),
  cpus: z.number().int().min(1).max(1024).optional(),
  osId: z.string().min(1).max(100).optional(),
  firmware: z.enum(FIRMWARE_TYPES).optional(),
  arch: z.enum(ARCHITECTURES).optional(),
  /** Device choices; when absent, the OS catalog's recommendation for `osId` (x86_64) applies, then Hangar's defaults. */
  secureBoot: z.boolean().optional(),
  tpm: z.boolean().optional(),
  diskBus: z.enum(DISK_BUSES).optional(),
  nicModel: z.enum(NIC_MODELS).optional(),
  display: z.enum(DISPLAY_DEVICES).optional(),
  /** An existing folder (absolute) to create the machine's `<slug>-<id>.hangar` folder in, instead of the library folder; the library still lists it. */
  folder: z.string().min(1).max(4096).optional(),
  /**
   * A cloud image (qcow2 or raw, absolute path) the new disk is a qcow2 overlay on; `diskSizeGiB` grows the
   * overlay (never below the image's size). The machine gets a NoCloud seed (`cidata` CD) from `cloudInit`.
   */
  cloudImage: z.string().min(1).max(4096).optional(),
  /** The seed's values (only with cloudImage); the engine checks each (cloud-init-rules.ts), hashes the password and stores only the hash. */
  cloudInit: z
    .strictObject({
      user: z.string().min(1).max(32).optional(),
      password: z.string().min(1).max(CLOUD_MAX_PASSWORD_LENGTH).optional(),
      sshKeys: z.array(z.string().min(1).max(CLOUD_MAX_KEY_LENGTH)).max(CLOUD_MAX_KEYS).optional(),
      hostname: z.string().min(1).max(253).optional(),
      userData: z.string().min(1).max(CLOUD_MAX_USER_DATA).optional(),
    })
    .optional(),
  /** Install the OS from `iso` without questions (#18): needs `iso` and `diskSizeGiB`; the answers go into the installer's answer file. */
  unattended: unattendedAnswersSchema.optional(),
});

/** One entry per command: the argument schema (checked at the engine's edge) and the result type. */
export const commandArgs = {
  'engine.hello': z.strictObject({ client: z.string().max(100) }),
  /** `refresh`: probe again (after installing QEMU or firmware); otherwise a successful probe is reused. */
  'host.info': z.strictObject({ refresh: z.boolean().optional() }),
  'library.list': z.strictObject({}),
  'vm.create': vmCreateArgs,
  /** The QEMU command line `vm.create` with these arguments would give, built in memory: nothing is written, no process started. */
  'vm.previewArgv': vmCreateArgs,
  'vm.get': z.strictObject({ vm: vmRef }),
  /**
   * `patch`: top-level document fields, each replacing the field whole (what the settings dialog and `hangar set` send).
   * Only its being an object is checked here: the handler checks it with the document schema's partial (`parseVmPatch`),
   * so a bad field is an `invalid-document` error named like the document's own.
   */
  'vm.update': z.strictObject({ vm: vmRef, patch: patchObject }),
  'vm.rename': z.strictObject({ vm: vmRef, name: vmNameSchema }),
  'vm.delete': z.strictObject({ vm: vmRef, files: z.boolean() }),
  /**
   * Stopped VM: a new VM with its settings (new id, name, MAC; no snapshots, forwards or tags). Full: copies every disk
   * (`vm.job` progress on the source, `job.cancel`). Linked: qcow2 overlays; the source's disks become a shared read-only base.
   */
  'vm.clone': z.strictObject({ vm: vmRef, name: vmNameSchema, linked: z.boolean().optional(), jobId: jobIdSchema.optional() }),
  /** Replaces a VM's tags (kept in the library index, not in vm.json); duplicates are dropped. */
  'vm.tags.set': z.strictObject({ vm: vmRef, tags: z.array(tagSchema).max(MAX_TAGS) }),
  /** A bundle with extra QEMU arguments or files outside its folder is refused ('needs-confirmation', details.risks) unless acceptRisks. */
  'vm.addExisting': z.strictObject({ path: z.string().min(1), acceptRisks: z.boolean().optional() }),
  'vm.argv': z.strictObject({ vm: vmRef }),
  /** `disposable`: start without saving changes (every disk write is thrown away at power-off). */
  'vm.start': z.strictObject({ vm: vmRef, disposable: z.boolean().optional() }),
  /** Saves the machine state (RAM, devices, disks) and ends QEMU; the next vm.start resumes it. */
  'vm.saveState': z.strictObject({ vm: vmRef }),
  /** Drops a saved state: the machine is powered off again. */
  'vm.discardState': z.strictObject({ vm: vmRef }),
  'vm.pause': z.strictObject({ vm: vmRef }),
  'vm.resume': z.strictObject({ vm: vmRef }),
  'vm.reset': z.strictObject({ vm: vmRef }),
  /** ACPI power button; resolves once the guest has stopped or the timeout passed (then `timedOut`). */
  /** `via`: `agent` asks the guest agent at once; by default the ACPI button, then the agent if the guest ignored it. */
  'vm.shutdown': z.strictObject({ vm: vmRef, timeoutMs: z.number().int().positive().max(3_600_000).optional(), via: z.enum(['acpi', 'agent']).optional() }),
  'vm.forceOff': z.strictObject({ vm: vmRef }),
  'vm.screenshot': z.strictObject({ vm: vmRef }),
  'vm.sendKey': z.strictObject({ vm: vmRef, combo: z.string().min(1).max(200) }),
  'vm.typeText': z.strictObject({ vm: vmRef, text: z.string().max(100_000) }),
  /** Subscribe this client to the VM's serial output (`vm.serial` events); returns the log so far. */
  'vm.console.attach': z.strictObject({ vm: vmRef, tailBytes: z.number().int().min(0).max(16 * 1024 * 1024).optional() }),
  'vm.console.detach': z.strictObject({ vm: vmRef }),
  'vm.console.write': z.strictObject({ vm: vmRef, data: z.string().max(1_000_000) }),
  /** The tail of a VM's QEMU log (logs/qemu.log), serial log (logs/serial.log) or recent QMP events; at most `maxBytes` (default 256 KiB). */
  'vm.logs': z.strictObject({ vm: vmRef, kind: z.enum(VM_LOG_KINDS), maxBytes: z.number().int().min(1).max(MAX_LOG_BYTES).optional() }),
  /** The folders the in-app file browser may show: the home folder, the library, each `--allow-dir` of `hangar serve`. */
  'fs.roots': z.strictObject({}),
  /** One folder's entries; refused (after resolving symlinks) unless it lies inside one of the roots. */
  'fs.list': z.strictObject({ dir: z.string().min(1).max(4096) }),
  /**
   * The unix socket of a running VM's display (raw RFB). For the browser host's own use: `hangar serve`
   * relays it to `/display?vm=…` and refuses this command from browsers, so pages never see host paths.
   */
  'vm.displaySocket': z.strictObject({ vm: vmRef }),
  /**
   * Live thumbnails: while this client's subscription lasts, running VMs' screens come as `vm.thumbnail`
   * events, looked at every `intervalMs` and sent when they changed (a VM newly in `vms` gets its latest at
   * once). Renew within `leaseMs` (call again, with the VMs now in view); unsubscribe when hidden.
   */
  'vm.thumbnails.subscribe': z.strictObject({
    /** The VMs (ids) in view, e.g. the library's visible rows: only their screens are captured. Absent: every running VM. */
    vms: z.array(z.string().min(1).max(100)).max(2000).optional(),
  }),
  'vm.thumbnails.unsubscribe': z.strictObject({}),
  /** The newest thumbnail of a VM: live while it runs, else the one kept in its bundle (thumbs/last.png); null if none. */
  'vm.thumbnail': z.strictObject({ vm: vmRef }),
  /** Reads an ISO's volume label and El Torito boot modes (a few sectors) and recognises the OS on it. */
  'iso.inspect': z.strictObject({ path: z.string().min(1).max(4096) }),
  /**
   * Puts an ISO into a CD drive (default: the first). Running: QMP blockdev-change-medium, live; stopped: a
   * document patch. `force` (default true) opens a tray the guest has locked; false asks the guest instead.
   */
  'media.insert': z.strictObject({ vm: vmRef, drive: z.string().min(1).max(31).optional(), path: z.string().min(1).max(4096), force: z.boolean().optional() }),
  /** Empties a CD drive (default: the first), live or in the document. */
  'media.eject': z.strictObject({ vm: vmRef, drive: z.string().min(1).max(31).optional(), force: z.boolean().optional() }),
  /** ISOs used lately (inserted or given to vm.create), most recent first; files that are gone are left out. */
  'media.recent': z.strictObject({}),
  /** ISO images in a libvirt connection's active storage pools (paths on that host), for its wizard; this computer has none. */
  'media.poolIsos': z.strictObject({}),
  /**
   * Uploads an ISO of this computer into a libvirt connection's storage pool (`default` unless `pool`), as the volume
   * `name` (default: the file's name; an existing volume is never overwritten): a job with `vm.job` events of kind
   * `pool-upload` (the job id as their vmId) with percent and speed; `job.cancel` (on the same connection) stops it and
   * deletes the half-written volume. Only on a connection.
   */
  'pool.upload': z.strictObject({ path: z.string().min(1).max(4096), pool: poolNameSchema.optional(), name: volumeNameSchema.optional(), jobId: jobIdSchema.optional() }),
  /** "Remove installation medium": ejects the installer ISO and makes the disk boot first; the install is then done. */
  'install.finish': z.strictObject({ vm: vmRef }),
  /** The snapshot tree, reconciled with what the qcow2 images hold (orphans adopted, missing ones flagged). */
  'snapshot.list': z.strictObject({ vm: vmRef }),
  /** Running VM: with RAM by default (`withRam: false` = crash-consistent disks only); stopped VM: disks only. */
  'snapshot.take': z.strictObject({ vm: vmRef, name: snapshotName, description: z.string().max(10_000).optional(), withRam: z.boolean().optional() }),
  'snapshot.restore': z.strictObject({ vm: vmRef, snapshot: snapshotRef }),
  /** Any node; its children move to its parent. */
  'snapshot.delete': z.strictObject({ vm: vmRef, snapshot: snapshotRef }),
  /** Metadata only: a new name and/or description. */
  'snapshot.rename': z.strictObject({ vm: vmRef, snapshot: snapshotRef, name: snapshotName.optional(), description: z.string().max(10_000).optional() }),
  /** The screenshot kept with a snapshot (taken while running; offline snapshots have none). */
  'snapshot.thumbnail': z.strictObject({ vm: vmRef, snapshot: snapshotRef }),
  /** Stopped VM: a new qcow2 (`sizeGiB`) in the bundle's disks/, or an existing image (`path`, format detected unless given). */
  'disk.add': z.strictObject({
    vm: vmRef,
    sizeGiB: z.number().positive().max(64 * 1024).optional(),
    path: z.string().min(1).max(4096).optional(),
    format: z.enum(DISK_FORMATS).optional(),
    bus: z.enum(DISK_BUSES).optional(),
  }),
  /** Stopped VM: detaches a disk; `deleteFile` also deletes its image (only files inside the bundle). */
  'disk.remove': z.strictObject({ vm: vmRef, disk: diskRef, deleteFile: z.boolean().optional() }),
  /** Stopped VM: grows a disk to `sizeGiB` (shrinking is refused). */
  'disk.resize': z.strictObject({ vm: vmRef, disk: diskRef, sizeGiB: z.number().positive().max(64 * 1024) }),
  /** Stopped VM: converts a disk to qcow2 in the bundle (`vm.job` progress; `job.cancel` with `jobId`); `deleteOld` removes the old file (inside the bundle only). */
  'disk.convert': z.strictObject({ vm: vmRef, disk: diskRef, deleteOld: z.boolean().optional(), jobId: jobIdSchema.optional() }),
  /** Stopped VM: rewrites a qcow2 disk without its unused space (temp file, then atomic rename; `vm.job` progress). */
  'disk.compact': z.strictObject({ vm: vmRef, disk: diskRef, jobId: jobIdSchema.optional() }),
  /** Virtual and actual size, format and backing chain (also while the VM runs). */
  'disk.info': z.strictObject({ vm: vmRef, disk: diskRef }),
  /** Cancels a running disk or archive job (convert, compact, export, import) by the id its `vm.job` events carry. */
  'job.cancel': z.strictObject({ jobId: jobIdSchema }),
  /**
   * Stopped VM: writes its bundle as one archive (`.tar.gz`/`.tgz` gzip-compressed, `.tar` plain) at `path`
   * (temp file beside it, renamed at the end; `vm.job` progress, `job.cancel`). Refuses disks outside the bundle.
   */
  'vm.export': z.strictObject({ vm: vmRef, path: z.string().min(1).max(4096), overwrite: z.boolean().optional(), jobId: jobIdSchema.optional() }),
  /** Checks an archive made by vm.export and adds its VM to the library (a new id if its id is taken); `name` renames it. */
  'vm.import': z.strictObject({ path: z.string().min(1).max(4096), name: vmNameSchema.optional(), jobId: jobIdSchema.optional() }),
  /**
   * Live CPU and memory use of running VMs' QEMU processes: `vm.stats` events every `intervalMs` while this
   * client's subscription lasts. Renew within `leaseMs` (call again); unsubscribe when hidden.
   */
  'vm.stats.subscribe': z.strictObject({}),
  'vm.stats.unsubscribe': z.strictObject({}),
  /** The port-forward table of a user-mode (NAT) network. */
  'forward.list': z.strictObject({ vm: vmRef }),
  /** Adds a forward (host port → guest port), live too while the VM runs; conflicts are refused naming the port. */
  'forward.add': z.strictObject({
    vm: vmRef,
    protocol: z.enum(FORWARD_PROTOCOLS),
    hostPort: z.number().int().min(1).max(65535),
    guestPort: z.number().int().min(1).max(65535),
    hostAddress: z.string().regex(IPV4, 'must be an IPv4 address').optional(),
  }),
  /** Removes a forward, live too while the VM runs. */
  'forward.remove': z.strictObject({ vm: vmRef, protocol: z.enum(FORWARD_PROTOCOLS), hostPort: z.number().int().min(1).max(65535) }),
  /** libvirt connections (docs/libvirt.md), kept in the library's connections.json: names and URIs, never passwords. */
  'connection.list': z.strictObject({}),
  'connection.add': z.strictObject({ name: connectionNameSchema, uri: connectionUriSchema }),
  'connection.remove': z.strictObject({ name: connectionNameSchema }),
  'connection.rename': z.strictObject({ name: connectionNameSchema, newName: connectionNameSchema }),
  /**
   * Reaches the host now (libvirt's version, or the failure in plain words with its fix): a saved connection by
   * `name`, or a `uri` not saved yet (the Add dialog's Test; nothing is stored, no event child is left running).
   */
  'connection.test': z
    .strictObject({ name: connectionNameSchema.optional(), uri: connectionUriSchema.optional() })
    .refine((a) => (a.name === undefined) !== (a.uri === undefined), 'give either name or uri'),
  /** The host's USB devices (sysfs), named from usb.ids, each with whether this user may pass it through and the fix. */
  'usb.host.list': z.strictObject({}),
  /** A machine's USB sticks and host devices: saved ones (document) and, while it runs, what is plugged in. */
  'usb.list': z.strictObject({ vm: vmRef }),
  /**
   * A disk image as a USB stick (`image`, optionally read-only: saved, and plugged in now while running), or a host
   * device (`device` VENDOR:PRODUCT: plugged in now while running, until it stops; on a stopped machine saved as a rule).
   */
  'usb.attach': z
    .strictObject({ vm: vmRef, image: z.string().min(1).max(4096).optional(), readOnly: z.boolean().optional(), device: usbVendorProduct.optional() })
    .refine((a) => (a.image === undefined) !== (a.device === undefined), 'give either image or device')
    .refine((a) => a.readOnly === undefined || a.image !== undefined, { message: 'readOnly is for images only', path: ['readOnly'] }),
  /** Unplugs a USB device by its id (`usb0`, `host-046d-c52b`) and forgets it (a stick or a rule leaves the document). */
  'usb.detach': z.strictObject({ vm: vmRef, id: z.string().min(1).max(64) }),
  /** A host device the machine takes at every start and whenever it is plugged in while running: VENDOR:PRODUCT or a port (1-2.3). */
  'usb.rule.add': z.strictObject({ vm: vmRef, device: usbRuleSpec }),
  'usb.rule.remove': z.strictObject({ vm: vmRef, device: usbRuleSpec }),
  /**
   * A file dropped on the display, copied into the running guest by its guest agent: `begin` names it (sanitised in
   * the guest's Downloads or /tmp; refused over 1 GiB before any byte moves), then `chunk`s in order (base64, at most
   * 256 KiB each), then `end`. A `vm.job` (kind file-drop) tells the progress; `cancel` removes the partial file.
   */
  'file.drop.begin': z.strictObject({ vm: vmRef, name: z.string().min(1).max(1000), size: z.number().int().min(0) }),
  'file.drop.chunk': z.strictObject({ dropId: z.string().regex(/^drop-[a-z0-9-]{1,40}$/), offset: z.number().int().min(0), data: z.string().max(Math.ceil(DROP_CHUNK_BYTES / 3) * 4).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64') }),
  'file.drop.end': z.strictObject({ dropId: z.string().regex(/^drop-[a-z0-9-]{1,40}$/) }),
  'file.drop.cancel': z.strictObject({ dropId: z.string().regex(/^drop-[a-z0-9-]{1,40}$/) }),
  /** The OS download catalog in use: the built-in copy, or a fetched update that passed the same checks. */
  'download.catalog': z.strictObject({}),
  /**
   * Downloads a catalog entry (by id) or a URL (https; http only with `sha256`) into the Installation media folder or
   * `to` (an absolute folder), resumably; `vm.job` events of kind `download` (the job id as their vmId) tell progress
   * and speed; `job.cancel` drops the partial file, `download.pause` keeps it for the next request. Resolves with the
   * verified file; a checksum mismatch deletes it and fails.
   */
  'download.start': z.strictObject({
    source: z.string().min(1).max(2000),
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits').optional(),
    to: z.string().min(1).max(4096).optional(),
    jobId: jobIdSchema.optional(),
  }),
  'download.pause': z.strictObject({ jobId: jobIdSchema }),
  /** Carries on a paused download under the same job id, from its part file; resolves like `download.start`. */
  'download.resume': z.strictObject({ jobId: jobIdSchema }),
  /** Fetches a catalog update (through the mirror preference, if any); the built-in copy stays in use when it fails. */
  'download.updateCatalog': z.strictObject({}),
  /** The Installation media folder: its path, files and total size. */
  'download.folder': z.strictObject({}),
  /** Deletes the Installation media folder's files (not those of a download under way). */
  'download.clean': z.strictObject({}),
} as const;

export type CommandName = keyof typeof commandArgs;
export type CommandArgs<K extends CommandName> = z.infer<(typeof commandArgs)[K]>;

export interface VmSummary {
  id: string;
  name: string;
  osId: string;
  bundleDir: string;
  state: VmRunState;
  /** Set when the bundle could not be loaded; the VM is then listed but cannot run. */
  error?: string;
  /** The OS install flow: `installing` while the VM boots its installer ISO onto a new disk (absent: no install). */
  install?: InstallPhase;
  /** The VM's tags in this library (from library.json, not vm.json); the engine always sends them (absent: none). */
  tags?: string[];
  /** Set for a machine on a libvirt connection (its name); absent: This computer. */
  connection?: string;
  /** On a libvirt connection: a domain Hangar did not write (it runs; its settings are read-only in Hangar). */
  foreign?: boolean;
}

/** Where a VM is in the install flow (see src-main/engine/install). */
export type InstallPhase = 'installing' | 'installed';

/** An ISO volume in a libvirt storage pool (a path on the connection's host). */
export interface PoolIso {
  pool: string;
  name: string;
  /** Absolute, on the connection's host. */
  path: string;
  sizeBytes: number;
}

export interface RecentIso {
  /** Absolute. */
  path: string;
  name: string;
  sizeBytes: number;
  /** ISO timestamp of the last use. */
  usedAt: string;
}

export interface MediaResult {
  drive: string;
  /** The medium now in the drive (null: empty). */
  path: string | null;
  /** True when the VM was running and the change was made live (it is saved to the document as well). */
  live: boolean;
  trayOpen: boolean;
}

export interface HostSummary {
  qemuVersion: string | null;
  qemuBinary: string | null;
  accelerators: string[];
  kvm: { usable: boolean; reason: string };
  uefiAvailable: boolean;
  /** `swtpm` (the software TPM a VM with `firmware.tpm` needs) was found by the engine's host probe. */
  swtpmAvailable: boolean;
  /** Set when QEMU is missing: what to run to install it. */
  installHint?: string;
  /** Set when QEMU is there but no UEFI firmware (OVMF) is: what to run to install the firmware. */
  firmwareInstallHint?: string;
  hostMemoryMiB: number;
  hostCpus: number;
  libraryDir: string;
  /**
   * What each QEMU binary offers, by target arch: machine types (`-machine help`) and CPU models (`-cpu help`),
   * for the settings' choices. Absent when QEMU is missing.
   */
  emulators?: Record<string, HostEmulatorChoices>;
  /** Every guest architecture Hangar knows, whether this host can run it, and how (or what to install). */
  architectures?: ArchSupport[];
  /**
   * Where a VM's sound card plays on this host: QEMU's `-audiodev` backend (`pa`, `pipewire`, `alsa`, `coreaudio`,
   * `dsound`, or `none`), what keeps it from the host's sound server and what to install. The display also streams
   * the sound over VNC, whatever the backend.
   */
  audio?: { backend: string; label: string; missing: string | null; install: string | null };
}

export interface HostEmulatorChoices {
  machines: Array<{ name: string; description: string; aliasOf: string | null; isDefault: boolean }>;
  cpuModels: Array<{ name: string; description: string }>;
}

export interface ArchSupport {
  arch: string;
  /** The emulator binary and the firmware this arch boots with were both found. */
  usable: boolean;
  /** For people: "hardware-accelerated (KVM)", "emulated on this x86_64 host: slow", or what is missing. */
  note: string;
  /** When not usable: the command that installs what is missing. */
  installHint?: string;
}

export interface FsRoot {
  /** Absolute, symlinks resolved. */
  path: string;
  /** What the root is, for people: "Home", "Library", or an allowed folder's own path. */
  label: string;
}

export interface FsEntry {
  name: string;
  /** Symlinks are followed: a link to a folder is a 'dir'; a dangling one, or one leading outside the roots, is 'other'. */
  kind: 'dir' | 'file' | 'other';
  /** Bytes (0 for folders). */
  size: number;
}

export interface IsoInspection {
  /** Absolute. */
  path: string;
  /** From the Primary Volume Descriptor, trailing spaces removed. */
  volumeId: string;
  systemId: string;
  publisherId: string;
  applicationId: string;
  /** Bootable El Torito entries for x86 BIOS (platform 0) and UEFI (platform 0xEF). */
  bootable: { bios: boolean; uefi: boolean };
  /** The OS recognised from the label (Hangar's catalog, then the host's osinfo-db), or null. */
  detected: OsDetection | null;
  /** Settings to start from: the OS's, else "Other", fitted to the image's boot modes. */
  recommended: OsRecommendation;
  /** The guest architecture the image is for, when its OS entry, its label or its boot catalog tells (os-catalog/detect-arch.ts). */
  arch?: Architecture;
  /** E.g. "no El Torito boot record", a damaged boot catalog. */
  warnings: string[];
}

/** One node of a VM's snapshot tree. */
export interface SnapshotNodeInfo {
  id: string;
  /** The tag inside the qcow2 images (never the user's name). */
  tag: string;
  name: string;
  description: string;
  /** ISO 8601. */
  createdAt: string;
  parentId: string | null;
  withRam: boolean;
  vmStateSize?: number;
  /** Bundle-relative PNG (`thumbs/snap-<id>.png`), or null (offline snapshots have none). */
  thumbnail: string | null;
  /** Format node names / images the snapshot covers (`disk0`, `pflash1` for the UEFI vars). */
  devices: string[];
  /** Metadata whose tag is absent from (some of) the images: cannot be restored. */
  missing?: boolean;
  missingIn?: string[];
  /** Found in the images without Hangar metadata, adopted with parent null and the tag as its name. */
  orphan?: boolean;
}

export interface SnapshotTree {
  snapshots: SnapshotNodeInfo[];
  /** The snapshot the current state descends from (parent of the next one); null before any. */
  currentId: string | null;
  /** Tag of a with-RAM snapshot restored while stopped: loaded on the next start. */
  pendingRamRestore: string | null;
}

/** One image of a disk's backing chain (top first). Sizes in bytes. */
export interface DiskImageInfo {
  filename: string;
  format: string;
  virtualSize: number;
  /** Bytes used on the host (absent when qemu-img cannot tell). */
  actualSize: number | null;
}

export interface DiskInfo extends DiskImageInfo {
  disk: string;
  /** The image itself first, then each backing file below it. */
  backingChain: DiskImageInfo[];
}

/** One QMP event a VM's session received (the session keeps a bounded ring of them). */
export interface QmpEventRecord {
  /** ISO 8601, from QEMU's own timestamp when it has one. */
  at: string;
  event: string;
  data: Record<string, unknown>;
}

export interface VmLogs {
  kind: VmLogKind;
  /** The tail, starting at a line boundary when cut (for `events`: one line per event, oldest first). */
  text: string;
  /** True when older content was left out to stay within `maxBytes`. */
  truncated: boolean;
  /** Present for `events`: the same events, structured. */
  events?: QmpEventRecord[];
}

/** What this connection may change where that is narrower than the engine's own rules (the browser host's relay sets it; absent: no limits). */
export interface ClientPolicy {
  /** `editable: false`: extra QEMU arguments are read-only here (`vm.update` and `vm.addExisting` refuse them with `not-allowed`); `reason` is for people. */
  extraArgs: { editable: boolean; reason?: string };
}

export interface CommandResults {
  'engine.hello': { engineVersion: string; pid: number; libraryDir: string; policy?: ClientPolicy };
  'host.info': HostSummary;
  'library.list': VmSummary[];
  'vm.create': { id: string; doc: VmDocument; bundleDir: string };
  /** `accelerator` is set while the VM runs (what QEMU actually uses: `query-kvm`). */
  /** `tags`: the VM's tags in this library (library.json), as library.list gives them. */
  /** `guestAgent`: what the guest agent told while the VM runs with the agent channel. `foreign`: a libvirt domain Hangar did not write (its settings are read-only here); `domainXml` on libvirt connections. */
  'vm.get': { doc: VmDocument; state: VmRunState; bundleDir: string; tags?: string[]; accelerator?: 'kvm' | 'tcg'; guestAgent?: GuestAgentInfo; connection?: string; foreign?: boolean; domainXml?: string };
  'vm.update': { doc: VmDocument };
  'vm.rename': { doc: VmDocument; bundleDir: string };
  'vm.delete': { id: string };
  /** `source`: the source's document (a linked clone moved its disks onto overlays); snapshots are never copied. */
  'vm.clone': { id: string; doc: VmDocument; bundleDir: string; jobId: string; linked: boolean; snapshotsCopied: false; source: VmDocument };
  'vm.tags.set': { tags: string[] };
  'vm.addExisting': { id: string; doc: VmDocument };
  'vm.argv': { argv: string[] };
  /** The binary first, as `vm.argv`; paths are those the machine would get (its id, and so its folder name, MAC and uuid, are chosen anew at creation). */
  'vm.previewArgv': { argv: string[] };
  'vm.start': { state: VmRunState };
  'vm.pause': { state: VmRunState };
  'vm.resume': { state: VmRunState };
  'vm.reset': { state: VmRunState };
  /** `method`: what asked the guest to power off (`agent`: the ACPI button was ignored, or the agent was asked for). */
  'vm.shutdown': { state: VmRunState; timedOut: boolean; method: 'acpi' | 'agent' };
  'vm.forceOff': { state: VmRunState };
  'vm.saveState': { state: VmRunState };
  'vm.discardState': { state: VmRunState };
  'vm.screenshot': { pngBase64: string };
  'vm.sendKey': { keys: string[] };
  'vm.typeText': { sent: number };
  /** `readOnly`: the console cannot take input (a libvirt domain's pty serial), and why. */
  'vm.console.attach': { log: string; readOnly?: string };
  'vm.console.detach': { ok: true };
  'vm.console.write': { ok: true };
  'vm.logs': VmLogs;
  'fs.roots': { roots: FsRoot[] };
  /** `dir` is the resolved folder; `parent` is null at a root (the browser cannot go above it). */
  'fs.list': { dir: string; parent: string | null; entries: FsEntry[] };
  /** `clipboard`: the VM's clipboard policy, which serve's display relay enforces on what the browser sends. */
  'vm.displaySocket': { path: string; clipboard: VmDocument['clipboard'] };
  'vm.thumbnails.subscribe': { intervalMs: number; leaseMs: number };
  'vm.thumbnails.unsubscribe': { ok: true };
  'vm.thumbnail': { pngBase64: string | null; takenAt: string | null };
  'iso.inspect': IsoInspection;
  'media.insert': MediaResult;
  'media.eject': MediaResult;
  'media.recent': { isos: RecentIso[] };
  'media.poolIsos': { isos: PoolIso[] };
  /** The uploaded volume: its pool, name, path on the connection's host (what the wizard's ISO field takes) and size. */
  'pool.upload': { jobId: string; pool: string; name: string; path: string; bytes: number };
  'install.finish': { phase: InstallPhase; doc: VmDocument };
  'snapshot.list': SnapshotTree;
  'snapshot.take': { snapshot: SnapshotNodeInfo; tree: SnapshotTree };
  /** `pendingRamRestore`: a stopped VM got its disks back and resumes the RAM state on its next start. */
  'snapshot.restore': { snapshot: SnapshotNodeInfo; tree: SnapshotTree; state: VmRunState; pendingRamRestore: boolean };
  'snapshot.delete': { tree: SnapshotTree };
  'snapshot.rename': { snapshot: SnapshotNodeInfo; tree: SnapshotTree };
  'snapshot.thumbnail': { pngBase64: string };
  'disk.add': { disk: VmDocument['disks'][number]; doc: VmDocument };
  'disk.remove': { doc: VmDocument; deletedFile: string | null };
  'disk.resize': { disk: string; virtualSize: number };
  'disk.convert': { jobId: string; disk: VmDocument['disks'][number]; doc: VmDocument; oldPath: string; oldDeleted: boolean };
  'disk.compact': { jobId: string; disk: string; actualSizeBefore: number; actualSizeAfter: number };
  'disk.info': DiskInfo;
  'job.cancel': { ok: true };
  'vm.export': { jobId: string; path: string; bytes: number };
  /** `warnings`: what was left out (extra QEMU arguments, CD drives pointing at host ISOs), for people. */
  'vm.import': { jobId: string; id: string; doc: VmDocument; bundleDir: string; newId: boolean; warnings: string[] };
  'vm.stats.subscribe': { intervalMs: number; leaseMs: number };
  'vm.stats.unsubscribe': { ok: true };
  'forward.list': { forwards: PortForward[]; live: boolean };
  'usb.host.list': { devices: UsbHostDevice[] };
  /** `controller`: the machine has the xHCI controller live devices plug into (a USB pointer/keyboard or any USB device). */
  'usb.list': { attachments: UsbAttachment[]; running: boolean; controller: boolean };
  'usb.attach': { attachment: UsbAttachment; attachments: UsbAttachment[] };
  'usb.detach': { attachments: UsbAttachment[] };
  'usb.rule.add': { attachments: UsbAttachment[] };
  'usb.rule.remove': { attachments: UsbAttachment[] };
  'forward.add': { forward: PortForward; forwards: PortForward[]; live: boolean };
  'forward.remove': { forwards: PortForward[]; live: boolean };
  'connection.list': { connections: ConnectionInfo[] };
  'connection.add': { connection: ConnectionInfo };
  'connection.remove': { ok: true };
  'connection.rename': { connection: ConnectionInfo };
  'connection.test': { connection: ConnectionInfo; libvirtVersion: string };
  'file.drop.begin': { dropId: string; jobId: string; guestPath: string };
  'file.drop.chunk': { written: number };
  'file.drop.end': { guestPath: string; bytes: number };
  'file.drop.cancel': { ok: true };
  'download.catalog': { version: number; source: 'built-in' | 'fetched'; entries: DownloadCatalogEntry[] };
  /** `verification`: the distribution's signed list, its list alone (`note` says why no signature), the user's sha256, none, or a file verified before. */
  'download.start': { jobId: string; path: string; bytes: number; verification: 'signed-checksum' | 'checksum-only' | 'user-sha256' | 'none' | 'already-verified'; note?: string };
  'download.pause': { ok: true };
  'download.resume': CommandResults['download.start'];
  'download.updateCatalog': { version: number; source: 'built-in' | 'fetched'; count: number };
  'download.folder': { path: string; bytes: number; files: Array<{ name: string; bytes: number; partial: boolean }> };
  'download.clean': { freedBytes: number; removed: number; /** Files kept because a machine uses them (a cloud image under a disk, an ISO in a drive). */ inUse: string[] };
}

export type CommandResult<K extends CommandName> = CommandResults[K];
