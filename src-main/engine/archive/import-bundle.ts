import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { EngineError } from '../../../src-shared/contract/index.js';
import { parseVmDocument, serializeVmDocument, validateVmDocument, type DiskFormat, type VmDocument } from '../../../src-shared/vm-document/index.js';
import type { ImageInfo } from '../storage/qemu-img.js';
import { inspectImageChain } from '../storage/image-chain.js';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { bundleFolderName } from '../storage/slug.js';
import { checkEntry, checkSpace, MAX_VM_JSON_BYTES } from './archive-rules.js';
import { randomMac } from '../../../src-shared/vm-document/mac.js';
import { foreignParts } from './foreign-parts.js';
import { tightenTree } from '../storage/private-modes.js';
import { sameName, uniqueName } from '../../../src-shared/vm-name.js';

export interface ImportInput {
  archive: string;
  libraryDir: string;
  name?: string;
  signal: AbortSignal;
  onProgress(p: { percent: number }): void;
  /** The imported machine's name, once known (before extraction): job events name it. */
  onName?(name: string): void;
  /** Ids already in the library: an imported VM with one of these gets a new id. */
  takenIds(): Promise<Set<string>>;
  /**
   * The machines already in the library. A `name` given by the caller that one of them has is refused; the
   * archive's own name is made unique instead ("Web (2)"), as VirtualBox's appliance import does.
   */
  takenNames(): Promise<Array<{ id: string; name: string }>>;
  /** `qemu-img info` of one image (no backing chain opened). */
  imageInfo(path: string, format: string): Promise<ImageInfo>;
  /** Puts the extracted folder into the library's index. */
  register(bundleDir: string): Promise<void>;
}

export interface ImportResult {
  id: string;
  doc: VmDocument;
  bundleDir: string;
  newId: boolean;
  /** What was left out of the imported document, for people. */
  warnings: string[];
}

interface Scan {
  top: string;
  files: Set<string>;
  totalBytes: number;
  entries: number;
  vmJson: string;
}

function damaged(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const e = err as { code?: string; message?: string };
  const why = e.code === 'Z_BUF_ERROR' || /truncated|unexpected end/i.test(e.message ?? '') ? 'it is truncated (the file ends in the middle of an entry)' : `it is not a readable tar archive (${e.message ?? String(err)})`;
  return new EngineError('invalid-args', `not a Hangar archive: ${why}`, { cause: e.code ?? e.message });
}

/** Progress over the archive's bytes as they are read, mapped onto [from, to]. */
function reading(size: number, from: number, to: number, report: ImportInput['onProgress']): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      report({ percent: from + ((to - from) * Math.min(seen, size)) / Math.max(1, size) });
      cb(null, chunk);
    },
  });
}

/**
 * A Writable that feeds a tar parser and finishes when the parser does. A damaged gzip stream makes the
 * parser abort without 'end', so 'abort' and 'error' finish it too (with the problem).
 */
function parserSink(parser: tar.Parser, problem: () => unknown): Writable {
  let ended = false;
  const waiters: Array<() => void> = [];
  const finish = (): void => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  };
  // Not 'close': Unpack may emit it before its files are written; 'end' waits for them.
  for (const ev of ['end', 'abort', 'error']) parser.on(ev, finish);
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const p = problem();
      if (p) return cb(p as Error);
      if (ended || parser.write(chunk)) cb();
      else parser.once('drain', () => cb());
    },
    final(cb) {
      const done = (): void => cb((problem() as Error | null) ?? null);
      if (ended) return done();
      waiters.push(done);
      parser.end();
    },
  });
}

