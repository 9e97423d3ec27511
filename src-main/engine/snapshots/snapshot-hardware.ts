import type { VmDocument } from '../../../src-shared/vm-document/index.js';

/**
 * The settings a RAM snapshot depends on: QEMU loads the saved memory and device state only into a machine
 * built the same way (same memory size, CPUs, machine type, devices), and otherwise fails with a bare
 * "Error -22 while loading VM state". Paths, names, MAC addresses, forwards and the boot order are not part
 * of that state and may change freely.
 *
 * Stored flat (key → JSON value) in the snapshot's metadata, so a key added later is simply absent from older
 * snapshots and not compared; snapshots without the record (older ones, orphans) are not checked at all.
 */
export type SnapshotHardware = Record<string, unknown>;

/**
 * What of each document field a RAM snapshot depends on (flat keys, in the order changes are told), or null for a
 * field that may change freely. Keyed on every field of the document: a new one fails to compile until it is
 * placed here.
 */
export const SNAPSHOT_HARDWARE: { readonly [K in keyof VmDocument]: ((value: VmDocument[K]) => SnapshotHardware) | null } = {
  memoryMiB: (memoryMiB) => ({ memoryMiB }),
  cpu: (cpu) => ({ 'cpu.count': cpu.count, 'cpu.model': cpu.model }),
  machine: (machine) => ({ machine }),
  arch: (arch) => ({ arch }),
  firmware: (f) => ({ 'firmware.type': f.type, 'firmware.secureBoot': f.secureBoot, 'firmware.tpm': f.tpm }),
  disks: (disks) => ({ disks: disks.map((d) => `${d.id}:${d.bus}`) }),
  cdroms: (cdroms) => ({ cdroms: cdroms.map((c) => `${c.id}:${c.bus}`) }),
  network: (n) => ({ nic: n.mode === 'none' ? null : n.model }),
  display: (d) => ({ 'display.device': d.device }),
  input: (i) => ({ 'input.pointer': i.pointer, 'input.keyboard': i.keyboard }),
  audio: (a) => ({ 'audio.device': a.device }),
  // QEMU has only on/off (the vdagent device); the direction is the engine's.
  clipboard: (c) => ({ clipboard: c !== 'off' }),
  // The agent channel is a virtio-serial controller and port: part of the device state QEMU saves.
  guestAgent: (guestAgent) => ({ guestAgent }),
  // A 9p share is a virtio-9p-pci device (its mount tag is in the saved state); the folder behind it may change.
  shares: (shares) => ({ shares: shares.map((s) => s.name) }),
  extraArgs: (extraArgs) => ({ extraArgs }),
  // A stick is a usb-storage device in the saved state; host devices come and go with the host (not recorded).
  usb: (u) => ({ usbSticks: u.images.map((i) => i.id) }),
  schemaVersion: null,
  id: null,
  name: null,
  description: null,
  osId: null,
  bootOrder: null,
  createdAt: null,
  updatedAt: null,
};

export function hardwareOf(doc: VmDocument): SnapshotHardware {
  const out: SnapshotHardware = {};
  for (const key of Object.keys(SNAPSHOT_HARDWARE) as Array<keyof VmDocument>) {
    const part = SNAPSHOT_HARDWARE[key] as ((value: unknown) => SnapshotHardware) | null;
    if (part) Object.assign(out, part(doc[key]));
  }
  return out;
}

/**
 * The hardware of a running machine: its document, with clipboard sharing as QEMU has it (the vdagent channel and
 * its virtio-serial controller are on the command line; a policy turned off while it runs keeps them).
 */
export async function liveHardwareOf(doc: VmDocument, session: { hasClipboardChannel?: () => Promise<boolean> }): Promise<SnapshotHardware> {
  const hardware = hardwareOf(doc);
  if (session.hasClipboardChannel) hardware['clipboard'] = await session.hasClipboardChannel();
  return hardware;
}

export interface HardwareChange {
  key: string;
  was: unknown;
  now: unknown;
}

