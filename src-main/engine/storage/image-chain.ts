// Every file a disk image can make QEMU open, found by reading the image headers ourselves (never by
// asking qemu-img, which would already open the names a hostile header gives) and refused unless each is
// a regular file in an allowed place. Deny by default: a format feature we do not read is refused.
import { constants } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { DISK_FORMATS, type DiskFormat } from '../../../src-shared/vm-document/index.js';
import { SYSTEM_FOLDERS } from './path-guard.js';
import { countWork } from '../work-counts.js';

/** One image of a chain, top first: its real path (symlinks resolved) and the driver QEMU must open it with. */
export interface ChainLayer {
  path: string;
  format: DiskFormat;
}

/**
 * Where the files of a chain may lie. `null`: anywhere outside the system folders (a disk the user chose by
 * path: its chain is theirs). Otherwise real folder paths; a file must be inside one of them.
 */
export interface ChainRules {
  image: string[] | null;
  backing: string[] | null;
  /** How refusals name the backing folders (default: the folder itself). */
  backingPlace?: string;
}

/** Deeper than this is a crafted image (a linked clone of a linked clone adds one layer). */
export const MAX_CHAIN_DEPTH = 16;

const QCOW2_MAGIC = 0x514649fb;
const EXT_BACKING_FORMAT = 0xe2792aca;
const EXT_DATA_FILE = 0x44415441;
const INCOMPAT_DATA_FILE = 1 << 2;
const VMDK_SINGLE_FILE = ['monolithicSparse', 'streamOptimized'];

function refuse(message: string, file: string, reference?: string): EngineError {
  return new EngineError('invalid-args', message, { path: file, ...(reference !== undefined ? { reference } : {}) });
}

/** A header that is not a readable image at all (QEMU would refuse to open it too): `reason: 'unreadable'`. */
function unreadable(message: string, file: string): EngineError {
  return new EngineError('invalid-args', message, { path: file, reason: 'unreadable' });
}

/** Was this refusal only "not a readable image" (then qemu-img's own words say more)? */
export function isUnreadable(err: unknown): boolean {
  return err instanceof EngineError && err.details?.['reason'] === 'unreadable';
}

/**
 * QEMU's own test (path_has_protocol): a colon before the first slash makes `nbd:`, `http:`, `file:`,
 * `json:{…}` a protocol or inline options, not a file name. Relative or absolute, a plain name has none.
 */
export function isProtocolName(name: string): boolean {
  const m = /[:/]/.exec(name);
  return m !== null && m[0] === ':';
}

