import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import {
  applyVmPatch,
  parseVmDocument,
  serializeVmDocument,
  validateVmDocument,
  VmDocumentError,
  type VmDocument,
  type VmPatch,
} from '../../../src-shared/vm-document/index.js';
import { writeFileAtomic } from './atomic-write.js';
import { BUNDLE_SUBDIRS, LIBRARY_INDEX, vmJsonPath } from './bundle-layout.js';
import { KeyedQueue } from './keyed-queue.js';
import { entryDir, readLibraryIndex, writeLibraryIndex, type IndexEntry, type LibraryIndex } from './library-index.js';
import { LibraryWatch } from './library-watch.js';
import { BUNDLE_SUFFIX, bundleFolderName, SHORT_ID_LENGTH } from './slug.js';
import { ioError, StoreError } from './store-error.js';
import { sameName } from '../../../src-shared/vm-name.js';

export interface LoadedVm {
  id: string;
  name: string;
  bundleDir: string;
  doc: VmDocument;
}

/** One row of the library: a loaded VM, or a bundle that could not be read (shown, never hidden). */
export type LibraryEntry =
  | ({ status: 'ok'; error?: undefined } & LoadedVm)
  | {
      /** broken: the folder is there but vm.json is not usable; missing: the folder is gone. */
      status: 'broken' | 'missing';
      /** From the index; null for an unindexed folder whose vm.json cannot be read. */
      id: string | null;
      name: string | null;
      bundleDir: string;
      doc?: undefined;
      error: StoreError;
    };

export interface BundleStoreOptions {
  /** ISO timestamp source for `updatedAt`; injectable for tests. */
  now?: () => string;
  /** File operations the store's failure handling is tested through. */
  io?: Partial<StoreIo>;
  /**
   * Keep what was read in memory, trusted until an inotify watch on the library or bundle folder reports a
   * change (library-watch.ts), so `library.list` at 1,000 machines reads nothing. The engine sets it; without
   * it (or where a folder cannot be watched) every read checks the files as before.
   */
  watch?: boolean;
}

export interface StoreIo {
  writeFileAtomic: (target: string, data: string) => Promise<void>;
  renameDir: (from: string, to: string) => Promise<void>;
}

interface Located {
  index: LibraryIndex;
  entry: IndexEntry;
  dir: string;
}

const INDEX_KEY = '\0index';

/**
 * The VM library on disk: one `<slug>-<shortid>.hangar` folder per VM plus `library.json`. The engine is
 * the only writer (see library-lock.ts). Writes to one VM are serialized per id; anything that
 * touches the index is serialized on the index key, always taken after (inside) a VM's key.
 */
export class BundleStore {
  private readonly queue = new KeyedQueue();
  private readonly now: () => string;
  private readonly io: StoreIo;
  /** Parsed vm.json documents keyed by path, valid while (mtimeMs, size, ino) match; see readBundleCached. */
  private readonly docCache = new Map<string, CachedDoc>();
  /** null without `watch`. What it reports drops the cached reads below. */
  private readonly watch: LibraryWatch | null;
  /** library.json as last read or written (only kept while the library folder is watched). */
  private indexCache: LibraryIndex | null = null;
  /** Small files beside vm.json (install.json) by path, kept while their bundle folder is watched; null: absent. */
  private readonly sideFiles = new Map<string, string | null>();
  /**
   * The last scan while every folder it read was watched: the library's in-memory index, answered as is until
   * `generation` moves (a watch event, or the store's own write).
   */
  private lastScan: { generation: number; folders: string; index: LibraryIndex; entries: LibraryEntry[] } | null = null;
  private generation = 0;

