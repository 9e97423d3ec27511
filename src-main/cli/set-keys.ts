import { resolve } from 'node:path';
import { EngineError } from '../../src-shared/contract/index.js';
import {
  ARCHITECTURES, AUDIO_DEVICES, CDROM_BUSES, CLIPBOARD_POLICIES, DISK_BUSES, DISPLAY_DEVICES, FIRMWARE_TYPES, KEYBOARD_DEVICES, NIC_MODELS, POINTER_DEVICES,
  VmDocumentError, diffVmDocuments, validateVmDocument, type VmDocument, type VmNetwork, type VmPatch,
} from '../../src-shared/vm-document/index.js';
import { randomMac } from '../../src-shared/vm-document/mac.js';

/**
 * The settings `hangar set`/`hangar get` know: short keys a person types (`memory=2048`), each naming one document
 * field (`memoryMiB`, also accepted as the key), typed by the schema's own value lists. Applied to the document and
 * sent as the settings dialog's patch (the top-level sections that changed), so the CLI changes what the app can.
 */
export type SetValue = string | number | boolean | null | readonly string[];

type Kind =
  | { type: 'text' }
  | { type: 'whole' }
  | { type: 'mib' }
  | { type: 'switch' }
  | { type: 'choice'; values: readonly string[] }
  | { type: 'ids' }
  | { type: 'args' }
  | { type: 'path' };

export interface SetKey {
  key: string;
  /** The document field, in the schema's issue-path form (`cpu.count`, `disks[0].bus`). */
  path: string;
  kind: Kind;
  help: string;
  get(doc: VmDocument): SetValue;
  set(doc: VmDocument, value: SetValue): VmDocument;
}

const MIB_UNITS: Record<string, number> = { '': 1, m: 1, mib: 1, mb: 1, g: 1024, gib: 1024, gb: 1024, t: 1024 * 1024, tib: 1024 * 1024, tb: 1024 * 1024 };

function usage(message: string): EngineError {
  return new EngineError('invalid-args', message);
}

function nic(doc: VmDocument, key: string): Exclude<VmNetwork, { mode: 'none' }> {
  if (doc.network.mode === 'none') throw usage(`${key}: the machine has no network adapter; give network=user or network=bridge too`);
  return doc.network;
}

/** The network section for a new mode, keeping the adapter's model and MAC as the settings dialog does. */
function withMode(doc: VmDocument, mode: VmNetwork['mode']): VmDocument {
  const prev = doc.network;
  if (prev.mode === mode) return doc;
  const model = prev.mode === 'none' ? 'virtio-net-pci' : prev.model;
  const mac = prev.mode === 'none' ? randomMac() : prev.mac;
  const network: VmNetwork = mode === 'none' ? { mode: 'none' } : mode === 'user' ? { mode: 'user', model, mac, forwards: [] } : { mode: 'bridge', model, mac, bridge: 'br0' };
  return { ...doc, network };
}

const text = { type: 'text' } as const;
const sw = { type: 'switch' } as const;
const choice = (values: readonly string[]) => ({ type: 'choice', values }) as const;

