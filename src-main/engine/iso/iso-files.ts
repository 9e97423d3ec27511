import { open } from 'node:fs/promises';
import { IsoError, SECTOR } from './iso9660.js';

/**
 * Reads one file out of an ISO 9660 image by path (`install.amd/vmlinuz`), for the unattended install's
 * kernel and initrd. Walks the primary directory tree; names compare case-insensitively against the Rock
 * Ridge name when there is one, else the ISO name without `;1` and a trailing dot. Reads only the sectors
 * it needs; files are capped (a kernel or initrd is tens of MiB) so a crafted image cannot exhaust memory.
 */
export const ISO_FILE_MAX_BYTES = 512 * 1024 * 1024;
const MAX_DIR_BYTES = 4 * 1024 * 1024;
const MAX_DEPTH = 8;

interface DirRecord {
  name: string;
  lba: number;
  size: number;
  dir: boolean;
}

const u32le = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** The Rock Ridge NM (alternate name) entry in a record's System Use area, if any. */
function rockRidgeName(rec: Uint8Array, nameLen: number): string | null {
  let o = 33 + nameLen + (nameLen % 2 === 0 ? 1 : 0);
  let name = '';
  let found = false;
  while (o + 4 <= rec.length) {
    const sig = String.fromCharCode(rec[o]!, rec[o + 1]!);
    const len = rec[o + 2]!;
    if (len < 4 || o + len > rec.length) break;
    if (sig === 'NM') {
      const flags = rec[o + 4]!;
      if ((flags & 0x06) === 0) name += Buffer.from(rec.subarray(o + 5, o + len)).toString('utf8');
      found = true;
    }
    o += len;
  }
  return found && name !== '' ? name : null;
}

function parseDir(data: Uint8Array): DirRecord[] {
  const out: DirRecord[] = [];
  let o = 0;
  while (o < data.length) {
    const len = data[o]!;
    if (len === 0) {
      o = (Math.floor(o / SECTOR) + 1) * SECTOR; // records never cross a sector: the rest is padding
      continue;
    }
    if (len < 34 || o + len > data.length) break;
    const rec = data.subarray(o, o + len);
    const nameLen = rec[32]!;
    const raw = rec.subarray(33, 33 + nameLen);
    if (!(nameLen === 1 && (raw[0] === 0 || raw[0] === 1))) {
      const iso = String.fromCharCode(...raw).replace(/;\d+$/, '').replace(/\.$/, '');
      out.push({ name: rockRidgeName(rec, nameLen) ?? iso, lba: u32le(rec, 2), size: u32le(rec, 10), dir: (rec[25]! & 0x02) !== 0 });
    }
    o += len;
  }
  return out;
}

/** The file's bytes; IsoError `not-found` when the path is not in the image. */
export async function readIsoFileBytes(isoPath: string, path: string): Promise<Buffer> {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.length > MAX_DEPTH || parts.some((p) => p === '.' || p === '..')) throw new IsoError('not-found', `not a file path inside an ISO: ${path}`);
  let fh;
  try {
    fh = await open(isoPath, 'r');
  } catch (err) {
    throw new IsoError('io', `cannot open ${isoPath}: ${(err as Error).message}`);
  }
  try {
    const read = async (offset: number, length: number, what: string): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      if (bytesRead < length) throw new IsoError('truncated', `truncated ISO image: ${what} lies past the end of ${isoPath}`);
      return buf;
    };
    const pvd = await read(16 * SECTOR, SECTOR, 'the volume descriptor');
    if (pvd[0] !== 1 || pvd.subarray(1, 6).toString('latin1') !== 'CD001') throw new IsoError('not-iso', `${isoPath} is not an ISO 9660 image`);
    let cur: DirRecord = { name: '', lba: u32le(pvd, 156 + 2), size: u32le(pvd, 156 + 10), dir: true };
    for (const [i, part] of parts.entries()) {
      if (cur.size > MAX_DIR_BYTES) throw new IsoError('not-iso', `${isoPath}: a directory of ${cur.size} bytes is not plausible`);
      const entries = parseDir(await read(cur.lba * SECTOR, cur.size, `directory of ${parts.slice(0, i).join('/') || '/'}`));
      const next = entries.find((e) => e.name.toLowerCase() === part.toLowerCase());
      if (!next || next.dir !== i < parts.length - 1) throw new IsoError('not-found', `${path} is not on ${isoPath}`);
      cur = next;
    }
    if (cur.size > ISO_FILE_MAX_BYTES) throw new IsoError('not-iso', `${path} on ${isoPath} claims ${cur.size} bytes, more than a kernel or initrd can be`);
    return await read(cur.lba * SECTOR, cur.size, path);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
