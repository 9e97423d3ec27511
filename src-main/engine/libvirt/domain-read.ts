import type { NIC_MODELS} from '../../../src-shared/vm-document/index.js';
import { CDROM_BUSES, CURRENT_SCHEMA_VERSION, DISK_BUSES, DISK_FORMATS, vmDocumentSchema, type VmDocument } from '../../../src-shared/vm-document/index.js';
import { HANGAR_XMLNS } from './domain-xml.js';
import { at, childrenNamed, firstChild, parseXml, textOf } from './xml-tree.js';

/** One disk or CD drive of a domain, as libvirt has it. */
export interface DomainDrive {
  /** The document's device id for drives Hangar wrote (`ua-<id>` alias), else the target (`vda`, `sdb`). */
  id: string;
  target: string;
  device: 'disk' | 'cdrom' | string;
  source: string | null;
  bus: string;
  format: string;
}

export interface DomainFacts {
  name: string;
  uuid: string;
  /** Hangar wrote it (its `<metadata>` element): its settings map onto a VM document. */
  hangar: boolean;
  drives: DomainDrive[];
  /** The best VM document for `vm.get` (a foreign domain's unknown parts get neutral values). */
  doc: VmDocument;
}

const oneOf = <T extends string>(list: readonly T[], value: string | null, fallback: T): T => (list.includes(value as T) ? (value as T) : fallback);
const NIC_BACK: Record<string, (typeof NIC_MODELS)[number]> = { virtio: 'virtio-net-pci', e1000: 'e1000', e1000e: 'e1000e', rtl8139: 'rtl8139' };
const VIDEO_BACK: Record<string, VmDocument['display']['device']> = { vga: 'std', virtio: 'virtio', qxl: 'qxl', cirrus: 'cirrus', ramfb: 'ramfb', none: 'none' };