/** In the order they are applied: `network` before the adapter keys, so `network=bridge bridge=br1` works. */
const FIXED: readonly SetKey[] = [
  { key: 'name', path: 'name', kind: text, help: 'display name (hangar rename also renames the folder)', get: (d) => d.name, set: (d, v) => ({ ...d, name: v as string }) },
  { key: 'description', path: 'description', kind: text, help: 'free text', get: (d) => d.description, set: (d, v) => ({ ...d, description: v as string }) },
  { key: 'os', path: 'osId', kind: text, help: 'OS catalog id (debian12, win11, generic...)', get: (d) => d.osId, set: (d, v) => ({ ...d, osId: v as string }) },
  { key: 'arch', path: 'arch', kind: choice(ARCHITECTURES), help: 'guest architecture', get: (d) => d.arch, set: (d, v) => ({ ...d, arch: v as VmDocument['arch'] }) },
  { key: 'machine', path: 'machine', kind: text, help: 'QEMU machine type (q35, pc, virt...)', get: (d) => d.machine, set: (d, v) => ({ ...d, machine: v as string }) },
  { key: 'firmware', path: 'firmware.type', kind: choice(FIRMWARE_TYPES), help: 'firmware', get: (d) => d.firmware.type, set: (d, v) => ({ ...d, firmware: { ...d.firmware, type: v as VmDocument['firmware']['type'] } }) },
  { key: 'secure-boot', path: 'firmware.secureBoot', kind: sw, help: 'UEFI Secure Boot', get: (d) => d.firmware.secureBoot, set: (d, v) => ({ ...d, firmware: { ...d.firmware, secureBoot: v as boolean } }) },
  { key: 'tpm', path: 'firmware.tpm', kind: sw, help: 'TPM 2.0 (swtpm)', get: (d) => d.firmware.tpm, set: (d, v) => ({ ...d, firmware: { ...d.firmware, tpm: v as boolean } }) },
  { key: 'cpus', path: 'cpu.count', kind: { type: 'whole' }, help: 'virtual CPUs', get: (d) => d.cpu.count, set: (d, v) => ({ ...d, cpu: { ...d.cpu, count: v as number } }) },
  { key: 'cpu-model', path: 'cpu.model', kind: text, help: 'QEMU CPU model (max, host, Skylake-Client-v4...)', get: (d) => d.cpu.model, set: (d, v) => ({ ...d, cpu: { ...d.cpu, model: v as string } }) },
  { key: 'memory', path: 'memoryMiB', kind: { type: 'mib' }, help: 'memory in MiB, or with a unit: 2048, 2048M, 4G', get: (d) => d.memoryMiB, set: (d, v) => ({ ...d, memoryMiB: v as number }) },
  { key: 'display', path: 'display.device', kind: choice(DISPLAY_DEVICES), help: 'graphics device', get: (d) => d.display.device, set: (d, v) => ({ ...d, display: { device: v as VmDocument['display']['device'] } }) },
  { key: 'pointer', path: 'input.pointer', kind: choice(POINTER_DEVICES), help: 'pointer device', get: (d) => d.input.pointer, set: (d, v) => ({ ...d, input: { ...d.input, pointer: v as VmDocument['input']['pointer'] } }) },
  { key: 'keyboard', path: 'input.keyboard', kind: choice(KEYBOARD_DEVICES), help: 'keyboard device', get: (d) => d.input.keyboard, set: (d, v) => ({ ...d, input: { ...d.input, keyboard: v as VmDocument['input']['keyboard'] } }) },
  { key: 'audio', path: 'audio.device', kind: choice(AUDIO_DEVICES), help: 'sound card', get: (d) => d.audio.device, set: (d, v) => ({ ...d, audio: { device: v as VmDocument['audio']['device'] } }) },
  { key: 'clipboard', path: 'clipboard', kind: choice(CLIPBOARD_POLICIES), help: 'clipboard sharing', get: (d) => d.clipboard, set: (d, v) => ({ ...d, clipboard: v as VmDocument['clipboard'] }) },
  { key: 'agent', path: 'guestAgent', kind: sw, help: 'QEMU guest agent channel (qemu-ga: hostname, addresses, clean shutdown, fs-freeze)', get: (d) => d.guestAgent, set: (d, v) => ({ ...d, guestAgent: v as boolean }) },
  { key: 'network', path: 'network.mode', kind: choice(['user', 'bridge', 'none']), help: 'user (NAT), bridge or none', get: (d) => d.network.mode, set: (d, v) => withMode(d, v as VmNetwork['mode']) },
  { key: 'nic', path: 'network.model', kind: choice(NIC_MODELS), help: 'network adapter model', get: (d) => (d.network.mode === 'none' ? null : d.network.model), set: (d, v) => ({ ...d, network: { ...nic(d, 'nic'), model: v as (typeof NIC_MODELS)[number] } }) },
  { key: 'mac', path: 'network.mac', kind: text, help: 'MAC address (52:54:00:12:34:56)', get: (d) => (d.network.mode === 'none' ? null : d.network.mac), set: (d, v) => ({ ...d, network: { ...nic(d, 'mac'), mac: v as string } }) },
  {
    key: 'bridge',
    path: 'network.bridge',
    kind: text,
    help: 'host bridge of a bridged network (br0, virbr0...)',
    get: (d) => (d.network.mode === 'bridge' ? d.network.bridge : null),
    set: (d, v) => {
      if (d.network.mode !== 'bridge') throw usage('bridge: applies to a bridged network; give network=bridge too');
      return { ...d, network: { ...d.network, bridge: v as string } };
    },
  },
  { key: 'boot', path: 'bootOrder', kind: { type: 'ids' }, help: 'boot order: device ids, comma-separated (disk0,cd0); empty: none', get: (d) => d.bootOrder, set: (d, v) => ({ ...d, bootOrder: [...(v as string[])] }) },
  { key: 'extra-args', path: 'extraArgs', kind: { type: 'args' }, help: 'extra QEMU arguments as a JSON array (\'["-device","virtio-rng-pci"]\'); empty: none', get: (d) => d.extraArgs, set: (d, v) => ({ ...d, extraArgs: [...(v as string[])] }) },
];