  constructor(
    readonly libraryDir: string,
    options: BundleStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date().toISOString());
    this.io = { writeFileAtomic: (t, d) => writeFileAtomic(t, d), renameDir: (a, b) => fs.rename(a, b), ...options.io };
    this.watch = options.watch
      ? new LibraryWatch(libraryDir, {
          library: (name) => {
            this.generation++;
            if (name === null || name === LIBRARY_INDEX) this.indexCache = null;
            // A bundle folder renamed, replaced or removed in the library: its watch followed the old inode.
            if (name !== null && name.endsWith(BUNDLE_SUFFIX)) this.watch?.drop(path.join(libraryDir, name));
          },
          bundle: (dir) => this.forget(dir),
        })
      : null;
  }

  /** Stops the folder watches (the engine's close). */
  close(): void {
    this.watch?.close();
  }

  /**
   * A small file in a bundle folder (install.json), null when absent or unreadable; kept in memory while the
   * folder is watched, so `library.list` reads none of them. Writers of such files call forgetBundleFile.
   */
  async bundleFileText(dir: string, name: string): Promise<string | null> {
    const known = this.peekBundleFile(dir, name);
    if (known !== undefined) return known;
    const file = path.join(dir, name);
    const watched = this.watch?.watching(dir) ?? false;
    const text = await fs.readFile(file, 'utf8').catch(() => null);
    // Watched before the read began: any later change drops this entry again.
    if (watched && this.watch?.watching(dir)) this.sideFiles.set(file, text);
    return text;
  }

  /** bundleFileText's answer when it is in memory (no await for 1,000 rows), else undefined. */
  peekBundleFile(dir: string, name: string): string | null | undefined {
    if (!this.watch?.watching(dir)) return undefined;
    return this.sideFiles.get(path.join(dir, name));
  }

  /** The engine wrote a file in a bundle: read it again next time (the watch would say so too, a moment later). */
  forgetBundleFile(dir: string, name: string): void {
    this.sideFiles.delete(path.join(dir, name));
  }

  /** Drops everything read from a bundle folder. */
  private forget(dir: string): void {
    this.generation++;
    this.docCache.delete(vmJsonPath(dir));
    const prefix = dir + path.sep;
    for (const key of this.sideFiles.keys()) if (key.startsWith(prefix)) this.sideFiles.delete(key);
  }

  /** The document as create() would store it, or the same error create() would give; writes nothing. */
  check(input: VmDocument): VmDocument {
    return toStoreError(() => validateVmDocument(input), `VM "${input.name}"`);
  }

  /**
   * Makes the bundle folder and writes vm.json; on any failure the half-made folder is removed. `parentDir`
   * (an existing folder, checked by the caller) puts the bundle there instead of the library folder; the
   * index then keeps its absolute path, like addExisting's outside bundles.
   */
  async create(input: VmDocument, options: { parentDir?: string } = {}): Promise<LoadedVm> {
    const doc = this.check(input);
    return this.queue.run(INDEX_KEY, async () => {
      const { index, entries } = await this.scan();
      const clash = entries.find((e) => e.id === doc.id);
      if (clash) throw new StoreError('exists', `VM "${doc.name}": id ${doc.id} is already used by ${describeEntry(clash)}`);
      refuseTakenName(entries, doc.name, null);
      await fs.mkdir(this.libraryDir, { recursive: true }).catch((err) => {
        throw ioError(`VM "${doc.name}": cannot create library folder ${this.libraryDir}`, err);
      });
      const parent = await this.outsideParent(options.parentDir);
      const folder = await this.makeFolder(doc.name, doc.id, parent ?? this.libraryDir);
      const dir = path.join(parent ?? this.libraryDir, folder);
      const stored = parent ? dir : folder;
      try {
        for (const sub of BUNDLE_SUBDIRS) await fs.mkdir(path.join(dir, sub), { mode: 0o700 });
        await this.io.writeFileAtomic(vmJsonPath(dir), serializeVmDocument(doc));
        await this.writeIndex({
          ...index,
          bundles: [...index.bundles, { id: doc.id, path: stored }],
          excluded: index.excluded.filter((x) => x !== stored),
        });
      } catch (err) {
        await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
        throw ioError(`VM "${doc.name}": cannot create bundle ${dir}`, err);
      }
      return { id: doc.id, name: doc.name, bundleDir: dir, doc };
    });
  }

  /** Refuses a name another machine (not `selfId`) has, before slow work (a clone's copy) that would end in create(). */
  async assertNameFree(name: string, selfId: string | null = null): Promise<void> {
    refuseTakenName(await this.queue.run(INDEX_KEY, async () => (await this.scan()).entries), name, selfId);
  }

  /** By id, id prefix (at least 4 characters) or exact name ignoring case. */
  async load(idOrName: string): Promise<LoadedVm> {
    const entries = await this.queue.run(INDEX_KEY, async () => (await this.scan()).entries);
    const entry = pick(entries, idOrName);
    if (entry.status !== 'ok') throw entry.error;
    return { id: entry.id, name: entry.name, bundleDir: entry.bundleDir, doc: structuredClone(entry.doc) };
  }

  /**
   * Every VM in library order, reconciling the index with the folders: bundles found on disk are added,
   * renamed folders are found again by id, vanished ones are reported as missing.
   */
  async list(): Promise<LibraryEntry[]> {
    return this.queue.run(INDEX_KEY, async () => (await this.scan()).entries.map(copyEntry));
  }

  /** Applies a patch (or a function of the current document returning one) and writes vm.json atomically. */
  async update(id: string, patch: VmPatch | ((doc: VmDocument) => VmPatch)): Promise<VmDocument> {
    return this.queue.run(id, async () => {
      const { dir } = await this.queue.run(INDEX_KEY, () => this.locate(id));
      const doc = await readBundleDoc(dir);
      const next = toStoreError(() => applyVmPatch(doc, typeof patch === 'function' ? patch(doc) : patch, this.now()), `VM "${doc.name}"`);
      // A settings patch may carry a new name (the renderer's General page): the same rule as rename().
      if (next.name !== doc.name) refuseTakenName(await this.queue.run(INDEX_KEY, async () => (await this.scan()).entries), next.name, id);
      try {
        await this.io.writeFileAtomic(vmJsonPath(dir), serializeVmDocument(next));
      } catch (err) {
        throw ioError(`VM "${doc.name}": cannot write ${vmJsonPath(dir)}`, err);
      } finally {
        this.forget(dir);
      }
      return next;
    });
  }

  /**
   * Renames the VM and its folder. The folder moves first; vm.json is written only after that
   * succeeds, so a failed folder rename leaves the old name everywhere. Bundles outside the library
   * keep their folder name: the user chose where and how they live.
   */
  async rename(id: string, newName: string): Promise<LoadedVm> {
    return this.queue.run(id, () =>
      this.queue.run(INDEX_KEY, async () => {
        const { entries } = await this.scan();
        const { index, entry, dir } = await this.locate(id);
        const doc = await readBundleDoc(dir);
        const next = toStoreError(() => applyVmPatch(doc, { name: newName }, this.now()), `VM "${doc.name}"`);
        refuseTakenName(entries, next.name, id);
        let newDir = dir;
        if (!path.isAbsolute(entry.path)) {
          const wanted = bundleFolderName(next.name, id);
          if (wanted !== entry.path && bundleFolderName(next.name, id, 32) !== entry.path) {
            const folder = await this.freeFolderName(next.name, id);
            newDir = path.join(this.libraryDir, folder);
            await this.io.renameDir(dir, newDir).catch((err) => {
              throw ioError(`VM "${doc.name}": cannot rename folder to ${folder}; the name is unchanged`, err);
            });
            entry.path = folder;
          }
        }
        try {
          await this.io.writeFileAtomic(vmJsonPath(newDir), serializeVmDocument(next));
        } catch (err) {
          if (newDir !== dir) await fs.rename(newDir, dir).catch(() => undefined);
          throw ioError(`VM "${doc.name}": cannot write the new name`, err);
        } finally {
          this.forget(dir);
          this.forget(newDir);
        }
        // The index is a cache: if this write fails, the next list() finds the folder again by id.
        if (newDir !== dir) await this.writeIndex(index).catch(() => undefined);
        return { id, name: next.name, bundleDir: newDir, doc: next };
      }),
    );
  }

  /**
   * files: true removes the bundle folder; false only takes it out of the library (the folder stays and
   * is remembered as excluded, so the next scan does not add it back).
   */
  async delete(id: string, options: { files: boolean }): Promise<void> {
    return this.queue.run(id, () =>
      this.queue.run(INDEX_KEY, async () => {
        const { index, entry, dir } = await this.locate(id);
        if (options.files) await assertIsBundleOf(dir, id);
        const excluded = !options.files && !path.isAbsolute(entry.path) ? [...index.excluded, entry.path] : index.excluded;
        // Out of the index first, then out of sight (one rename), then gone: an engine killed on the way leaves
        // either the intact bundle (found again by the next scan) or a staging folder the next engine sweeps,
        // never an index entry whose folder is half deleted.
        await this.writeIndex(withoutTagsOf(id, {
          ...index,
          bundles: index.bundles.filter((b) => b !== entry),
          excluded: [...new Set(excluded)],
        })).catch((err) => {
          throw ioError(`VM ${id}: cannot update the library index`, err);
        });
        this.forget(dir);
        if (options.files) {
          let doomed = dir;
          if (!path.isAbsolute(entry.path)) {
            doomed = path.join(this.libraryDir, `.delete-${randomBytes(6).toString('hex')}.partial`);
            await fs.rename(dir, doomed).catch((err: NodeJS.ErrnoException) => {
              if (err.code !== 'ENOENT') throw ioError(`VM ${id}: cannot delete ${dir}`, err); // already gone: nothing to remove
            });
          }
          await fs.rm(doomed, { recursive: true, force: true }).catch((err) => {
            throw ioError(`VM ${id}: cannot delete ${dir}`, err);
          });
        }
      }),
    );
  }

  /** Registers a bundle folder (or its vm.json) that may live anywhere; outside ones are stored by absolute path. */
  async addExisting(bundlePath: string, vet?: (dir: string, doc: VmDocument) => Promise<void>): Promise<LoadedVm> {
    return this.queue.run(INDEX_KEY, async () => {
      let dir = path.resolve(bundlePath);
      if (path.basename(dir) === 'vm.json') dir = path.dirname(dir);
      try {
        dir = await fs.realpath(dir);
      } catch (err) {
        throw new StoreError('not-found', `no bundle at ${bundlePath}`, { cause: err });
      }
      const doc = await readBundleDoc(dir);
      const { index, entries } = await this.scan();
      const clash = entries.find((e) => e.id === doc.id);
      if (clash) {
        const same = clash.bundleDir === dir;
        throw new StoreError(
          'exists',
          same ? `VM "${doc.name}" is already in the library` : `VM "${doc.name}": its id ${doc.id} is already used by ${describeEntry(clash)}`,
        );
      }
      refuseTakenName(entries, doc.name, null);
      // The caller's checks of what the bundle brings, on the document that is added (vm.addExisting).
      await vet?.(dir, doc);
      await fs.mkdir(this.libraryDir, { recursive: true });
      const libraryReal = await fs.realpath(this.libraryDir);
      const inside = path.dirname(dir) === libraryReal;
      const stored = inside ? path.basename(dir) : dir;
      await this.writeIndex({
        ...index,
        bundles: [...index.bundles, { id: doc.id, path: stored }],
        excluded: index.excluded.filter((x) => x !== stored),
      }).catch((err) => {
        throw ioError(`VM "${doc.name}": cannot update the library index`, err);
      });
      return { id: doc.id, name: doc.name, bundleDir: inside ? path.join(this.libraryDir, stored) : dir, doc };
    });
  }

  /**
   * list() and tags() from one scan (one read of the index): what `library.list` needs. The documents are the
   * store's own (not copies, to keep 1,000 rows cheap): read them, never change them.
   */
  async listWithTags(): Promise<{ entries: ReadonlyArray<LibraryEntry>; tags: Map<string, string[]> }> {
    return this.queue.run(INDEX_KEY, async () => {
      const { index, entries } = await this.scan();
      return { entries, tags: new Map(Object.entries(index.tags ?? {})) };
    });
  }

  /** Tags per VM id (from the index; VMs without tags are absent). */
  async tags(): Promise<Map<string, string[]>> {
    return this.queue.run(INDEX_KEY, async () => {
      const index = await readLibraryIndex(this.libraryDir).catch((err) => {
        throw ioError('cannot read the library index', err);
      });
      return new Map(Object.entries(index.tags ?? {}));
    });
  }

  /** Replaces a VM's tags in the index (duplicates dropped, order kept); returns them. */
  async setTags(id: string, tags: readonly string[]): Promise<string[]> {
    const clean = [...new Set(tags)];
    return this.queue.run(INDEX_KEY, async () => {
      const { index } = await this.locate(id);
      const all = { ...index.tags };
      if (clean.length > 0) all[id] = clean;
      else delete all[id];
      const { tags: _old, ...rest } = index;
      await this.writeIndex(Object.keys(all).length > 0 ? { ...rest, tags: all } : rest).catch((err) => {
        throw ioError(`VM ${id}: cannot update the library index`, err);
      });
      return clean;
    });
  }

  async bundleDir(id: string): Promise<string> {
    return (await this.queue.run(INDEX_KEY, () => this.locate(id))).dir;
  }

  private async writeIndex(index: LibraryIndex): Promise<void> {
    this.indexCache = null;
    this.generation++;
    const watched = this.watch?.watchingLibrary() ?? false;
    await writeLibraryIndex(this.libraryDir, index, this.io.writeFileAtomic);
    if (watched) this.indexCache = structuredClone(index);
  }

  /** library.json, from memory while the library folder is watched. A copy: callers change what they get. */
  private async readIndex(): Promise<LibraryIndex> {
    const watched = this.watch?.watchingLibrary() ?? false;
    if (watched && this.indexCache) return structuredClone(this.indexCache);
    const index = await readLibraryIndex(this.libraryDir).catch((err) => {
      throw ioError('cannot read the library index', err);
    });
    if (watched && this.watch?.watchingLibrary()) this.indexCache = structuredClone(index);
    return index;
  }

  /**
   * The `*.hangar` folders in the library folder, read every time (one readdir, a millisecond or two at 1,000):
   * a folder added, removed or renamed by hand shows in the very next list, without waiting for a watch event.
   */
  private async bundleFolders(): Promise<string[]> {
    try {
      return (await fs.readdir(this.libraryDir, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name.endsWith(BUNDLE_SUFFIX)).map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`cannot read the library folder ${this.libraryDir}`, err);
      return [];
    }
  }

  /** Finds the index entry for an exact id, rescanning once if the index does not know it. Index key held. */
  private async locate(id: string): Promise<Located> {
    let index = await this.readIndex();
    let entry = index.bundles.find((b) => b.id === id);
    if (!entry) {
      index = structuredClone((await this.scan()).index);
      entry = index.bundles.find((b) => b.id === id);
    }
    if (!entry) throw new StoreError('not-found', `no VM with id ${id} in the library`);
    return { index, entry, dir: entryDir(this.libraryDir, entry) };
  }

  /** Reads the index and every bundle, reconciles them and saves the index if it changed. Index key held. */
  private async scan(): Promise<{ index: LibraryIndex; entries: LibraryEntry[] }> {
    const generation = this.generation;
    const libraryWatched = this.watch?.watchingLibrary() ?? false;
    const folders = await this.bundleFolders();
    const foldersKey = folders.join('\0');
    if (this.lastScan?.generation === generation && this.lastScan.folders === foldersKey) return this.lastScan;
    this.lastScan = null;
    const index = await this.readIndex();
    const before = JSON.stringify(index);
    const indexed = new Set(index.bundles.filter((b) => !path.isAbsolute(b.path)).map((b) => b.path));
    const excluded = new Set(index.excluded);
    const names = folders.filter((n) => !indexed.has(n) && !excluded.has(n)).sort();
    // An indexed folder gone from the library (removed or renamed by hand): read it again, whatever its watch says yet.
    const present = new Set(folders);
    for (const b of index.bundles) if (!path.isAbsolute(b.path) && !present.has(b.path)) this.docCache.delete(vmJsonPath(entryDir(this.libraryDir, b)));
    // Watched before their files are read, so a change after the read is never missed.
    const dirs = [...names.map((n) => path.join(this.libraryDir, n)), ...index.bundles.map((b) => entryDir(this.libraryDir, b))];
    this.watch?.sync(dirs);
    const allWatched = libraryWatched && dirs.every((d) => this.watch?.watching(d));
    const seen = new Set<string>();
    const read = (dir: string): Promise<BundleRead> => {
      seen.add(vmJsonPath(dir));
      return this.readBundleCached(dir);
    };
    const found = await Promise.all(names.map(async (name) => ({ name, result: await read(path.join(this.libraryDir, name)) })));
    const indexedResults = await Promise.all(index.bundles.map((b) => read(entryDir(this.libraryDir, b))));
    // Forget the documents of bundles that are no longer scanned (deleted, excluded).
    if (this.docCache.size > seen.size) for (const key of this.docCache.keys()) if (!seen.has(key)) this.docCache.delete(key);

    const entries: LibraryEntry[] = [];
    const okById = new Map<string, LibraryEntry>();
    const bundles: IndexEntry[] = [];
    const addOk = (entry: IndexEntry, dir: string, doc: VmDocument): void => {
      const other = okById.get(doc.id);
      if (other) {
        const error = new StoreError('exists', `VM "${doc.name}" in ${dir} has the same id as ${describeEntry(other)}; give one of them a new id`);
        entries.push({ status: 'broken', id: doc.id, name: doc.name, bundleDir: dir, error });
        return;
      }
      const ok: LibraryEntry = { status: 'ok', id: doc.id, name: doc.name, bundleDir: dir, doc };
      okById.set(doc.id, ok);
      entries.push(ok);
      bundles.push({ id: doc.id, path: entry.path });
    };

    index.bundles.forEach((b, i) => {
      const result = indexedResults[i]!;
      const dir = entryDir(this.libraryDir, b);
      if ('doc' in result) return addOk(b, dir, result.doc);
      if (result.missing) {
        // A folder renamed by hand: the same id turns up under a new name.
        const moved = found.findIndex((f) => 'doc' in f.result && f.result.doc.id === b.id);
        if (moved >= 0) {
          const [f] = found.splice(moved, 1);
          if (f && 'doc' in f.result) return addOk({ id: b.id, path: f.name }, path.join(this.libraryDir, f.name), f.result.doc);
        }
      }
      entries.push({ status: result.missing ? 'missing' : 'broken', id: b.id, name: null, bundleDir: dir, error: result.error });
      bundles.push(b);
    });
    for (const f of found) {
      const dir = path.join(this.libraryDir, f.name);
      if ('doc' in f.result) addOk({ id: f.result.doc.id, path: f.name }, dir, f.result.doc);
      else entries.push({ status: 'broken', id: null, name: null, bundleDir: dir, error: f.result.error });
    }

    const next: LibraryIndex = { ...index, bundles };
    if (JSON.stringify(next) !== before) {
      // Only a cache: a read-only library still lists fine.
      await this.writeIndex(next).catch(() => undefined);
    }
    // Nothing moved while it was read (the generation did not), and everything it read is watched.
    if (allWatched && this.generation === generation) this.lastScan = { generation, folders: foldersKey, index: next, entries };
    return { index: next, entries };
  }

  /**
   * readBundle with a cache of parsed documents: vm.json is stat'ed, and parsed (migrated, validated) only
   * when its mtime, size or inode changed since the last read. External edits change the mtime, and the
   * engine's own writes are atomic renames (a new inode). In a watched folder not even the stat is needed
   * (1,000 of them take 20-100 ms on a loaded machine). The document is the cached object: scan()'s callers
   * only read it, and list() and load() hand out copies.
   */
  private async readBundleCached(dir: string): Promise<BundleRead> {
    const file = vmJsonPath(dir);
    // Watched since before it was read or checked: nothing changed, or the watch would have dropped it.
    const watched = this.watch?.watching(dir) ?? false;
    const trusted = watched ? this.docCache.get(file) : undefined;
    if (trusted?.watched) return { doc: trusted.doc };
    // Synchronous on purpose: library.list stats every bundle, and 1,000 stats of cached entries take ~5 ms
    // on the loop but ~30 ms as 1,000 thread-pool round trips (issue 5: the library's first paint). No
    // exception for a missing file either (readBundle reports why).
    let st: { mtimeMs: number; size: number; ino: number } | null = null;
    try {
      st = statSync(file, { throwIfNoEntry: false }) ?? null;
    } catch {
      st = null;
    }
    const hit = st && this.docCache.get(file);
    if (st && hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && hit.ino === st.ino) {
      hit.watched = watched;
      return { doc: hit.doc };
    }
    const generation = this.generation;
    const result = await readBundle(dir);
    // A watch event during the read (an edit racing it) may have come after the bytes were read: not trusted,
    // so the next read stats the file again (its mtime then differs from the stat taken before this read).
    const trust = watched && this.generation === generation;
    if (st && 'doc' in result) this.docCache.set(file, { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, doc: result.doc, watched: trust });
    else this.docCache.delete(file);
    return result;
  }

  /** The real path of a chosen parent folder, or null when there is none or it is the library folder itself. */
  private async outsideParent(parentDir: string | undefined): Promise<string | null> {
    if (parentDir === undefined) return null;
    const [real, libraryReal] = await Promise.all([fs.realpath(parentDir), fs.realpath(this.libraryDir)]).catch((err) => {
      throw ioError(`cannot resolve the folder ${parentDir}`, err);
    });
    return real === libraryReal ? null : real;
  }

  private async makeFolder(name: string, id: string, parent: string): Promise<string> {
    for (const length of [SHORT_ID_LENGTH, 32]) {
      const folder = bundleFolderName(name, id, length);
      try {
        await fs.mkdir(path.join(parent, folder), { mode: 0o700 });
        return folder;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`VM "${name}": cannot create ${folder}`, err);
      }
    }
    const where = parent === this.libraryDir ? 'the library' : parent;
    throw new StoreError('exists', `VM "${name}": folder ${bundleFolderName(name, id, 32)} already exists in ${where}`);
  }

  /** Like makeFolder's choice, for a rename (the target must not exist: rename would replace an empty folder). */
  private async freeFolderName(name: string, id: string): Promise<string> {
    for (const length of [SHORT_ID_LENGTH, 32]) {
      const folder = bundleFolderName(name, id, length);
      if (!(await exists(path.join(this.libraryDir, folder)))) return folder;
    }
    throw new StoreError('exists', `VM "${name}": folder ${bundleFolderName(name, id, 32)} already exists in the library`);
  }
}

