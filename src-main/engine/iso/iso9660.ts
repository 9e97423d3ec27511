// ISO 9660 volume descriptors and the El Torito boot catalog, read from any byte source.
// ECMA-119 §8: descriptors are 2048-byte sectors from sector 16 on, each "<type>CD001<version>".
// El Torito 1.0: a type-0 descriptor "EL TORITO SPECIFICATION" points (LE u32 at 0x47) to the boot
// catalog: a validation entry (platform of the default entry), the initial/default entry, then
// section headers (0x90 more follow / 0x91 last) each with N section entries (+ 0x44 extensions).

export const SECTOR = 2048;
const FIRST_DESCRIPTOR = 16;
/** Real images have 2–4 descriptors (PVD, boot record, Joliet, terminator); stop looking after this many. */
const MAX_DESCRIPTORS = 64;
/** The catalog's entries are 32 bytes; we read at most this many sectors of them. */
const MAX_CATALOG_SECTORS = 4;

export const PLATFORM_X86 = 0x00;
export const PLATFORM_EFI = 0xef;

export type IsoErrorKind = 'not-found' | 'not-a-file' | 'not-iso' | 'truncated' | 'io';

export class IsoError extends Error {
  constructor(
    readonly kind: IsoErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'IsoError';
  }
}

/** Random access to the image: a file, or a buffer in tests. */
export interface ByteSource {
  /** Bytes in the image, or null when unknown (a block device). */
  readonly size: number | null;
  /** Up to `length` bytes at `offset`; fewer only at the end of the data. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.length,
    read: async (offset, length) => buf.subarray(Math.min(offset, buf.length), Math.min(offset + length, buf.length)),
  };
}

export interface BootEntry {
  /** 0x00 x86 BIOS, 0x01 PowerPC, 0x02 Mac, 0xEF EFI. */
  platformId: number;
  bootable: boolean;
  /** 0 no emulation, 1–3 floppy, 4 hard disk. */
  mediaType: number;
  loadRba: number;
  sectorCount: number;
}

export interface IsoInfo {
  volumeId: string;
  systemId: string;
  publisherId: string;
  applicationId: string;
  /** Logical blocks × block size, from the PVD. */
  volumeBytes: number;
  bootable: { bios: boolean; uefi: boolean };
  /** Every entry of the boot catalog (empty when the image has no El Torito record). */
  bootEntries: BootEntry[];
  /** Problems that don't stop us reading the label (a damaged boot catalog...). */
  warnings: string[];
}

/** A space- (or NUL-) padded ISO 9660 string field. */
function field(sector: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < sector.length; i++) {
    const c = sector[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c === 0 ? ' ' : '?';
  }
  return s.trimEnd();
}

const u16le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32le = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

async function readSector(src: ByteSource, lba: number, what: string, count = 1): Promise<Uint8Array> {
  const offset = lba * SECTOR;
  const want = count * SECTOR;
  if (src.size !== null && offset + want > src.size) {
    throw new IsoError('truncated', `truncated ISO image: ${what} (sector ${lba}) lies past the end of the file (${src.size} bytes)`);
  }
  const data = await src.read(offset, want);
  if (data.length < want) {
    throw new IsoError('truncated', `truncated ISO image: ${what} (sector ${lba}) lies past the end of the file`);
  }
  return data;
}

/**
 * Reads the Primary Volume Descriptor and the El Torito boot catalog: a handful of sectors, never the
 * whole image. Throws {@link IsoError} `not-iso` / `truncated`; a damaged boot catalog is a warning.
 */
