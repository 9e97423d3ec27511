import { CURRENT_SCHEMA_VERSION, type VmDocument, type Architecture } from './schema.js';

export interface NewVmInput {
  id: string;
  name: string;
  /** ISO timestamp; passed in so this module stays pure. */
  now: string;
  /** 52:54:00:xx:xx:xx; passed in so this module stays pure. */
  mac: string;
  arch?: Architecture;
  osId?: string;
  memoryMiB?: number;
  cpus?: number;
  firmware?: 'bios' | 'uefi';
  /** Present when the VM gets a new (or existing) disk. */
  disk?: { path: string; format: VmDocument['disks'][number]['format'] } | null;
  iso?: string | null;
  /** The guest agent channel; the OS preset turns it on for guests that ship qemu-ga. */
  guestAgent?: boolean;
}

/** A complete, valid document with Hangar's defaults for a new machine (the wizard and CLI start here). */
export function newVmDocument(input: NewVmInput): VmDocument {
  const arch = input.arch ?? 'x86_64';
  const disks: VmDocument['disks'] = input.disk
    ? [{ id: 'disk0', path: input.disk.path, format: input.disk.format, bus: arch !== 'x86_64' ? 'virtio' : 'sata', readOnly: false, discard: true }]
    : [];
  const cdroms: VmDocument['cdroms'] = [{ id: 'cd0', path: input.iso ?? null, bus: arch !== 'x86_64' ? 'scsi' : 'sata' }];
  // A fresh disk is empty, so an installer ISO must boot first; the install flow flips this later.
  const bootOrder = input.iso ? ['cd0', ...disks.map((d) => d.id)] : [...disks.map((d) => d.id), 'cd0'];
  return {
    schemaVersion: CURRENT_SCHEMA_VERSION,
    id: input.id,
    name: input.name,
    description: '',
    osId: input.osId ?? 'generic',
    arch,
    machine: arch !== 'x86_64' ? 'virt' : 'q35',
    firmware: { type: input.firmware ?? (arch !== 'x86_64' ? 'uefi' : 'bios'), secureBoot: false, tpm: false },
    // QEMU 7.2's riscv64 has no "max" CPU model; rv64 is its generic one.
    cpu: { count: input.cpus ?? 2, model: arch === 'riscv64' ? 'rv64' : 'max' },
    memoryMiB: input.memoryMiB ?? 2048,
    disks,
    cdroms,
    network: { mode: 'user', model: 'virtio-net-pci', mac: input.mac, forwards: [] },
    display: { device: arch === 'aarch64' ? 'ramfb' : arch === 'riscv64' ? 'virtio' : 'std' },
    input: { pointer: 'usb-tablet', keyboard: arch !== 'x86_64' ? 'usb-kbd' : 'ps2' },
    audio: { device: 'none' },
    clipboard: 'off',
    guestAgent: input.guestAgent ?? false,
    usb: { images: [], rules: [] },
    shares: [],
    bootOrder,
    extraArgs: [],
    createdAt: input.now,
    updatedAt: input.now,
  };
}
