import { z } from 'zod';

/**
 * The VM document, version 2: everything that defines a machine, stored as `vm.json` in its bundle.
 * Every field is required on load (defaults live in `defaults.ts`, never here), and objects are strict,
 * so a typo or an unknown enum value is an error naming the field instead of a silent default.
 */
export const CURRENT_SCHEMA_VERSION = 4;

export const ARCHITECTURES = ['x86_64', 'aarch64', 'riscv64'] as const;
export const FIRMWARE_TYPES = ['bios', 'uefi'] as const;
export const DISK_FORMATS = ['qcow2', 'raw', 'vmdk', 'vdi', 'vhdx', 'vpc'] as const;
export const DISK_BUSES = ['virtio', 'sata', 'ide', 'nvme', 'scsi'] as const;
export const CDROM_BUSES = ['sata', 'ide', 'scsi'] as const;
export const NIC_MODELS = ['virtio-net-pci', 'e1000', 'e1000e', 'rtl8139'] as const;
export const DISPLAY_DEVICES = ['std', 'virtio', 'qxl', 'cirrus', 'ramfb', 'none'] as const;
export const POINTER_DEVICES = ['usb-tablet', 'ps2-mouse', 'virtio-tablet', 'none'] as const;
export const KEYBOARD_DEVICES = ['ps2', 'usb-kbd', 'virtio-keyboard'] as const;
export const AUDIO_DEVICES = ['none', 'intel-hda', 'ac97'] as const;
export const FORWARD_PROTOCOLS = ['tcp', 'udp'] as const;
export const CLIPBOARD_POLICIES = ['off', 'host-to-guest', 'guest-to-host', 'both'] as const;

/** Device ids become QEMU `id=`/`node-name=` values and QMP arguments: keep them to a safe alphabet. */
export const deviceIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, 'must be lowercase letters, digits or "-", starting with a letter (max 31)');

/** One message for a fraction and for too little: the rule a person needs to fix either. */
const MIB_RULE = 'must be a whole number of MiB >=16';

/**
 * C0/C1 control characters (newline, NUL, escape...) and the bidirectional overrides and isolates that make
 * "invoice\u202Etxt.exe" display as "invoiceexe.txt": a name shown in lists, logs and terminals carries none.
 */
const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A VM's display name (the folder name is a separate, safe slug): trimmed, 1–1000 characters, nothing invisible. */
export const vmNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(1000)
  .refine((n) => !CONTROL_OR_BIDI.test(n), 'must not contain control characters or bidirectional overrides');

/** A string QEMU receives as (part of) one argument: a NUL ends it early and a line break forges log lines. */
const qemuString = z
  .string()
  .refine((s) => !s.includes('\0'), 'must not contain a NUL character')
  .refine((s) => !/[\r\n]/.test(s), 'must not contain a line break');

/** QEMU's seccomp option in any spelling (`-sandbox`, `--sandbox`, `-sandbox=…`): one user could loosen what Hangar sets. */
const SANDBOX_OPTION = /^--?sandbox(=|$)/i;

/** Dotted-quad IPv4, each part 0–255. */
export const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export const firmwareSchema = z.strictObject({
  type: z.enum(FIRMWARE_TYPES),
  secureBoot: z.boolean(),
  tpm: z.boolean(),
});

export const diskSchema = z.strictObject({
  id: deviceIdSchema,
  /** Relative paths are relative to the bundle folder (e.g. `disks/disk0.qcow2`). */
  path: qemuString.min(1),
  format: z.enum(DISK_FORMATS),
  bus: z.enum(DISK_BUSES),
  readOnly: z.boolean(),
  discard: z.boolean(),
  /**
   * A machine made from a cloud image: the image this qcow2 overlay is backed by (absolute, real path), the one
   * file outside the library its backing chain may name. Absent on other disks (no migration: old documents lack it).
   */
  baseImage: qemuString.min(1).optional(),
});

export const cdromSchema = z.strictObject({
  id: deviceIdSchema,
  /** null = empty drive. */
  path: qemuString.min(1).nullable(),
  bus: z.enum(CDROM_BUSES),
});

