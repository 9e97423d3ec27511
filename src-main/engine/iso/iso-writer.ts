// A small ISO 9660 writer for seed images (NoCloud `cidata`, OEMDRV, autounattend): one flat root
// directory of small files. ECMA-119 names are 8.3 upper case, so the real names (`user-data`,
// `meta-data`, `autounattend.xml`) go in a Joliet tree (UCS-2), which Linux isofs and Windows both
// prefer when present. Pure: no I/O, the same input gives the same bytes.

export const ISO_SECTOR = 2048;
/** Seeds are a few kilobytes; a cap keeps a bad caller from building a huge buffer in memory. */
export const ISO_MAX_TOTAL_BYTES = 64 * 1024 * 1024;
export const ISO_MAX_FILES = 64;
/** Joliet allows 64 UCS-2 characters per name. */
const JOLIET_MAX_NAME = 64;

export interface IsoFileInput {
  /** The file's name in the root directory, case and hyphens kept (Joliet). */
  name: string;
  data: Uint8Array | string;
}

export interface BuildIsoOptions {
  /** Up to 32 characters of A–Z a–z 0–9 _ - (e.g. `cidata`, `OEMDRV`). */
  volumeId: string;
  files: readonly IsoFileInput[];
  /** Recorded in the descriptors and directory records; fixed in tests for reproducible bytes. */
  date?: Date;
}

export class IsoWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IsoWriteError';
  }
}

// Sector map: 0–15 system area, 16 PVD, 17 Joliet SVD, 18 terminator, 19–22 path tables, then the two
// root directories, then the file data.
const PVD_LBA = 16;
const SVD_LBA = 17;
const TERM_LBA = 18;
const L_PATH_LBA = 19;
const M_PATH_LBA = 20;
const JL_PATH_LBA = 21;
const JM_PATH_LBA = 22;
const DIRS_LBA = 23;

