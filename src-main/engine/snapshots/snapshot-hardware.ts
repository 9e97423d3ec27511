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

export function hardwareOf(doc: VmDocument): SnapshotHardware {
  const nic = doc.network.mode === 'none' ? null : doc.network.model;
  return {
    memoryMiB: doc.memoryMiB,
    'cpu.count': doc.cpu.count,
    'cpu.model': doc.cpu.model,
    machine: doc.machine,
    arch: doc.arch,
    'firmware.type': doc.firmware.type,
    'firmware.secureBoot': doc.firmware.secureBoot,
    'firmware.tpm': doc.firmware.tpm,
    disks: doc.disks.map((d) => `${d.id}:${d.bus}`),
    cdroms: doc.cdroms.map((c) => `${c.id}:${c.bus}`),
    nic,
    'display.device': doc.display.device,
    'input.pointer': doc.input.pointer,
    'input.keyboard': doc.input.keyboard,
    'audio.device': doc.audio.device,
    // QEMU has only on/off (the vdagent device); the direction is the engine's.
    clipboard: doc.clipboard !== 'off',
    extraArgs: doc.extraArgs,
  };
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