/** Each disk's and CD drive's options, keyed by its device id (`disk0.bus`, `cd0.path`), as the Storage page shows them. */
function deviceKeys(doc: VmDocument): SetKey[] {
  const out: SetKey[] = [];
  doc.disks.forEach((disk, i) => {
    const put = (d: VmDocument, change: Partial<VmDocument['disks'][number]>): VmDocument => ({ ...d, disks: d.disks.map((x, n) => (n === i ? { ...x, ...change } : x)) });
    out.push(
      { key: `${disk.id}.bus`, path: `disks[${i}].bus`, kind: choice(DISK_BUSES), help: `bus of disk ${disk.id}`, get: (d) => d.disks[i]!.bus, set: (d, v) => put(d, { bus: v as VmDocument['disks'][number]['bus'] }) },
      { key: `${disk.id}.read-only`, path: `disks[${i}].readOnly`, kind: sw, help: `disk ${disk.id} read-only`, get: (d) => d.disks[i]!.readOnly, set: (d, v) => put(d, { readOnly: v as boolean }) },
      { key: `${disk.id}.discard`, path: `disks[${i}].discard`, kind: sw, help: `discard (TRIM) on disk ${disk.id}`, get: (d) => d.disks[i]!.discard, set: (d, v) => put(d, { discard: v as boolean }) },
    );
  });
  doc.cdroms.forEach((cd, i) => {
    const put = (d: VmDocument, change: Partial<VmDocument['cdroms'][number]>): VmDocument => ({ ...d, cdroms: d.cdroms.map((x, n) => (n === i ? { ...x, ...change } : x)) });
    out.push(
      { key: `${cd.id}.path`, path: `cdroms[${i}].path`, kind: { type: 'path' }, help: `ISO image in ${cd.id} (relative to the current folder); empty: eject`, get: (d) => d.cdroms[i]!.path, set: (d, v) => put(d, { path: v as string | null }) },
      { key: `${cd.id}.bus`, path: `cdroms[${i}].bus`, kind: choice(CDROM_BUSES), help: `bus of CD drive ${cd.id}`, get: (d) => d.cdroms[i]!.bus, set: (d, v) => put(d, { bus: v as VmDocument['cdroms'][number]['bus'] }) },
    );
  });
  return out;
}

/** Every key of this machine, in the order they are applied and listed. */
export function settingKeys(doc: VmDocument): SetKey[] {
  return [...FIXED, ...deviceKeys(doc)];
}