export const portForwardSchema = z.strictObject({
  protocol: z.enum(FORWARD_PROTOCOLS),
  /** The host address to bind; loopback unless the user opts in to more. */
  hostAddress: z.string().regex(IPV4, 'must be an IPv4 address'),
  hostPort: z.number().int().min(1).max(65535),
  guestPort: z.number().int().min(1).max(65535),
});

/** A USB vendor or product id as sysfs writes it (idVendor, idProduct): four lowercase hex digits. */
export const usbIdSchema = z.string().regex(/^[0-9a-f]{4}$/, 'must be 4 hex digits, like 046d');
/** A physical USB port as sysfs names it: bus, then the port path (`1-2`, `3-1.4`): what QEMU's hostbus/hostport take. */
export const USB_PORT = /^[1-9][0-9]{0,2}-[1-9][0-9]{0,2}(\.[1-9][0-9]{0,2}){0,6}$/;

/** A disk image plugged in as a USB stick (usb-storage on the xHCI controller). */
export const usbImageSchema = z.strictObject({
  id: deviceIdSchema,
  /** Absolute, or relative to the bundle folder; checked like a disk's at attach and at every start. */
  path: qemuString.min(1),
  /** Found from the header when attached (a raw stick stays raw even if the guest writes a qcow2 header into it). */
  format: z.enum(DISK_FORMATS),
  readOnly: z.boolean(),
});

/** A host USB device the machine takes whenever it runs and the device is there: by vendor:product, or by port. */
export const usbRuleSchema = z.union([
  z.strictObject({ vendor: usbIdSchema, product: usbIdSchema }),
  z.strictObject({ port: z.string().regex(USB_PORT, 'must be a USB port like 1-2 or 3-1.4 (bus-port.port)') }),
]);

export const usbSchema = z.strictObject({ images: z.array(usbImageSchema), rules: z.array(usbRuleSchema) });

/**
 * A shared folder's name: the guest's 9p mount tag (`mount -t 9p NAME`) and part of QEMU ids, so a short safe
 * alphabet (no comma, which QEMU's option parser splits on, no space or slash a mount command would trip on).
 */
export const shareNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$/, 'must be letters, digits, "_" or "-", starting with a letter or digit (max 31)');

/** A host folder the guest sees (9p for Linux and BSD guests, SMB for Windows: engine/shares/). */
export const shareSchema = z.strictObject({
  name: shareNameSchema,
  /** Absolute, symlinks resolved when added (the start checks it again). */
  path: qemuString.min(1).refine((p) => p.startsWith('/'), 'must be an absolute path'),
  readOnly: z.boolean(),
});

const macSchema = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'must be a lowercase MAC address like 52:54:00:12:34:56');

export const networkSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('user'),
    model: z.enum(NIC_MODELS),
    mac: macSchema,
    forwards: z.array(portForwardSchema),
  }),
  z.strictObject({ mode: z.literal('none') }),
  z.strictObject({
    mode: z.literal('bridge'),
    model: z.enum(NIC_MODELS),
    mac: macSchema,
    bridge: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'must be a network interface name'),
  }),
]);

