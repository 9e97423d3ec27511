import { posix } from 'node:path';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { ArgvError } from './errors.js';
import type { MachineFamily } from './machine-family.js';
import { escapeOptionValue, optionString, type OptionEntry } from './option-string.js';
import type { ImageChain } from './argv-types.js';

/** Relative document paths live in the bundle; posix join keeps this pure and deterministic. */
export function resolveInBundle(bundleDir: string, path: string): string {
  return posix.isAbsolute(path) ? path : posix.join(bundleDir, path);
}

/** A file node `<id>-file` under a format node `<id>`: format node names are what snapshot-save and QMP address. */
export function blockdevPair(id: string, filename: string, format: string, opts: { readOnly: boolean; discard: boolean }): string[] {
  const common: OptionEntry[] = [
    ['read-only', opts.readOnly ? true : undefined],
    ['discard', opts.discard ? 'unmap' : undefined],
  ];
  return [
    '-blockdev',
    optionString(null, [['driver', 'file'], ['filename', filename], ['node-name', `${id}-file`], ...common]),
    '-blockdev',
    optionString(null, [['driver', format], ['file', `${id}-file`], ['node-name', id], ...common, ['detect-zeroes', opts.discard && !opts.readOnly ? 'unmap' : undefined]]),
  ];
}

/** JSON needs no comma doubling, but NUL and line breaks are refused here as everywhere (escapeOptionValue throws). */
function jsonPath(path: string): string {
  escapeOptionValue(path, 'filename');
  return path;
}

/** Formats whose QEMU driver takes a `backing` option. */
const BACKED = new Set(['qcow2', 'vmdk']);

/**
 * A checked chain as explicit nodes, bottom first: layer i is `<id>-b<i>` (the top keeps `<id>`) over its
 * file node, each format node's `backing` the next layer's node or null. QEMU then opens exactly these
 * files and never a name from an image header. JSON syntax: the keyval form has no null.
 */
export function chainNodes(id: string, chain: ImageChain, opts: { readOnly: boolean; discard: boolean }): string[] {
  const args: string[] = [];
  for (let i = chain.length - 1; i >= 0; i--) {
    const layer = chain[i]!;
    const name = i === 0 ? id : `${id}-b${i}`;
    // Backing layers are only read: shared bases of linked clones stay openable by every VM at once.
    const readOnly = i === 0 ? opts.readOnly : true;
    const discard = i === 0 && opts.discard ? 'unmap' : undefined;
    const common = { ...(readOnly ? { 'read-only': true } : {}), ...(discard ? { discard } : {}) };
    args.push('-blockdev', JSON.stringify({ driver: 'file', filename: jsonPath(layer.path), 'node-name': `${name}-file`, ...common }));
    const backing = BACKED.has(layer.format) ? { backing: i + 1 < chain.length ? `${id}-b${i + 1}` : null } : {};
    const zeroes = discard && !readOnly ? { 'detect-zeroes': 'unmap' } : {};
    args.push('-blockdev', JSON.stringify({ driver: layer.format, file: `${name}-file`, 'node-name': name, ...common, ...zeroes, ...backing }));
  }
  return args;
}

/**
 * A disposable run: the image (or its checked chain) is opened read-only as node `<id>-base`, under a throwaway
 * qcow2 overlay that takes the format node name `<id>` (so devices, snapshots and QMP address it as usual).
 * Every guest write lands in the overlay; the image itself is never opened for writing.
 */
export function overlaidPair(id: string, overlay: string, base: { filename: string; format: string; discard: boolean; chain?: ImageChain }): string[] {
  const baseNodes = base.chain
    ? chainNodes(`${id}-base`, base.chain, { readOnly: true, discard: false })
    : blockdevPair(`${id}-base`, base.filename, base.format, { readOnly: true, discard: false });
  return [
    ...baseNodes,
    '-blockdev',
    optionString(null, [['driver', 'file'], ['filename', overlay], ['node-name', `${id}-file`], ['discard', base.discard ? 'unmap' : undefined]]),
    '-blockdev',
    optionString(null, [['driver', 'qcow2'], ['file', `${id}-file`], ['backing', `${id}-base`], ['node-name', id], ['discard', base.discard ? 'unmap' : undefined], ['detect-zeroes', base.discard ? 'unmap' : undefined]]),
  ];
}

/** Hands out controller slots in document order (disks, then CD-ROMs) and emits each controller once. */
class Buses {
  readonly controllers: string[][] = [];
  private sataNext = 0;
  private ideNext = 0;
  private scsiNext = 0;
  private sataController: string | null = null;
  private scsiController: string | null = null;

  constructor(private readonly family: MachineFamily) {}