/** Reads what Hangar needs from `virsh dumpxml` (parsed by the XML library: a foreign domain's XML is untrusted input). */
export function readDomain(xml: string): DomainFacts {
  const root = parseXml(xml).documentElement!;
  if (root.tagName !== 'domain') throw new Error(`not a libvirt domain (root element <${root.tagName}>)`);
  const name = textOf(firstChild(root, 'name')) ?? '';
  const uuid = textOf(firstChild(root, 'uuid')) ?? '';
  const meta = firstChild(root, 'metadata');
  const hangarMeta = meta ? childrenNamed(meta, 'hangar:vm').concat(Array.from(meta.getElementsByTagNameNS(HANGAR_XMLNS, 'vm'))) : [];
  const hangar = hangarMeta.length > 0;
  const devices = firstChild(root, 'devices');
  const drives: DomainDrive[] = (devices ? childrenNamed(devices, 'disk') : []).map((d) => {
    const target = firstChild(d, 'target');
    const alias = firstChild(d, 'alias')?.getAttribute('name') ?? '';
    const dev = target?.getAttribute('dev') ?? '';
    return {
      id: alias.startsWith('ua-') ? alias.slice(3) : dev,
      target: dev,
      device: d.getAttribute('device') ?? 'disk',
      source: firstChild(d, 'source')?.getAttribute('file') ?? firstChild(d, 'source')?.getAttribute('dev') ?? null,
      bus: target?.getAttribute('bus') ?? '',
      format: firstChild(d, 'driver')?.getAttribute('type') ?? 'raw',
    };
  });
  const type = at(root, 'os/type');
  const os = firstChild(root, 'os');
  const uefi = os?.getAttribute('firmware') === 'efi' || !!at(root, 'os/loader');
  const memEl = firstChild(root, 'memory');
  const unit = memEl?.getAttribute('unit') ?? 'KiB';
  const memRaw = Number(textOf(memEl) ?? '0');
  const memoryMiB = Math.max(16, Math.round(unit === 'MiB' ? memRaw : unit === 'GiB' ? memRaw * 1024 : unit === 'KiB' || unit === 'k' ? memRaw / 1024 : memRaw / 1024 / 1024));
  const iface = devices ? firstChild(devices, 'interface') : null;
  const mac = firstChild(iface ?? root, 'mac')?.getAttribute('address')?.toLowerCase() ?? '52:54:00:00:00:01';
  const nicModel = NIC_BACK[firstChild(iface ?? root, 'model')?.getAttribute('type') ?? ''] ?? 'virtio-net-pci';
  const bridge = firstChild(iface ?? root, 'source')?.getAttribute('bridge');
  const channelNames = devices ? childrenNamed(devices, 'channel').map((c) => firstChild(c, 'target')?.getAttribute('name') ?? '') : [];
  const video = devices ? at(devices, 'video/model')?.getAttribute('type') ?? 'none' : 'none';
  const secureBoot = at(root, 'os/loader')?.getAttribute('secure') === 'yes';
  const now = new Date(0).toISOString();
  const disks = drives.filter((d) => d.device === 'disk' && d.source);
  const cds = drives.filter((d) => d.device === 'cdrom');
  const safeId = (id: string, i: number, prefix: string): string => (/^[a-z][a-z0-9-]{0,30}$/.test(id) ? id : `${prefix}${i}`);
  const arch = oneOf(['x86_64', 'aarch64', 'riscv64'] as const, type?.getAttribute('arch') ?? null, 'x86_64');
  const candidate = {
    schemaVersion: CURRENT_SCHEMA_VERSION,
    id: /^[0-9a-f-]{36}$/.test(uuid) ? uuid : '00000000-0000-4000-8000-000000000000',
    name: (textOf(firstChild(root, 'title')) || name || 'unnamed').slice(0, 1000),
    description: (textOf(firstChild(root, 'description')) ?? '').slice(0, 100_000),
    osId: (hangarMeta[0]?.getAttribute('osId') || 'generic').slice(0, 100),
    arch,
    machine: (type?.getAttribute('machine') ?? 'q35').replace(/[^a-z0-9._-]/g, '') || 'q35',
    firmware: { type: uefi || arch !== 'x86_64' ? 'uefi' : 'bios', secureBoot: secureBoot && uefi, tpm: !!(devices && firstChild(devices, 'tpm')) },
    cpu: { count: Math.min(1024, Math.max(1, Number(textOf(firstChild(root, 'vcpu')) ?? '1') || 1)), model: firstChild(root, 'cpu')?.getAttribute('mode') === 'host-passthrough' ? 'host' : 'max' },
    memoryMiB,
    disks: disks.map((d, i) => ({ id: safeId(d.id, i, 'disk'), path: d.source!, format: oneOf(DISK_FORMATS, d.format, 'raw'), bus: oneOf(DISK_BUSES, d.bus, 'virtio'), readOnly: false, discard: false })),
    cdroms: cds.map((d, i) => ({ id: safeId(d.id, i, 'cd'), path: d.source, bus: oneOf(CDROM_BUSES, d.bus, 'sata') })),
    network: !iface ? { mode: 'none' } : bridge ? { mode: 'bridge', model: nicModel, mac, bridge } : { mode: 'user', model: nicModel, mac, forwards: [] },
    display: { device: VIDEO_BACK[video] ?? 'std' },
    input: { pointer: 'usb-tablet', keyboard: 'ps2' },
    audio: { device: 'none' },
    clipboard: 'off',
    guestAgent: channelNames.includes('org.qemu.guest_agent.0'),
    usb: { images: [], rules: [] },
    shares: [],
    bootOrder: [],
    extraArgs: [],
    createdAt: now,
    updatedAt: now,
  };
  const parsed = vmDocumentSchema.safeParse(candidate);
  // Unmappable leftovers (a MAC in capitals, a bridge name Hangar does not accept): the neutral document still shows the machine.
  const doc = parsed.success ? parsed.data : vmDocumentSchema.parse({ ...candidate, network: { mode: 'none' }, disks: [], cdroms: [] });
  return { name, uuid, hangar, drives, doc };
}

/**
 * What "delete with files" removes: the domain's disks, by target. Never its CD drives: an ISO volume in a drive
 * (an uploaded installer, one shared with other machines) is not the machine's to delete, which
 * `virsh undefine --remove-all-storage` would do. Targets that are not plain device names are left alone
 * (virsh takes the list comma-separated).
 */
export function diskTargetsToRemove(facts: Pick<DomainFacts, 'drives'>): string[] {
  return facts.drives.filter((d) => d.device === 'disk' && d.source && /^[a-z][a-z0-9]{0,15}$/.test(d.target)).map((d) => d.target);
}