/** The document's fields without the cross-field rules: what `vmPatchSchema` (patch.ts) makes partial. */
export const vmDocumentFields = z
  .strictObject({
    schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
    id: z.string().uuid(),
    name: vmNameSchema,
    description: z.string().max(100_000),
    osId: z.string().min(1).max(100),
    arch: z.enum(ARCHITECTURES),
    machine: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a QEMU machine type like q35 or virt'),
    firmware: firmwareSchema,
    cpu: z.strictObject({
      count: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1024, 'must be at most 1024'),
      model: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a QEMU CPU model like max or host'),
    }),
    memoryMiB: z.number().min(16, MIB_RULE).max(16 * 1024 * 1024, 'must be at most 16777216 MiB (16 TiB)').refine(Number.isInteger, MIB_RULE),
    disks: z.array(diskSchema),
    cdroms: z.array(cdromSchema),
    network: networkSchema,
    display: z.strictObject({ device: z.enum(DISPLAY_DEVICES) }),
    input: z.strictObject({ pointer: z.enum(POINTER_DEVICES), keyboard: z.enum(KEYBOARD_DEVICES) }),
    audio: z.strictObject({ device: z.enum(AUDIO_DEVICES) }),
    clipboard: z.enum(CLIPBOARD_POLICIES),
    /** The QEMU guest agent channel (`org.qemu.guest_agent.0`): hostname, addresses, agent shutdown, fs-freeze. */
    guestAgent: z.boolean(),
    /** USB sticks (disk images) and the host USB devices the machine takes (schema 4). */
    usb: usbSchema,
    /** Host folders shared with the guest (engine/shares/share-args.ts). */
    shares: z.array(shareSchema).max(16, 'must be at most 16 shared folders'),
    /** Device ids in boot priority order; devices not listed do not boot. */
    bootOrder: z.array(deviceIdSchema),
    /** Appended verbatim, last, as separate argv entries (never through a shell). */
    extraArgs: z.array(qemuString.refine((a) => !SANDBOX_OPTION.test(a), 'must not be -sandbox: Hangar sets QEMU\'s sandbox itself (it stops QEMU from starting programs)')),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  });

export const vmDocumentSchema = vmDocumentFields
  .superRefine((doc, ctx) => {
    // Point at the second use (`cdroms[0].id`), so the message names the entry to fix.
    const devices = [
      ...doc.disks.map((d, i) => ({ id: d.id, path: ['disks', i, 'id'] })),
      ...doc.cdroms.map((c, i) => ({ id: c.id, path: ['cdroms', i, 'id'] })),
      ...doc.usb.images.map((u, i) => ({ id: u.id, path: ['usb', 'images', i, 'id'] })),
    ];
    const seen = new Set<string>();
    devices.forEach(({ id, path }) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path, message: `device id "${id}" is used twice` });
      seen.add(id);
    });
    doc.bootOrder.forEach((id, i) => {
      if (!seen.has(id)) ctx.addIssue({ code: 'custom', path: ['bootOrder', i], message: `names no disk or CD-ROM ("${id}")` });
    });
    if (doc.network.mode === 'user') {
      const used = new Set<string>();
      doc.network.forwards.forEach((f, i) => {
        const key = `${f.protocol}:${f.hostAddress}:${f.hostPort}`;
        if (used.has(key)) ctx.addIssue({ code: 'custom', path: ['network', 'forwards', i], message: `host port ${f.protocol}/${f.hostPort} is forwarded twice` });
        used.add(key);
      });
    }
    const rules = new Set<string>();
    doc.usb.rules.forEach((r, i) => {
      const key = 'port' in r ? `port ${r.port}` : `${r.vendor}:${r.product}`;
      if (rules.has(key)) ctx.addIssue({ code: 'custom', path: ['usb', 'rules', i], message: `the USB rule ${key} is there twice` });
      rules.add(key);
    });
    const names = new Set<string>();
    doc.shares.forEach((sh, i) => {
      if (names.has(sh.name)) ctx.addIssue({ code: 'custom', path: ['shares', i, 'name'], message: `shared folder name "${sh.name}" is used twice` });
      names.add(sh.name);
    });
    if (doc.firmware.secureBoot && doc.firmware.type !== 'uefi') {
      ctx.addIssue({ code: 'custom', path: ['firmware', 'secureBoot'], message: 'needs UEFI firmware' });
    }
  });

export type VmDocument = z.infer<typeof vmDocumentSchema>;
export type VmDisk = z.infer<typeof diskSchema>;
export type VmCdrom = z.infer<typeof cdromSchema>;
export type VmUsb = z.infer<typeof usbSchema>;
export type VmUsbImage = z.infer<typeof usbImageSchema>;
export type VmUsbRule = z.infer<typeof usbRuleSchema>;
export type VmNetwork = z.infer<typeof networkSchema>;
export type VmShare = z.infer<typeof shareSchema>;
export type PortForward = z.infer<typeof portForwardSchema>;
export type Architecture = (typeof ARCHITECTURES)[number];
export type DiskFormat = (typeof DISK_FORMATS)[number];
export type DiskBus = (typeof DISK_BUSES)[number];