  /** q35 has a 6-port AHCI (`ide.0`–`ide.5`); elsewhere we add one. */
  sata(field: string): OptionEntry[] {
    if (this.family !== 'q35' && this.sataController === null) {
      this.sataController = 'ahci0';
      this.controllers.push(['-device', optionString('ich9-ahci', [['id', 'ahci0']])]);
    }
    const port = this.sataNext++;
    if (port >= 6) throw new ArgvError(field, 'at most 6 SATA devices (disks and CD-ROMs together) are supported');
    return [['bus', this.family === 'q35' ? `ide.${port}` : `ahci0.${port}`]];
  }

  /** The i440fx PIIX IDE: two buses with a master and a slave each. */
  ide(field: string): OptionEntry[] {
    if (this.family !== 'i440fx') throw new ArgvError(field, 'the ide bus needs an i440fx ("pc") machine; use sata on q35 and other machines');
    const n = this.ideNext++;
    if (n >= 4) throw new ArgvError(field, 'at most 4 IDE devices (disks and CD-ROMs together) are supported');
    return [['bus', `ide.${Math.floor(n / 2)}`], ['unit', n % 2]];
  }

  scsi(field: string): OptionEntry[] {
    if (this.scsiController === null) {
      this.scsiController = 'scsi0';
      this.controllers.push(['-device', optionString('virtio-scsi-pci', [['id', 'scsi0']])]);
    }
    const n = this.scsiNext++;
    if (n > 255) throw new ArgvError(field, 'too many SCSI devices');
    return [['bus', 'scsi0.0'], ['channel', 0], ['scsi-id', n], ['lun', 0]];
  }
}

/** `chains`: disk id → its checked chain (explicit backing nodes); `overlays`: disk id → throwaway overlay file, for a disposable run (writable disks only). */
export function storageArgs(
  vm: VmDocument,
  family: MachineFamily,
  bundleDir: string,
  chains: Readonly<Record<string, ImageChain>> = {},
  overlays: Readonly<Record<string, string>> = {},
): string[] {
  const buses = new Buses(family);
  const devices: string[] = [];
  const bootindex = (id: string): number | undefined => {
    const i = vm.bootOrder.indexOf(id);
    return i < 0 ? undefined : i + 1;
  };

  vm.disks.forEach((disk, i) => {
    const field = `disks[${i}]`;
    const chain = chains[disk.id];
    const nodeOpts = { readOnly: disk.readOnly, discard: disk.discard };
    const overlay = disk.readOnly ? undefined : overlays[disk.id];
    const filename = resolveInBundle(bundleDir, disk.path);
    devices.push(...(overlay !== undefined
      ? overlaidPair(disk.id, overlay, { filename, format: disk.format, discard: disk.discard, ...(chain ? { chain } : {}) })
      : chain
        ? chainNodes(disk.id, chain, nodeOpts)
        : blockdevPair(disk.id, filename, disk.format, nodeOpts)));
    const common: OptionEntry[] = [['id', disk.id], ['drive', disk.id]];
    const boot: OptionEntry = ['bootindex', bootindex(disk.id)];
    switch (disk.bus) {
      case 'virtio':
        devices.push('-device', optionString('virtio-blk-pci', [...common, boot]));
        break;
      case 'nvme':
        // NVMe requires a serial; the device id is unique and stable, so guests keep their /dev/disk/by-id names.
        devices.push('-device', optionString('nvme', [...common, ['serial', disk.id], boot]));
        break;
      case 'scsi':
        devices.push('-device', optionString('scsi-hd', [...common, ...buses.scsi(`${field}.bus`), boot]));
        break;
      case 'sata':
      case 'ide':
        // QEMU's ide-hd refuses read-only nodes ("Block node is read-only").
        if (disk.readOnly) throw new ArgvError(`${field}.readOnly`, `a read-only disk cannot be on the ${disk.bus} bus; use virtio, scsi or nvme`);
        devices.push('-device', optionString('ide-hd', [...common, ...(disk.bus === 'sata' ? buses.sata(`${field}.bus`) : buses.ide(`${field}.bus`)), boot]));
        break;
    }
  });

  vm.cdroms.forEach((cd, i) => {
    const field = `cdroms[${i}]`;
    // An empty drive still gets its device, so media can be inserted later with blockdev-change-medium id=<id>.
    if (cd.path !== null) devices.push(...blockdevPair(cd.id, resolveInBundle(bundleDir, cd.path), 'raw', { readOnly: true, discard: false }));
    const drive: OptionEntry = ['drive', cd.path !== null ? cd.id : undefined];
    const boot: OptionEntry = ['bootindex', bootindex(cd.id)];
    switch (cd.bus) {
      case 'scsi':
        devices.push('-device', optionString('scsi-cd', [['id', cd.id], drive, ...buses.scsi(`${field}.bus`), boot]));
        break;
      case 'sata':
      case 'ide':
        devices.push('-device', optionString('ide-cd', [['id', cd.id], drive, ...(cd.bus === 'sata' ? buses.sata(`${field}.bus`) : buses.ide(`${field}.bus`)), boot]));
        break;
    }
  });

  return [...buses.controllers.flat(), ...devices];
}