/** Printable for messages: a header can hold any bytes. */
function shown(name: string): string {
  const flat = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function realRoots(roots: string[]): Promise<string[]> {
  return Promise.all(roots.map((r) => realpath(r).catch(() => resolve(r))));
}

/** The file behind a name: real, regular, in an allowed place. Checked before it is opened (a FIFO would block). */
async function placed(name: string, roots: string[] | null, what: string, from: string | null, place?: string): Promise<{ real: string; stats: Stats }> {
  const via = from === null ? '' : ` of ${from}`;
  let real: string;
  try {
    real = await realpath(name);
  } catch {
    throw new EngineError('not-found', `${what} ${name}${via} is missing`, { path: name });
  }
  const s = await stat(real);
  if (!s.isFile()) throw refuse(`${what} ${name}${via}${real !== name ? ` resolves to ${real}, which` : ''} is not a regular file (a device, FIFO or folder); Hangar only uses image files`, name, real);
  const system = SYSTEM_FOLDERS.find((f) => real === f || real.startsWith(`${f}/`));
  if (system) throw refuse(`${what} ${name}${via} resolves to ${real}, a system file (under ${system}); Hangar does not use files there`, name, real);
  if (roots !== null && !(await realRoots(roots)).some((r) => inside(r, real))) {
    const where = place ?? roots.join(', ');
    throw refuse(`${what} ${name}${via}${real !== resolve(name) ? ` (really ${real})` : ''} lies outside ${where}; Hangar only lets an image read files in the machine's own folder`, name, real);
  }
  return { real, stats: s };
}

/**
 * What a layer's header said, per real path and the format it was opened as, with the file's identity then. Every
 * start checks every chain (the places above are checked each time: a symlink or folder may have moved), but an
 * unchanged file's header is not read again. Any write changes mtime and ctime, and ctime cannot be set back.
 */
const headerCache = new Map<string, { stamp: string; format: DiskFormat; header: Header }>();
const HEADER_CACHE_MAX = 1024;

function fileStamp(s: Stats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/** For tests: forget every header read. */
export function clearImageHeaderCache(): void {
  headerCache.clear();
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  return buf.subarray(0, bytesRead);
}

interface Header {
  backing: string | null;
  backingFormat: string | null;
}

async function qcow2Header(fh: FileHandle, file: string): Promise<Header> {
  const h = await readAt(fh, 0, 104);
  if (h.length < 72 || h.readUInt32BE(0) !== QCOW2_MAGIC) throw unreadable(`${file} is not a qcow2 image (no qcow2 header)`, file);
  const version = h.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw unreadable(`${file} is a qcow${version === 1 ? ' (version 1)' : `2 version ${version}`} image; Hangar reads qcow2 versions 2 and 3`, file);
  const backingOffset = Number(h.readBigUInt64BE(8));
  const backingSize = h.readUInt32BE(16);
  const clusterBits = h.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21) throw unreadable(`${file} has an invalid qcow2 cluster size`, file);
  let headerLength = 72;
  let backingFormat: string | null = null;
  if (version === 3) {
    if (h.length < 104 || h.readUInt32BE(100) < 104) throw unreadable(`${file} has a truncated qcow2 header`, file);
    if (Number(h.readBigUInt64BE(72) & BigInt(INCOMPAT_DATA_FILE)) !== 0) {
      throw refuse(`${file} keeps its data in an external data file (a qcow2 data-file); Hangar does not use such images (convert it with qemu-img convert)`, file);
    }
    headerLength = h.readUInt32BE(100);
  }
  // Header extensions follow the header, up to the end of the first cluster (QEMU reads them no further).
  const clusterEnd = 2 ** clusterBits;
  let at = headerLength;
  for (let n = 0; n < 1024 && at + 8 <= clusterEnd; n++) {
    const ext = await readAt(fh, at, 8);
    if (ext.length < 8) break;
    const type = ext.readUInt32BE(0);
    const len = ext.readUInt32BE(4);
    if (type === 0) break;
    if (type === EXT_DATA_FILE) {
      const name = (await readAt(fh, at + 8, Math.min(len, 4096))).toString('latin1');
      throw refuse(`${file} names an external data file ${shown(name)} (a qcow2 data-file); Hangar does not use such images`, file, name);
    }
    if (type === EXT_BACKING_FORMAT) backingFormat = (await readAt(fh, at + 8, Math.min(len, 64))).toString('latin1');
    at += 8 + Math.ceil(len / 8) * 8;
  }
  if (backingOffset === 0 || backingSize === 0) return { backing: null, backingFormat: null };
  if (backingSize > 1023) throw unreadable(`${file} has a backing file name of ${backingSize} bytes (QEMU allows 1023)`, file);
  const name = await readAt(fh, backingOffset, backingSize);
  if (name.length < backingSize) throw unreadable(`${file} names a backing file past its end`, file);
  return { backing: name.toString('utf8'), backingFormat };
}

/** A `key="value"` line of a VMDK descriptor. */
function descriptorValue(text: string, key: string): string | null {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*"?([^"\\r\\n]*)"?`, 'm').exec(text);
  return m ? m[1]! : null;
}

/**
 * Single-file VMDKs only (monolithicSparse, streamOptimized): their one extent is the file itself. A text
 * descriptor names extent files, and a sparse header with capacity 0 makes QEMU read the extents of its
 * embedded descriptor: both are refused, as is a delta (parentFileNameHint).
 */
