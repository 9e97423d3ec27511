import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { DISK_FORMATS, type DiskFormat } from '../../../src-shared/vm-document/index.js';
import { isDiskFormat } from '../disks/disk-rules.js';
import { createQemuImg, QemuImgError, type ImageInfo, type QemuImg } from '../storage/qemu-img.js';
import { inspectImageChain, isUnreadable, USER_CHOSEN } from '../storage/image-chain.js';

/** A disk image someone wants to use, checked: its absolute path and the format qemu-img found in it. */
export interface SourceImage {
  path: string;
  format: DiskFormat;
  virtualSize: number;
  info: ImageInfo;
}

/** File-name endings of images Hangar writes, by format (the format itself is always stored in vm.json). */
export const FORMAT_EXTENSION: Record<DiskFormat, string> = { qcow2: 'qcow2', raw: 'img', vmdk: 'vmdk', vdi: 'vdi', vhdx: 'vhdx', vpc: 'vhd' };

/** ISO 9660's "CD001" at sector 16 + 1: an ISO passes as a raw image, but it is a CD, not a disk. */
async function looksLikeIso(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(5);
    const { bytesRead } = await fh.read(buf, 0, 5, 32 * 1024 + 1);
    return bytesRead === 5 && buf.toString('latin1') === 'CD001';
  } finally {
    await fh.close();
  }
}

/** The whole chain of a chosen image checked (storage/image-chain.ts), refusals pointing at the field. */
async function userChain(path: string, format: DiskFormat | null): Promise<void> {
  await inspectImageChain(path, format, USER_CHOSEN).catch((err: unknown) => {
    // Before qemu-img looked (no format yet), a header that is no image at all is left to qemu-img's own words.
    if (format === null && isUnreadable(err)) return;
    if (err instanceof EngineError) throw new EngineError(err.code, err.message, { ...err.details, field: 'existingDisk' });
    throw err;
  });
}

/**
 * Checks an existing image and detects its format with `qemu-img info` (never from the file name).
 * Every refusal says which: missing, not a file, unreadable, empty, not an image, an ISO, or a format Hangar does not attach.
 */
export async function inspectSourceImage(given: string, img: QemuImg = createQemuImg()): Promise<SourceImage> {
  const path = resolve(given);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new EngineError('invalid-args', `the disk image is not a file: ${path}`, { field: 'existingDisk', path });
    size = s.size;
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('not-found', `disk image not found: ${path}`, { field: 'existingDisk', path });
  }
  await access(path, constants.R_OK).catch(() => {
    throw new EngineError('invalid-args', `the disk image cannot be read (permission denied): ${path}`, { field: 'existingDisk', path });
  });
  if (size === 0) throw new EngineError('invalid-args', `${path} is empty: not a disk image`, { field: 'existingDisk', path });
  // Before qemu-img opens it: the files its header names (data file, VMDK extents) must be safe to open.
  await userChain(path, null);
  let info: ImageInfo;
  try {
    info = await img.info(path);
  } catch (err) {
    const why = err instanceof QemuImgError ? err.message.replace(/^qemu-img info failed \(exit \d+\): /, '') : (err as Error).message;
    throw new EngineError('invalid-args', `${path} is not a disk image qemu-img can read: ${why}`, { field: 'existingDisk', path });
  }
  const format = info.format;
  if (!isDiskFormat(format)) {
    throw new EngineError('invalid-args', `the image ${path} is in the "${format}" format, which Hangar does not support (it reads ${DISK_FORMATS.join(', ')})`, { field: 'existingDisk', path, format });
  }
  if (format === 'raw') {
    // Any file reads as "raw": only whole sectors make a plausible disk, and a CD image belongs in the CD drive.
    if (await looksLikeIso(path)) throw new EngineError('invalid-args', `${path} is a CD/DVD image (ISO 9660), not a disk image; give it as the ISO instead`, { field: 'existingDisk', path });
    if (size % 512 !== 0) throw new EngineError('invalid-args', `${path} is not a disk image (no known format, and its size, ${size} bytes, is not a whole number of 512-byte sectors)`, { field: 'existingDisk', path });
  }
  await userChain(path, format);
  return { path, format, virtualSize: info['virtual-size'], info };
}

/** Files besides the image itself that it needs: a backing file, or the extents of a split/flat vmdk. */
export function externalParts(src: SourceImage): string[] {
  const parts: string[] = [];
  const backing = src.info['full-backing-filename'] ?? src.info['backing-filename'];
  if (backing) parts.push(backing);
  const extents = (src.info['format-specific'] as { data?: { extents?: Array<{ filename?: string }> } } | undefined)?.data?.extents ?? [];
  for (const e of extents) if (e.filename && resolve(e.filename) !== src.path) parts.push(e.filename);
  return parts;
}

const CHUNK = 1024 * 1024;

/**
 * Copies an image byte for byte (its format, options and subformat stay exactly as they are), leaving
 * all-zero chunks as holes so sparse images stay sparse. Honours `signal`; the caller removes `dst` on failure.
 */
export async function copyImageFile(src: string, dst: string, opts: { signal?: AbortSignal; onProgress?: (p: { percent: number }) => void } = {}): Promise<void> {
  opts.signal?.throwIfAborted();
  const input = await open(src, 'r');
  try {
    const output = await open(dst, 'wx', 0o600);
    try {
      const { size } = await input.stat();
      const buf = Buffer.alloc(CHUNK);
      const zero = Buffer.alloc(CHUNK);
      for (let pos = 0; pos < size; ) {
        opts.signal?.throwIfAborted();
        const { bytesRead } = await input.read(buf, 0, Math.min(CHUNK, size - pos), pos);
        if (bytesRead === 0) break;
        if (!buf.subarray(0, bytesRead).equals(zero.subarray(0, bytesRead))) await output.write(buf, 0, bytesRead, pos);
        pos += bytesRead;
        opts.onProgress?.({ percent: (pos / size) * 100 });
      }
      await output.truncate(size);
      await output.sync();
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}