/** What differs between the settings a snapshot was taken with and the machine's now (keys of `recorded` only). */
export function hardwareChanges(recorded: SnapshotHardware | undefined, now: SnapshotHardware): HardwareChange[] {
  if (!recorded) return [];
  const changes: HardwareChange[] = [];
  for (const [key, was] of Object.entries(recorded)) {
    if (!(key in now)) continue;
    if (JSON.stringify(was) !== JSON.stringify(now[key])) changes.push({ key, was, now: now[key] });
  }
  return changes;
}

const list = (v: unknown, empty: string): string => (Array.isArray(v) && v.length > 0 ? v.map((x) => String(x).replace(':', ' on ')).join(', ') : empty);
const onOff = (v: unknown): string => (v ? 'on' : 'off');

/** "<taken with> …; <the machine now has> …" for one change, in the words of the Settings dialog. */
function describe(c: HardwareChange): [string, string] {
  const s = (v: unknown) => String(v);
  switch (c.key) {
    case 'memoryMiB':
      return [`${s(c.was)} MiB of memory`, `${s(c.now)} MiB`];
    case 'cpu.count':
      return [`${s(c.was)} CPU${c.was === 1 ? '' : 's'}`, `${s(c.now)}`];
    case 'cpu.model':
      return [`CPU model "${s(c.was)}"`, `"${s(c.now)}"`];
    case 'machine':
      return [`machine type ${s(c.was)}`, `${s(c.now)}`];
    case 'arch':
      return [`architecture ${s(c.was)}`, `${s(c.now)}`];
    case 'firmware.type':
      return [`${s(c.was).toUpperCase()} firmware`, `${s(c.now).toUpperCase()}`];
    case 'firmware.secureBoot':
      return [`Secure Boot ${onOff(c.was)}`, onOff(c.now)];
    case 'firmware.tpm':
      return [`the TPM ${onOff(c.was)}`, onOff(c.now)];
    case 'disks':
      return [`disks ${list(c.was, 'none')}`, `${list(c.now, 'none')}`];
    case 'cdroms':
      return [`CD/DVD drives ${list(c.was, 'none')}`, `${list(c.now, 'none')}`];
    case 'nic':
      return [c.was === null ? 'no network card' : `network card ${s(c.was)}`, c.now === null ? 'none' : `${s(c.now)}`];
    case 'display.device':
      return [`display ${s(c.was)}`, `${s(c.now)}`];
    case 'input.pointer':
      return [`pointer ${s(c.was)}`, `${s(c.now)}`];
    case 'input.keyboard':
      return [`keyboard ${s(c.was)}`, `${s(c.now)}`];
    case 'audio.device':
      return [`sound ${s(c.was)}`, `${s(c.now)}`];
    case 'clipboard':
      return [`clipboard sharing ${onOff(c.was)}`, onOff(c.now)];
    case 'guestAgent':
      return [`the guest agent channel ${onOff(c.was)}`, onOff(c.now)];
    case 'usbSticks':
      return [`USB sticks ${list(c.was, 'none')}`, `${list(c.now, 'none')}`];
    case 'shares':
      return [`shared folders ${list(c.was, 'none')}`, `${list(c.now, 'none')}`];
    case 'extraArgs':
      return [`extra QEMU arguments "${list(c.was, '')}"`, `"${list(c.now, '')}"`];
    default:
      return [`${c.key} ${JSON.stringify(c.was)}`, JSON.stringify(c.now)];
  }
}

/**
 * The refusal for a RAM snapshot whose settings differ, e.g. "This snapshot was taken with 512 MiB of memory;
 * the machine now has 1024 MiB. Change it back in Settings to restore it."
 */
export function hardwareMismatchMessage(snapshotName: string, changes: HardwareChange[]): string {
  const parts = changes.map(describe);
  const what =
    parts.length === 1
      ? `This snapshot was taken with ${parts[0]![0]}; the machine now has ${/^o(n|ff)$/.test(parts[0]![1]) ? 'it ' : ''}${parts[0]![1]}. Change it back in Settings to restore it`
      : `This snapshot was taken with ${parts.map(([was, now]) => `${was} (now ${now})`).join(', ')}. Change them back in Settings to restore it`;
  return `${what}: "${snapshotName}" holds the machine's memory state, which only fits the hardware it was saved with.`;
}