export async function readIsoInfo(src: ByteSource): Promise<IsoInfo> {
  if (src.size !== null && src.size < (FIRST_DESCRIPTOR + 1) * SECTOR) {
    const first = src.size > FIRST_DESCRIPTOR * SECTOR + 6 ? await src.read(FIRST_DESCRIPTOR * SECTOR, 6) : new Uint8Array();
    if (first.length === 6 && ascii(first, 1, 5) === 'CD001') {
      throw new IsoError('truncated', `truncated ISO image: the file ends inside its first volume descriptor (${src.size} bytes)`);
    }
    throw new IsoError('not-iso', `not an ISO 9660 image: the file is too small (${src.size} bytes) to have a volume descriptor at sector 16`);
  }

  let pvd: Uint8Array | null = null;
  let catalogLba: number | null = null;
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const lba = FIRST_DESCRIPTOR + i;
    const d = await readSector(src, lba, `volume descriptor ${i}`);
    const id = ascii(d, 1, 5);
    if (id !== 'CD001') {
      if (i === 0) {
        const udf = ['BEA01', 'NSR02', 'NSR03'].includes(id);
        throw new IsoError('not-iso', `not an ISO 9660 image: no CD001 signature at sector 16${udf ? ' (this looks like a UDF-only image)' : ''}`);
      }
      break; // a set without a terminator; use what we found
    }
    const type = d[0]!;
    if (type === 255) break;
    if (type === 1 && !pvd) pvd = d;
    if (type === 0 && catalogLba === null && ascii(d, 7, 23) === 'EL TORITO SPECIFICATION') catalogLba = u32le(d, 0x47);
  }
  if (!pvd) throw new IsoError('not-iso', 'not an ISO 9660 image: no primary volume descriptor after sector 16');

  const blockSize = u16le(pvd, 128) || SECTOR;
  const volumeBytes = u32le(pvd, 80) * blockSize;
  if (src.size !== null && volumeBytes > src.size) {
    throw new IsoError(
      'truncated',
      `truncated ISO image: the volume is ${volumeBytes} bytes but the file has only ${src.size} (an incomplete download?)`,
    );
  }

  const info: IsoInfo = {
    systemId: field(pvd, 8, 32),
    volumeId: field(pvd, 40, 32),
    publisherId: field(pvd, 318, 128),
    applicationId: field(pvd, 574, 128),
    volumeBytes,
    bootable: { bios: false, uefi: false },
    bootEntries: [],
    warnings: [],
  };
  if (catalogLba !== null) {
    try {
      info.bootEntries = await readBootCatalog(src, catalogLba);
    } catch (err) {
      if (!(err instanceof IsoError)) throw err;
      info.warnings.push(err.message);
    }
    for (const e of info.bootEntries) {
      if (!e.bootable) continue;
      if (e.platformId === PLATFORM_X86) info.bootable.bios = true;
      if (e.platformId === PLATFORM_EFI) info.bootable.uefi = true;
    }
  }
  return info;
}

/** Parses the El Torito boot catalog at `lba`. Throws {@link IsoError} when it is damaged or out of bounds. */
export async function readBootCatalog(src: ByteSource, lba: number): Promise<BootEntry[]> {
  if (lba < FIRST_DESCRIPTOR) throw new IsoError('not-iso', `damaged El Torito record: boot catalog sector ${lba} is inside the system area`);
  const sectors = src.size === null ? 1 : Math.max(1, Math.min(MAX_CATALOG_SECTORS, Math.floor(src.size / SECTOR) - lba));
  const cat = await readSector(src, lba, 'the El Torito boot catalog', sectors);

  // Validation entry: header 0x01, platform, id string, checksum (all 16 words sum to 0), key 55 AA.
  if (cat[0] !== 0x01 || cat[30] !== 0x55 || cat[31] !== 0xaa) {
    throw new IsoError('not-iso', `damaged El Torito boot catalog at sector ${lba}: no validation entry`);
  }
  let sum = 0;
  for (let o = 0; o < 32; o += 2) sum = (sum + u16le(cat, o)) & 0xffff;
  if (sum !== 0) throw new IsoError('not-iso', `damaged El Torito boot catalog at sector ${lba}: bad validation checksum`);

  const entry = (o: number, platformId: number): BootEntry => ({
    platformId,
    bootable: cat[o] === 0x88,
    mediaType: cat[o + 1]! & 0x0f,
    loadRba: u32le(cat, o + 8),
    sectorCount: u16le(cat, o + 6),
  });
  const entries: BootEntry[] = [entry(32, cat[1]!)];

  let o = 64;
  while (o + 32 <= cat.length) {
    const header = cat[o]!;
    if (header !== 0x90 && header !== 0x91) break; // end of the catalog (zeros) or garbage
    const platformId = cat[o + 1]!;
    const count = u16le(cat, o + 2);
    o += 32;
    for (let n = 0; n < count && o + 32 <= cat.length; n++) {
      entries.push(entry(o, platformId));
      o += 32;
      // Section entry extensions (0x44) carry more selection criteria; skip them.
      while (o + 32 <= cat.length && cat[o] === 0x44) o += 32;
    }
    if (header === 0x91) break;
  }
  return entries;
}