async function vmdkHeader(fh: FileHandle, file: string): Promise<Header> {
  const h = await readAt(fh, 0, 512);
  const magic = h.subarray(0, 4).toString('latin1');
  if (magic === 'COWD') throw refuse(`${file} is a VMware 3 (COWD) image; Hangar attaches monolithicSparse and streamOptimized VMDKs only`, file);
  if (magic !== 'KDMV') {
    const text = h.toString('latin1');
    const type = descriptorValue(text, 'createType');
    const extents = [...text.matchAll(/^\s*(?:RW|RDONLY|NOACCESS)\s+\d+\s+\w+\s+"([^"]*)"/gm)].map((m) => m[1]!);
    if (type === null && extents.length === 0) throw unreadable(`${file} is not a VMDK image`, file);
    throw refuse(
      `${file} is a VMDK descriptor (create type ${shown(type ?? 'unknown')}) whose data lives in other files${extents.length ? ` (${extents.map(shown).join(', ')})` : ''}; Hangar attaches single-file VMDKs only (monolithicSparse, streamOptimized): convert it with qemu-img convert`,
      file,
      extents[0],
    );
  }
  if (h.length < 44) throw unreadable(`${file} has a truncated VMDK header`, file);
  const capacity = h.readBigUInt64LE(12);
  const descOffset = Number(h.readBigUInt64LE(28));
  const descSize = Number(h.readBigUInt64LE(36));
  if (capacity === 0n) throw refuse(`${file} is a VMDK whose header hands over to an embedded descriptor (capacity 0), which names extent files; Hangar does not use such images`, file);
  // QEMU reads the parent hint at sector 1 whatever the header says; check both places.
  const texts = [await readAt(fh, 512, 10240)];
  if (descOffset > 1 && descSize > 0) texts.push(await readAt(fh, descOffset * 512, Math.min(descSize * 512, 10240)));
  for (const t of texts.map((b) => b.toString('latin1').replace(/\0[\s\S]*$/, ''))) {
    const type = descriptorValue(t, 'createType');
    if (type !== null && !VMDK_SINGLE_FILE.includes(type)) throw refuse(`${file} is a VMDK of create type ${shown(type)}; Hangar attaches monolithicSparse and streamOptimized VMDKs only`, file);
    const parent = descriptorValue(t, 'parentFileNameHint');
    if (parent) throw refuse(`${file} is a VMDK delta image on ${shown(parent)} (parentFileNameHint); Hangar does not use VMDK parents (convert it with qemu-img convert)`, file, parent);
  }
  return { backing: null, backingFormat: null };
}

/** What QEMU would probe a backing file without a recorded format as (formats that open more files are refused). */
async function probeFormat(fh: FileHandle, file: string, backing: boolean): Promise<DiskFormat> {
  const h = await readAt(fh, 0, 512);
  const magic = h.subarray(0, 4).toString('latin1');
  if (h.length >= 4 && h.readUInt32BE(0) === QCOW2_MAGIC) return 'qcow2';
  if (magic === 'KDMV' || magic === 'COWD' || /^\s*# Disk DescriptorFile/.test(h.toString('latin1'))) return 'vmdk';
  // QED has backing files of its own; as the image itself, qemu-img info names the format and it is refused by name.
  if (magic === 'QED\0') throw backing ? refuse(`${file} is a QED image; Hangar does not use QED backing files`, file) : unreadable(`${file} is a QED image`, file);
  if (h.subarray(0, 8).toString('latin1') === 'vhdxfile') return 'vhdx';
  if (h.subarray(0, 8).toString('latin1') === 'conectix') return 'vpc';
  if (h.length >= 68 && h.readUInt32LE(64) === 0xbeda107f) return 'vdi';
  return 'raw';
}

/**
 * The chain of `image` opened with `format`, checked link by link: each file real, regular, outside the
 * system folders and inside `rules`; no protocol or `json:` names, no loops, at most MAX_CHAIN_DEPTH deep;
 * qcow2 without external data files; VMDK single-file only. Refusals name the file and the reference.
 * `format` null: not known yet (before qemu-img info may look at the file), taken from its header as QEMU would.
 */
export async function inspectImageChain(image: string, format: DiskFormat | null, rules: ChainRules): Promise<ChainLayer[]> {
  const layers: ChainLayer[] = [];
  const seen = new Set<string>();
  let name = resolve(image);
  let fmt: DiskFormat | null = format;
  let from: string | null = null;
  for (let depth = 0; ; depth++) {
    if (depth >= MAX_CHAIN_DEPTH) throw refuse(`the backing chain of ${image} is more than ${MAX_CHAIN_DEPTH} images deep`, image, name);
    const where: { real: string; stats: Stats } = from === null ? await placed(name, rules.image, 'the image', null) : await placed(name, rules.backing, 'the backing file', from, rules.backingPlace);
    const real: string = where.real;
    const stats = where.stats;
    if (seen.has(real)) throw refuse(`the backing chain of ${image} loops: ${from} names ${real} again`, image, real);
    seen.add(real);
    const key = `${real}\0${fmt ?? ''}`;
    const known = headerCache.get(key);
    let header: Header;
    if (known && known.stamp === fileStamp(stats)) {
      fmt = known.format;
      header = known.header;
    } else {
      countWork('imageHeader');
      // O_NONBLOCK: a file swapped for a FIFO since the stat must not hang the engine.
      const fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        const opened = await fh.stat();
        if (!opened.isFile()) throw refuse(`${real} is not a regular file`, real);
        fmt ??= await probeFormat(fh, real, from !== null);
        header = fmt === 'qcow2' ? await qcow2Header(fh, real) : fmt === 'vmdk' ? await vmdkHeader(fh, real) : { backing: null, backingFormat: null };
        // Only a header that passed is kept (refusals are read again), under the identity of the file read.
        headerCache.delete(key);
        headerCache.set(key, { stamp: fileStamp(opened), format: fmt, header });
        if (headerCache.size > HEADER_CACHE_MAX) headerCache.delete(headerCache.keys().next().value!);
      } finally {
        await fh.close();
      }
    }
    layers.push({ path: real, format: fmt });
    const backing = header.backing;
    if (backing === null) return layers;
    if (backing === '' || /[\u0000-\u001f]/.test(backing)) throw refuse(`${real} names a backing file with control characters in it (${shown(backing)})`, real, backing);
    if (isProtocolName(backing)) {
      throw refuse(`the backing file ${shown(backing)} of ${real} is not a plain file path (a protocol or json: name); Hangar only uses images whose backing files are files on this computer`, real, backing);
    }
    if (header.backingFormat !== null && !(DISK_FORMATS as readonly string[]).includes(header.backingFormat)) {
      throw refuse(`${real} names the backing format ${shown(header.backingFormat)}; Hangar only opens backing files as ${DISK_FORMATS.join(', ')}`, real, header.backingFormat);
    }
    // Relative to the image's folder, as QEMU resolves it.
    from = real;
    name = isAbsolute(backing) ? backing : resolve(dirname(real), backing);
    fmt = (header.backingFormat as DiskFormat | null) ?? null;
  }
}