const VOLUME_ID_RE = /^[A-Za-z0-9_-]{1,32}$/;
// Forbidden in Joliet names (and in Windows file names): controls, / \ : * ? ; " < > |
const BAD_NAME_RE = /[\u0000-\u001f\u007f/\\:*?;"<>|]/;

interface Entry {
  name: string;
  isoName: string;
  data: Uint8Array;
  lba: number;
}

/** Builds an ISO image of `files` in a flat root. Throws {@link IsoWriteError} on a bad name, id or size. */
export function buildIso(opts: BuildIsoOptions): Buffer {
  if (!VOLUME_ID_RE.test(opts.volumeId)) {
    throw new IsoWriteError(`bad volume id ${JSON.stringify(opts.volumeId)}: use 1–32 characters of A–Z a–z 0–9 _ -`);
  }
  if (opts.files.length > ISO_MAX_FILES) throw new IsoWriteError(`too many files for a seed image (${opts.files.length} > ${ISO_MAX_FILES})`);
  const date = opts.date ?? new Date();
  const seen = new Set<string>();
  const usedIso = new Set<string>();
  let total = 0;
  const entries: Entry[] = opts.files.map((f) => {
    checkName(f.name);
    const key = f.name.toLowerCase(); // Windows folds case: two names differing only in case would clash there
    if (seen.has(key)) throw new IsoWriteError(`duplicate file name ${JSON.stringify(f.name)}`);
    seen.add(key);
    const data = typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
    total += data.length;
    if (total > ISO_MAX_TOTAL_BYTES) throw new IsoWriteError(`seed image too large: more than ${ISO_MAX_TOTAL_BYTES} bytes of files`);
    return { name: f.name, isoName: isoName(f.name, usedIso), data, lba: 0 };
  });
  // Sorted as ECMA-119 §9.3 and Joliet require (readers may binary-search).
  const isoOrder = [...entries].sort((a, b) => cmp(a.isoName, b.isoName));
  const jolietOrder = [...entries].sort((a, b) => cmp(jolietKey(a.name), jolietKey(b.name)));

  const isoDir = (lba: number) =>
    dirBytes(lba, isoOrder.map((e) => record(e.lba, e.data.length, Buffer.from(e.isoName, 'ascii'), 0, date)), date);
  const jolietDir = (lba: number) => dirBytes(lba, jolietOrder.map((e) => record(e.lba, e.data.length, ucs2(e.name), 0, date)), date);

  // Directory sizes don't depend on their LBAs, so lay out with placeholders first.
  const isoDirSectors = sectorsOf(isoDir(0).length);
  const jolietDirLba = DIRS_LBA + isoDirSectors;
  const jolietDirSectors = sectorsOf(jolietDir(0).length);
  let next = jolietDirLba + jolietDirSectors;
  for (const e of entries) {
    e.lba = e.data.length === 0 ? 0 : next;
    next += sectorsOf(e.data.length);
  }
  const totalSectors = next;

  const out = Buffer.alloc(totalSectors * ISO_SECTOR);
  const isoRoot = { lba: DIRS_LBA, size: isoDirSectors * ISO_SECTOR };
  const jolietRoot = { lba: jolietDirLba, size: jolietDirSectors * ISO_SECTOR };
  out.set(descriptor(1, opts.volumeId, totalSectors, isoRoot, L_PATH_LBA, M_PATH_LBA, date), PVD_LBA * ISO_SECTOR);
  out.set(descriptor(2, opts.volumeId, totalSectors, jolietRoot, JL_PATH_LBA, JM_PATH_LBA, date), SVD_LBA * ISO_SECTOR);
  out.set(terminator(), TERM_LBA * ISO_SECTOR);
  out.set(pathTable(isoRoot.lba, 'le'), L_PATH_LBA * ISO_SECTOR);
  out.set(pathTable(isoRoot.lba, 'be'), M_PATH_LBA * ISO_SECTOR);
  out.set(pathTable(jolietRoot.lba, 'le'), JL_PATH_LBA * ISO_SECTOR);
  out.set(pathTable(jolietRoot.lba, 'be'), JM_PATH_LBA * ISO_SECTOR);
  out.set(isoDir(DIRS_LBA), DIRS_LBA * ISO_SECTOR);
  out.set(jolietDir(jolietDirLba), jolietDirLba * ISO_SECTOR);
  for (const e of entries) if (e.data.length) out.set(e.data, e.lba * ISO_SECTOR);
  return out;
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new IsoWriteError('a seed file needs a name');
  if (name.length > JOLIET_MAX_NAME) throw new IsoWriteError(`file name too long for Joliet (${name.length} > ${JOLIET_MAX_NAME}): ${JSON.stringify(name)}`);
  if (name === '.' || name === '..' || BAD_NAME_RE.test(name) || /[\ud800-\udfff]/.test(name)) {
    throw new IsoWriteError(`bad file name for an ISO image: ${JSON.stringify(name)}`);
  }
}

const sectorsOf = (bytes: number) => Math.max(1, Math.ceil(bytes / ISO_SECTOR));
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const jolietKey = (name: string) => name; // UCS-2 code-unit order = JS string order

/** An ECMA-119 level-1 name (`USER_DAT.;1`), unique within the directory. */
function isoName(name: string, used: Set<string>): string {
  const clean = (s: string) => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const dot = name.lastIndexOf('.');
  const base = clean(dot > 0 ? name.slice(0, dot) : name) || '_';
  const ext = clean(dot > 0 ? name.slice(dot + 1) : '').slice(0, 3);
  for (let n = 0; ; n++) {
    const tag = n === 0 ? '' : String(n);
    const candidate = `${base.slice(0, 8 - tag.length)}${tag}.${ext};1`;
    if (!used.has(candidate)) {
      used.add(candidate);
      return candidate;
    }
  }
}

function ucs2(s: string): Buffer {
  const b = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) b.writeUInt16BE(s.charCodeAt(i), i * 2);
  return b;
}

function both16(b: Buffer, o: number, v: number) {
  b.writeUInt16LE(v, o);
  b.writeUInt16BE(v, o + 2);
}
function both32(b: Buffer, o: number, v: number) {
  b.writeUInt32LE(v, o);
  b.writeUInt32BE(v, o + 4);
}

/** ECMA-119 §9.1 directory record; `flags` 2 = directory. */
function record(lba: number, size: number, id: Buffer, flags: number, date: Date): Buffer {
  const len = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(len);
  r[0] = len;
  both32(r, 2, lba);
  both32(r, 10, size);
  r.set(recordDate(date), 18);
  r[25] = flags;
  both16(r, 28, 1);
  r[32] = id.length;
  r.set(id, 33);
  return r;
}