interface CachedDoc {
  mtimeMs: number;
  size: number;
  ino: number;
  /** Shared with scan()'s entries: list() and load() hand out copies. */
  doc: VmDocument;
  /** Its folder was watched since before this was read or checked: valid until the watch drops it. */
  watched: boolean;
}

/** A list() row with its own copy of the document. */
function copyEntry(e: LibraryEntry): LibraryEntry {
  return e.status === 'ok' ? { ...e, doc: structuredClone(e.doc) } : { ...e };
}

type BundleRead = { doc: VmDocument } | { error: StoreError; missing: boolean };

/** The largest vm.json the store reads (a real one is a few KiB; names, descriptions and lists are bounded). */
export const MAX_VM_JSON_BYTES = 4 * 1024 * 1024;

async function readBundle(dir: string): Promise<BundleRead> {
  try {
    return { doc: await readBundleDoc(dir) };
  } catch (err) {
    const error = err instanceof StoreError ? err : ioError(`bundle ${dir}`, err);
    return { error, missing: error.code === 'not-found' };
  }
}

/** vm.json of a bundle, migrated and validated; errors name the folder since the name may be unreadable. */
async function readBundleDoc(dir: string): Promise<VmDocument> {
  let text: string;
  try {
    // A hostile bundle's vm.json may be huge: refuse it from its size, before reading it into memory.
    const { size } = await fs.stat(vmJsonPath(dir));
    if (size > MAX_VM_JSON_BYTES) {
      throw new StoreError('invalid', `bundle ${path.basename(dir)}: vm.json is ${(size / 1024 / 1024).toFixed(1)} MiB; a VM document is at most ${MAX_VM_JSON_BYTES / 1024 / 1024} MiB`);
    }
    text = await fs.readFile(vmJsonPath(dir), 'utf8');
  } catch (err) {
    if (err instanceof StoreError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(await exists(dir))) throw new StoreError('not-found', `bundle folder ${dir} is missing (moved or deleted?)`, { cause: err });
    if (code === 'ENOENT') throw new StoreError('invalid', `bundle ${path.basename(dir)} has no vm.json`, { cause: err });
    throw ioError(`bundle ${path.basename(dir)}: cannot read vm.json`, err);
  }
  return toStoreError(() => parseVmDocument(text), `bundle ${path.basename(dir)}`);
}