/** Help text: the fixed keys, then the per-device ones as patterns. */
export function settingKeysHelp(): string {
  const rows: Array<[string, string]> = [
    ...FIXED.map((k): [string, string] => [k.key, `${k.help}${k.kind.type === 'choice' ? `: ${k.kind.values.join('|')}` : k.kind.type === 'switch' ? ': on|off' : ''}`]),
    ['DISK.bus', `bus of a disk (disk0.bus): ${DISK_BUSES.join('|')}`],
    ['DISK.read-only', 'on|off'],
    ['DISK.discard', 'discard (TRIM): on|off'],
    ['CD.path', 'ISO image in a CD drive (cd0.path), relative to the current folder; empty: eject'],
    ['CD.bus', `bus of a CD drive: ${CDROM_BUSES.join('|')}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return ['Keys (the document field names, such as memoryMiB or cpu.count, work too):', ...rows.map(([k, h]) => `  ${k.padEnd(w)}  ${h}`)].join('\n');
}

function findKey(keys: readonly SetKey[], name: string): SetKey {
  const found = keys.find((k) => k.key === name) ?? keys.find((k) => k.path === name);
  if (!found) throw usage(`unknown setting "${name}"; valid keys: ${keys.map((k) => k.key).join(', ')}`);
  return found;
}

/** `KEY=VALUE` words, split at the first `=`; the syntax is checked before the engine is asked anything. */
export function parseAssignments(words: readonly string[]): Array<{ name: string; text: string }> {
  if (words.length === 0) throw usage('give one or more KEY=VALUE settings, e.g. memory=2048 cpus=4 (hangar get VM lists them)');
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw usage(`expected KEY=VALUE, got "${w}" (hangar get VM lists the keys)`);
    return { name: w.slice(0, eq), text: w.slice(eq + 1) };
  });
}

/** One value, typed by its key; a wrong form says what the key takes. */
export function parseValue(key: SetKey, raw: string, cwd: string): SetValue {
  const k = key.kind;
  switch (k.type) {
    case 'text':
      return raw;
    case 'whole':
      if (!/^\d+$/.test(raw.trim())) throw usage(`${key.key}: must be a whole number (got "${raw}")`);
      return Number(raw.trim());
    case 'mib': {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
      const factor = m ? MIB_UNITS[m[2]!.toLowerCase()] : undefined;
      if (!m || factor === undefined) throw usage(`${key.key}: must be a size in MiB, or with a unit: 2048, 2048M, 4G (got "${raw}")`);
      return Number(m[1]) * factor;
    }
    case 'switch': {
      const v = raw.trim().toLowerCase();
      if (['on', 'true', 'yes', '1'].includes(v)) return true;
      if (['off', 'false', 'no', '0'].includes(v)) return false;
      throw usage(`${key.key}: must be on or off (got "${raw}")`);
    }
    case 'choice': {
      const v = k.values.find((x) => x.toLowerCase() === raw.trim().toLowerCase());
      if (v === undefined) throw usage(`${key.key}: must be one of ${k.values.join(', ')} (got "${raw}")`);
      return v;
    }
    case 'ids':
      return raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim());
    case 'args': {
      if (raw.trim() === '') return [];
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
        throw usage(`${key.key}: must be a JSON array of strings, e.g. '["-device","virtio-rng-pci"]', or empty for none`);
      }
      return parsed as string[];
    }
    case 'path':
      return raw === '' ? null : resolve(cwd, raw);
  }
}

/** The key a schema issue is about (the longest key path it lies under), so errors use the words the user typed. */
function keyOfIssue(keys: readonly SetKey[], path: string): string {
  const under = keys.filter((k) => path === k.path || path.startsWith(`${k.path}.`) || path.startsWith(`${k.path}[`));
  return under.sort((a, b) => b.path.length - a.path.length)[0]?.key ?? path;
}

export interface SetPlan {
  /** The document after the settings, checked by the schema. */
  next: VmDocument;
  /** What `vm.update` gets: the top-level sections that changed (empty when nothing does). */
  patch: VmPatch;
  /** The keys given, in the order given. */
  keys: SetKey[];
}

/** Applies `KEY=VALUE` settings to a document: each checked for its form, the result by the document schema. */
export function planSettings(doc: VmDocument, words: readonly string[], cwd: string): SetPlan {
  const keys = settingKeys(doc);
  const given = parseAssignments(words).map(({ name, text }) => {
    const key = findKey(keys, name);
    return { key, value: parseValue(key, text, cwd), name };
  });
  const seen = new Map<SetKey, string>();
  for (const g of given) {
    const before = seen.get(g.key);
    if (before !== undefined) throw usage(before === g.name ? `${g.name} is given twice` : `${before} and ${g.name} are the same setting`);
    seen.set(g.key, g.name);
  }
  let next = doc;
  for (const key of keys) {
    const g = given.find((x) => x.key === key);
    if (g) next = key.set(next, g.value);
  }
  try {
    next = validateVmDocument(next);
  } catch (err) {
    if (!(err instanceof VmDocumentError)) throw err;
    throw usage(err.issues.map((i) => `${keyOfIssue(keys, i.path)}: ${i.message}`).join('; '));
  }
  return { next, patch: diffVmDocuments(doc, next), keys: given.map((g) => g.key) };
}

/** A value as `hangar get` prints it: on/off, comma lists, JSON for arguments and for text a line could not hold. */
export function formatValue(key: SetKey, value: SetValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return key.kind.type === 'args' ? (value.length === 0 ? '' : JSON.stringify(value)) : value.join(',');
  const s = String(value);
  return /[\u0000-\u001f\u007f]|^\s|\s$/.test(s) ? JSON.stringify(s) : s;
}

/** The keys to show: all of them, or the named ones (by key or document path). */
export function pickKeys(doc: VmDocument, names: readonly string[]): SetKey[] {
  const keys = settingKeys(doc);
  return names.length === 0 ? keys : names.map((n) => findKey(keys, n));
}