/** "." and ".." then the entries; a record never crosses a sector boundary (§6.8.1.1). */
function dirBytes(selfLba: number, recs: Buffer[], date: Date): Buffer {
  const chunks: Buffer[] = [];
  let used = 0;
  const push = (r: Buffer) => {
    const left = ISO_SECTOR - (used % ISO_SECTOR);
    if (r.length > left) {
      chunks.push(Buffer.alloc(left));
      used += left;
    }
    chunks.push(r);
    used += r.length;
  };
  // The size in "." and ".." is filled in after we know how long the directory is.
  const dot = record(selfLba, 0, Buffer.from([0]), 2, date);
  const dotdot = record(selfLba, 0, Buffer.from([1]), 2, date);
  push(dot);
  push(dotdot);
  for (const r of recs) push(r);
  const size = sectorsOf(used) * ISO_SECTOR;
  both32(dot, 10, size);
  both32(dotdot, 10, size);
  return Buffer.concat(chunks);
}

function pathTable(rootLba: number, endian: 'le' | 'be'): Buffer {
  const b = Buffer.alloc(10);
  b[0] = 1; // root's identifier length
  if (endian === 'le') {
    b.writeUInt32LE(rootLba, 2);
    b.writeUInt16LE(1, 6);
  } else {
    b.writeUInt32BE(rootLba, 2);
    b.writeUInt16BE(1, 6);
  }
  return b;
}

/** Type 1 = primary (ASCII fields), 2 = Joliet supplementary (UCS-2 fields, escape `%/E` = level 3). */
function descriptor(
  type: 1 | 2,
  volumeId: string,
  totalSectors: number,
  root: { lba: number; size: number },
  lPath: number,
  mPath: number,
  date: Date,
): Buffer {
  const d = Buffer.alloc(ISO_SECTOR);
  d[0] = type;
  d.write('CD001', 1, 'ascii');
  d[6] = 1;
  const text = (offset: number, length: number, value: string) => {
    if (type === 1) {
      d.fill(0x20, offset, offset + length);
      d.write(value.slice(0, length), offset, 'ascii');
    } else {
      const padded = ucs2(value.slice(0, Math.floor(length / 2)).padEnd(Math.floor(length / 2), ' '));
      d.set(padded, offset);
      if (length % 2) d[offset + length - 1] = 0x20;
    }
  };
  text(8, 32, '');
  text(40, 32, volumeId);
  both32(d, 80, totalSectors);
  if (type === 2) d.write('%/E', 88, 'ascii');
  both16(d, 120, 1);
  both16(d, 124, 1);
  both16(d, 128, ISO_SECTOR);
  both32(d, 132, 10);
  d.writeUInt32LE(lPath, 140);
  d.writeUInt32BE(mPath, 148);
  const rootRec = record(root.lba, root.size, Buffer.from([0]), 2, date);
  d.set(rootRec, 156);
  text(190, 128, '');
  text(318, 128, '');
  text(446, 128, '');
  text(574, 128, 'HANGAR');
  text(702, 37, '');
  text(739, 37, '');
  text(776, 37, '');
  const stamp = longDate(date);
  d.set(stamp, 813);
  d.set(stamp, 830);
  d.write('0000000000000000', 847, 'ascii'); // no expiration
  d[863] = 0;
  d.write('0000000000000000', 864, 'ascii'); // effective now
  d[880] = 0;
  d[881] = 1;
  return d;
}

function terminator(): Buffer {
  const d = Buffer.alloc(ISO_SECTOR);
  d[0] = 255;
  d.write('CD001', 1, 'ascii');
  d[6] = 1;
  return d;
}

/** §9.1.5: seven bytes, years since 1900, GMT offset 0. */
function recordDate(date: Date): Buffer {
  return Buffer.from([
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  ]);
}

/** §8.4.26.1: "YYYYMMDDHHMMSScc" digits and a GMT offset byte. */
function longDate(date: Date): Buffer {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const s =
    p(date.getUTCFullYear(), 4) +
    p(date.getUTCMonth() + 1) +
    p(date.getUTCDate()) +
    p(date.getUTCHours()) +
    p(date.getUTCMinutes()) +
    p(date.getUTCSeconds()) +
    p(Math.floor(date.getUTCMilliseconds() / 10));
  const b = Buffer.alloc(17);
  b.write(s, 0, 'ascii');
  return b;
}
