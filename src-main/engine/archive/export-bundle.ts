import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import * as tar from 'tar';
import { EngineError } from '../../../src-shared/contract/index.js';
import { serializeVmDocument, type VmDocument } from '../../../src-shared/vm-document/index.js';
import type { ImageInfo } from '../storage/qemu-img.js';
import { isInside, resolveDiskPath } from '../disks/disk-rules.js';
import { wantsGzip } from './archive-rules.js';

/** Left out of an archive: logs are per host and per run, and can be large. */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['logs']);

export interface ExportInput {
  bundleDir: string;
  doc: VmDocument;
  /** Absolute path of the archive to write. */
  target: string;
  overwrite: boolean;
  signal: AbortSignal;
  onProgress(p: { percent: number }): void;
  backingChain(path: string): Promise<ImageInfo[]>;
}

/** Whether a bundle-relative path goes into the archive (not logs/, not hidden temp files). */
function keep(rel: string): boolean {
  const parts = rel.split('/');
  if (parts.length > 0 && SKIPPED_FOLDERS.has(parts[0]!)) return false;
  return !parts.some((p) => p.startsWith('.'));
}

/** Files and folders that go into the archive, with the bytes they hold (symlinks and devices are left out). */
async function walk(dir: string, rel = ''): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const d of await readdir(join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    if (!keep(r)) continue;
    if (d.isDirectory()) {
      const sub = await walk(dir, r);
      files += sub.files;
      bytes += sub.bytes;
    } else if (d.isFile()) {
      files++;
      bytes += (await stat(join(dir, r))).size;
    }
  }
  return { files, bytes };
}

/**
 * Every disk must live in the bundle with its whole backing chain: an archive that needs files from
 * this host (an existing disk elsewhere, a linked clone's base) would not start anywhere else.
 */
export async function checkDisksPortable(bundleDir: string, doc: VmDocument, backingChain: ExportInput['backingChain']): Promise<void> {
  for (const disk of doc.disks) {
    const file = resolveDiskPath(bundleDir, disk.path);
    if (!isInside(bundleDir, file)) {
      throw new EngineError('invalid-state', `cannot export "${doc.name}": disk ${disk.id}'s image ${file} lies outside the machine's folder; only the bundle goes into the archive (move or convert the disk into the bundle first)`, { disk: disk.id, path: file });
    }
    let chain: ImageInfo[];
    try {
      chain = await backingChain(file);
    } catch (err) {
      throw new EngineError('invalid-state', `cannot export "${doc.name}": qemu-img cannot read disk ${disk.id}'s backing chain: ${(err as Error).message}`, { disk: disk.id });
    }
    for (const image of chain) {
      const raw = image['backing-filename'];
      if (raw === undefined) continue;
      const backing = image['full-backing-filename'] ?? resolve(dirname(image.filename), raw);
      if (!isInside(bundleDir, backing) || isAbsolute(raw)) {
        throw new EngineError(
          'invalid-state',
          `cannot export "${doc.name}": disk ${disk.id} is an overlay whose backing file ${backing} ${isInside(bundleDir, backing) ? 'is named by an absolute path' : 'lies outside the machine\'s folder (a linked clone)'}; convert it into a standalone image first (a full clone, or qemu-img convert -O qcow2 into the bundle), then export`,
          { disk: disk.id, backing },
        );
      }
    }
  }
}

/** The document as it goes into the archive: disk and ISO paths inside the bundle made relative, so they survive the move. */
export function portableDoc(bundleDir: string, doc: VmDocument): VmDocument {
  const rel = (p: string): string => (isAbsolute(p) && isInside(bundleDir, p) ? relative(bundleDir, p).split(sep).join('/') : p);
  return { ...doc, disks: doc.disks.map((d) => ({ ...d, path: rel(d.path) })), cdroms: doc.cdroms.map((c) => (c.path === null ? c : { ...c, path: rel(c.path) })) };
}

/** One in-memory file as a tar entry (header, data, padding to 512 bytes). */
function memoryEntry(path: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  new tar.Header({ path, type: 'File', size: data.length, mode: 0o644, mtime: new Date(), uid: 0, gid: 0 }).encode(header, 0);
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** The rewritten vm.json first, then everything else from the bundle. */
async function* archiveStream(vmJson: Buffer, pack: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield vmJson;
  yield* pack;
}

class NeverCache<K, V> extends Map<K, V> {
  override set(): this {
    return this;
  }
}

/** Counts the bytes going through, for progress. */
function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

/**
 * Writes the bundle as one tar (gzip unless the target ends in `.tar`) with a single top folder named
 * like the bundle. Written to a temp file beside the target and renamed at the end, so a cancelled or
 * failed export leaves nothing behind.
 */
export async function exportBundle(input: ExportInput): Promise<{ bytes: number }> {
  const { bundleDir, doc, target } = input;
  // An archive inside the folder it archives would end up in the next export (and read itself now).
  if (isInside(bundleDir, target)) throw new EngineError('invalid-args', `cannot export "${doc.name}" into its own folder (${target}); choose a place outside ${bundleDir}`, { field: 'path' });
  await checkDisksPortable(bundleDir, doc, input.backingChain);
  const parent = dirname(target);
  const parentInfo = await stat(parent).catch(() => null);
  if (!parentInfo?.isDirectory()) throw new EngineError('not-found', `cannot export to ${target}: the folder ${parent} does not exist`, { field: 'path' });
  const existing = await lstat(target).catch(() => null);
  if (existing && !input.overwrite) throw new EngineError('exists', `${target} already exists (choose another name, or overwrite)`, { field: 'path' });
  if (existing && !existing.isFile()) throw new EngineError('invalid-args', `${target} exists and is not a file`, { field: 'path' });

  const { bytes: contentBytes, files } = await walk(bundleDir);
  // Tar adds a 512-byte header per entry and pads each file to 512 bytes.
  const expected = Math.max(1, contentBytes + (files + 16) * 1024);
  let seen = 0;
  const top = basename(bundleDir);
  const temp = join(parent, `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const pack = tar.c(
    {
      cwd: dirname(bundleDir),
      portable: true,
      // Never write hard-link entries (imports refuse links): a cache that remembers nothing stores each file whole.
      linkCache: new NeverCache(),
      filter: (p, st) => {
        const rel = p === top ? '' : p.slice(top.length + 1);
        if (rel === 'vm.json' || (rel !== '' && !keep(rel))) return false;
        return 'isFile' in st ? st.isFile() || st.isDirectory() : true;
      },
    },
    [top],
  );
  const stages: NodeJS.ReadWriteStream[] = [
    counter((n) => {
      seen += n;
      input.onProgress({ percent: Math.min(99, (seen / expected) * 100) });
    }),
  ];
  if (wantsGzip(target)) stages.push(createGzip({ level: zlibConstants.Z_BEST_SPEED }));
  try {
    const vmJson = memoryEntry(`${top}/vm.json`, Buffer.from(serializeVmDocument(portableDoc(bundleDir, doc))));
    await pipeline([Readable.from(archiveStream(vmJson, pack)), ...stages, createWriteStream(temp, { flags: 'wx', mode: 0o600 })], { signal: input.signal });
    input.signal.throwIfAborted();
    const fh = await open(temp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return { bytes: (await stat(target)).size };
}