/** First pass: every entry checked (types, paths, one folder), sizes summed, vm.json read. Nothing is written. */
async function scanArchive(input: ImportInput, size: number): Promise<Scan> {
  let top: string | null = null;
  let totalBytes = 0;
  let entries = 0;
  let vmJson: string | null = null;
  const files = new Set<string>();
  let problem: unknown = null;
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      try {
        if (problem) throw problem;
        const checked = checkEntry({ path: entry.path, type: entry.type, size: entry.size, ...(entry.linkpath ? { linkpath: entry.linkpath } : {}) }, top);
        top = checked.top;
        entries++;
        totalBytes += entry.size;
        if (entry.type !== 'Directory') files.add(checked.rel);
        if (checked.rel === 'vm.json') {
          if (entry.size > MAX_VM_JSON_BYTES) throw new EngineError('invalid-args', `not a safe Hangar archive: its vm.json is ${entry.size} bytes (a VM document is a few KiB)`);
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => (vmJson = Buffer.concat(chunks).toString('utf8')));
          return;
        }
      } catch (err) {
        problem ??= err;
      }
      entry.resume();
    },
  });
  parser.on('error', (err: Error) => (problem ??= err));
  parser.on('warn', (_code: string, message: string | Error, data?: { recoverable?: boolean }) => {
    // strict: every warning is fatal.
    if (data?.recoverable !== true) problem ??= message instanceof Error ? message : new Error(String(message));
  });
  const sink = parserSink(parser, () => problem);
  try {
    await pipeline(createReadStream(input.archive), reading(size, 0, 40, input.onProgress), sink, { signal: input.signal });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw damaged(problem ?? err);
  }
  if (problem) throw damaged(problem);
  if (top === null) throw new EngineError('invalid-args', 'not a Hangar archive: it holds no entries');
  if (vmJson === null) throw new EngineError('invalid-args', `not a Hangar archive: there is no vm.json in its folder "${top}"`);
  return { top, files, totalBytes, entries, vmJson };
}

/** The imported document must only name disks inside its own bundle, all of them in the archive. */
function checkDocument(doc: VmDocument, files: Set<string>): void {
  for (const d of doc.disks) {
    const rel = d.path.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
    if (isAbsolute(d.path) || rel.includes('..')) {
      throw new EngineError('invalid-args', `not a safe Hangar archive: its vm.json points disk ${d.id} at ${d.path}, outside the bundle`, { disk: d.id });
    }
    // Hangar keeps images in disks/: a disk that is the bundle's vm.json would let the guest rewrite its own settings.
    if (rel.length < 2 || rel[0] !== 'disks') {
      throw new EngineError('invalid-args', `not a safe Hangar archive: its vm.json points disk ${d.id} at ${d.path}, outside the bundle's disks/ folder (a guest could rewrite the machine's own files)`, { disk: d.id });
    }
    if (!files.has(rel.join('/'))) throw new EngineError('invalid-args', `not a complete Hangar archive: disk ${d.id}'s image ${d.path} is missing from it`, { disk: d.id });
  }
}

/**
 * What an archive may not bring along: QEMU arguments of its author's choosing (they could read or write
 * host files), CD drives pointing at host files (ISOs are not part of an archive) and shared host folders. Each is said.
 */
export function sanitizeImported(doc: VmDocument, files: Set<string>): { doc: VmDocument; warnings: string[] } {
  const foreign = foreignParts(doc, (rel) => files.has(rel));
  const warnings: string[] = [];
  if (foreign.extraArgs.length > 0) {
    warnings.push(`its extra QEMU arguments were removed (${foreign.extraArgs.join(' ')}); check them and add them again in Settings → Advanced if you trust them`);
  }
  for (const c of foreign.cdroms) warnings.push(`CD drive ${c.id} is empty: its ISO ${c.path} is not part of the archive`);
  const outside = new Set(foreign.cdroms.map((c) => c.id));
  const cdroms = doc.cdroms.map((c) => (outside.has(c.id) ? { ...c, path: null } : c));
  // Folders of the archive's author's host: none of them is this host's to hand to the guest.
  for (const sh of foreign.shares) warnings.push(`its shared folder "${sh.name}" (${sh.path}) was removed; share a folder of yours in Settings → Shared folders`);
  return { doc: { ...doc, extraArgs: [], cdroms, shares: [] }, warnings };
}

/**
 * Every file an image can make QEMU open (backing chain, data file, VMDK extents; storage/image-chain.ts)
 * must lie in the extracted bundle: a crafted image could otherwise read or write host files. The UEFI
 * variable store too. Then qemu-img must be able to read each disk (safe now: nothing outside is named).
 */
export async function checkImages(dir: string, doc: VmDocument, info: ImportInput['imageInfo']): Promise<void> {
  const inBundle = { image: [dir], backing: [dir], backingPlace: "the archive's own folder" };
  const images: Array<[string, string, DiskFormat]> = doc.disks.map((d) => [`disk ${d.id}'s image`, join(dir, d.path), d.format]);
  if (await stat(join(dir, 'nvram', 'efivars.qcow2')).then(() => true, () => false)) images.push(['its UEFI variable store', join(dir, 'nvram', 'efivars.qcow2'), 'qcow2']);
  for (const [what, file, format] of images) {
    try {
      await inspectImageChain(file, format, inBundle);
    } catch (err) {
      throw new EngineError('invalid-args', `not a safe Hangar archive: ${what}: ${(err as Error).message}`, { ...(err as EngineError).details, file });
    }
    try {
      await info(file, format);
    } catch (err) {
      throw new EngineError('invalid-args', `not a usable Hangar archive: ${what} cannot be read by qemu-img: ${(err as Error).message}`, { file });
    }
  }
}