/** Refuses to delete a folder that is not the bundle of this id, in case the index points somewhere odd. */
async function assertIsBundleOf(dir: string, id: string): Promise<void> {
  if (!(await exists(dir))) return;
  let text: string;
  try {
    text = await fs.readFile(vmJsonPath(dir), 'utf8');
  } catch (err) {
    throw new StoreError('invalid', `refusing to delete ${dir}: it has no readable vm.json`, { cause: err });
  }
  // A broken vm.json is still ours if it names the id: deleting broken VMs must work.
  if (!text.includes(id)) throw new StoreError('invalid', `refusing to delete ${dir}: its vm.json is not VM ${id}`);
}

/** The index without a VM's tags (and without the `tags` key once none are left). */
function withoutTagsOf(id: string, index: LibraryIndex): LibraryIndex {
  if (!index.tags || !(id in index.tags)) return index;
  const { [id]: _gone, ...tags } = index.tags;
  const { tags: _old, ...rest } = index;
  return Object.keys(tags).length > 0 ? { ...rest, tags } : rest;
}

function toStoreError<T>(fn: () => T, who: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof VmDocumentError) throw new StoreError('invalid', `${who}: ${err.message}`, { cause: err });
    throw err;
  }
}

function pick(entries: LibraryEntry[], query: string): LibraryEntry {
  const q = query.trim().toLowerCase();
  const exact = entries.find((e) => e.id !== null && e.id.toLowerCase() === q);
  if (exact) return exact;
  const matches = entries.filter(
    (e) => (q.length >= 4 && e.id !== null && e.id.toLowerCase().startsWith(q)) || (e.name !== null && sameName(e.name, q)),
  );
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new StoreError('not-found', `no VM named or with id "${query}" in the library`);
  throw new StoreError('ambiguous', `"${query}" matches ${matches.length} VMs: ${matches.map(describeEntry).join(', ')}; use the id`, {
    matches: matches.map((e) => ({ id: e.id ?? '', name: e.name ?? '' })),
  });
}

/** Names are unique in a library (see nameKey): a second "Web" would make every lookup by name ambiguous. */
function refuseTakenName(entries: readonly LibraryEntry[], name: string, self: string | null): void {
  const holder = entries.find((e) => e.name !== null && e.id !== self && sameName(e.name, name));
  if (!holder) return;
  const same = holder.name === name.trim() ? '' : ` (names are compared ignoring case, spacing and look-alike characters)`;
  throw new StoreError('name-taken', `a machine named "${holder.name}" already exists (id ${holder.id ?? holder.bundleDir})${same}; choose another name`, {
    matches: [{ id: holder.id ?? '', name: holder.name ?? '' }],
  });
}

function describeEntry(e: LibraryEntry): string {
  return e.name !== null ? `"${e.name}" (${e.id})` : `the bundle in ${e.bundleDir}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