/** A disk the user chose by path: its chain may be anywhere but the system folders (still no protocols, devices or split VMDKs). */
export const USER_CHOSEN: ChainRules = { image: null, backing: null };

/** The rules for a disk named in a VM document: in its bundle (a relative path) or chosen by the user (absolute). */
export function diskRules(bundleDir: string, diskPath: string, libraryBundles: readonly string[], baseImage?: string): ChainRules {
  if (isAbsolute(diskPath)) return USER_CHOSEN;
  // Linked clones read their base from the source's bundle: any bundle of the library will do, nothing else.
  // An overlay on a cloud image also reads that one image (the file itself, not its folder).
  const base = baseImage !== undefined && isAbsolute(baseImage) ? [baseImage] : [];
  return { image: [bundleDir], backing: [...new Set([bundleDir, ...libraryBundles, ...base])], backingPlace: `the library's machine folders${base.length ? ` or the cloud image ${baseImage}` : ''}` };
}

/** Node name → checked chain, for every disk (and the UEFI vars) of a VM, as buildArgv takes them. */
export type VmChains = Record<string, ChainLayer[]>;

/**
 * The checked chain of every disk of a VM and of its UEFI variable store (`nvramPath`, in the bundle).
 * Refusals are `start-refused` naming the disk and the offending reference. `skipMissing`: a file not
 * there yet (a preview of a machine not yet created) is left out instead of refused.
 */
export async function checkVmImages(
  vm: { name: string; bundleDir: string; doc: { disks: ReadonlyArray<{ id: string; path: string; format: DiskFormat; baseImage?: string | undefined }> } },
  libraryBundles: readonly string[],
  opts: { nvramPath?: string; skipMissing?: boolean } = {},
): Promise<VmChains> {
  const chains: VmChains = {};
  const one = async (node: string, what: string, file: string, format: DiskFormat, rules: ChainRules): Promise<void> => {
    try {
      chains[node] = await inspectImageChain(file, format, rules);
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      if (opts.skipMissing && err.code === 'not-found' && file === resolve(String(err.details?.['path'] ?? ''))) return;
      throw new EngineError('start-refused', `${what} of "${vm.name}": ${err.message}`, { ...err.details, field: 'disks', disk: node });
    }
  };
  for (const d of vm.doc.disks) {
    const file = isAbsolute(d.path) ? d.path : resolve(vm.bundleDir, d.path);
    await one(d.id, `disk ${d.id}`, file, d.format, diskRules(vm.bundleDir, d.path, libraryBundles, d.baseImage));
  }
  if (opts.nvramPath !== undefined) {
    const exists = await stat(opts.nvramPath).then(() => true, () => false);
    if (exists) await one('pflash1', 'the UEFI variable store', opts.nvramPath, 'qcow2', { image: [vm.bundleDir], backing: [vm.bundleDir] });
  }
  return chains;
}