async function chooseName(input: ImportInput, archiveName: string): Promise<string> {
  const taken = await input.takenNames();
  if (input.name === undefined) return uniqueName(archiveName, taken.map((t) => t.name));
  const holder = taken.find((t) => sameName(t.name, input.name!));
  if (holder) {
    throw new EngineError('name-taken', `a machine named "${holder.name}" already exists (id ${holder.id}); choose another name for the import, e.g. "${uniqueName(input.name, taken.map((t) => t.name))}"`, { field: 'name', existing: holder });
  }
  return input.name;
}

/**
 * Checks an archive made by vm.export (first pass: nothing written), extracts it into a temp folder in
 * the library, fixes up its vm.json (new id if taken, new name), then renames the folder into place and
 * registers it. Any failure removes the temp folder, so the library is as it was.
 */
export async function importBundle(input: ImportInput): Promise<ImportResult> {
  const info = await stat(input.archive).catch(() => null);
  if (!info) throw new EngineError('not-found', `no archive at ${input.archive}`, { field: 'path' });
  if (!info.isFile()) throw new EngineError('invalid-args', `${input.archive} is not a file`, { field: 'path' });

  const scan = await scanArchive(input, info.size);
  let doc: VmDocument;
  try {
    doc = parseVmDocument(scan.vmJson);
  } catch (err) {
    throw new EngineError('invalid-document', `the archive's vm.json is not a valid VM document: ${(err as Error).message}`);
  }
  checkDocument(doc, scan.files);
  const sanitized = sanitizeImported(doc, scan.files);
  doc = sanitized.doc;
  const fs = await statfs(input.libraryDir);
  checkSpace(scan.totalBytes, scan.entries, fs.bavail * fs.bsize);

  const taken = await input.takenIds();
  const newId = taken.has(doc.id);
  const id = newId ? randomUUID() : doc.id;
  const name = await chooseName(input, doc.name);
  const mac = newId ? randomMac() : null;
  doc = validateVmDocument({ ...doc, id, name, ...(mac && doc.network.mode !== 'none' ? { network: { ...doc.network, mac } } : {}) });
  input.onName?.(name);

  const temp = join(input.libraryDir, `.archive-import-${randomBytes(6).toString('hex')}.partial`);
  await mkdir(temp, { mode: 0o700 });
  let final: string | null = null;
  try {
    let problem: unknown = null;
    const unpack = new tar.Unpack({
      cwd: temp,
      strip: 1,
      strict: true,
      preserveOwner: false,
      // Second line of defence: the first pass already refused anything this would drop.
      filter: (p, e) => {
        try {
          checkEntry({ path: p, type: 'type' in e ? e.type : 'File', size: 'size' in e ? e.size : 0 }, scan.top);
          return true;
        } catch (err) {
          problem ??= err;
          return false;
        }
      },
    });
    unpack.on('warn', (_code: string, message: string | Error) => (problem ??= message instanceof Error ? message : new Error(String(message))));
    unpack.on('error', (err: Error) => (problem ??= err));
    try {
      await pipeline(createReadStream(input.archive), reading(info.size, 40, 95, input.onProgress), parserSink(unpack, () => problem), { signal: input.signal });
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      throw damaged(problem ?? err);
    }
    if (problem) throw damaged(problem);
    input.signal.throwIfAborted();
    await checkImages(temp, doc, input.imageInfo);
    // The archive's own modes (0644 files) do not carry over: a library is private.
    await tightenTree(temp);
    await writeFileAtomic(join(temp, 'vm.json'), serializeVmDocument(doc));
    // Logs were left out of the archive; the bundle layout expects the folder.
    await mkdir(join(temp, 'logs'), { recursive: true });
    const names = new Set(await readdir(input.libraryDir));
    const folder = [bundleFolderName(name, id), bundleFolderName(name, id, 32)].find((f) => !names.has(f));
    if (!folder) throw new EngineError('exists', `a folder for "${name}" already exists in the library`);
    const dest = join(input.libraryDir, folder);
    input.signal.throwIfAborted();
    await rename(temp, dest);
    // Only now is the folder ours to remove again (a failed rename must not touch what is at dest).
    final = dest;
    await input.register(final);
    input.onProgress({ percent: 100 });
    return { id, doc, bundleDir: final, newId, warnings: sanitized.warnings };
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    if (final) await rm(final, { recursive: true, force: true });
    throw err;
  }
}
