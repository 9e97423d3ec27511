import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface LibraryWatchListener {
  /** Something named `name` (null: unknown) changed in the library folder itself. */
  library(name: string | null): void;
  /** Something named `name` (null: unknown) changed in a watched bundle folder, or the folder itself moved or went. */
  bundle(dir: string, name: string | null): void;
}

/**
 * inotify watches (fs.watch, not recursive) on the library folder and on each bundle folder, so the store can
 * trust what it read until a watch says otherwise instead of stat'ing 1,000 vm.json files per `library.list`
 * (tens of milliseconds on a loaded machine). A folder that cannot be watched (no inotify, the per-user watch
 * limit reached, gone) is simply not watched: `watching()` says false and the store checks it the old way.
 * Watches never keep the process alive.
 */
export class LibraryWatch {
  private libraryWatcher: FSWatcher | null = null;
  private readonly bundles = new Map<string, FSWatcher>();
  private closed = false;

  constructor(
    readonly libraryDir: string,
    private readonly listener: LibraryWatchListener,
  ) {}

  /** Starts the library folder's watch if it is not running (the folder may not exist yet); true while it runs. */
  watchingLibrary(): boolean {
    if (this.libraryWatcher || this.closed) return this.libraryWatcher !== null;
    this.libraryWatcher = this.open(this.libraryDir, (name) => this.listener.library(name), () => {
      this.libraryWatcher = null;
      this.listener.library(null);
    });
    return this.libraryWatcher !== null;
  }

  /** True while `dir` (a bundle folder) is watched. */
  watching(dir: string): boolean {
    return this.bundles.has(dir);
  }

  /** Watches exactly these bundle folders from now on. */
  sync(dirs: Iterable<string>): void {
    if (this.closed) return;
    const wanted = new Set(dirs);
    for (const [dir, w] of this.bundles) {
      if (!wanted.has(dir)) {
        w.close();
        this.bundles.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.bundles.has(dir)) continue;
      const w = this.open(dir, (name) => this.bundleEvent(dir, name), () => this.drop(dir));
      if (w) this.bundles.set(dir, w);
    }
  }

  /**
   * Stops watching `dir`, telling the listener it changed: its folder moved, went or was replaced (an inotify
   * watch follows the inode, so a new folder at the same path needs a new watch; the next sync makes it).
   */
  drop(dir: string): void {
    const w = this.bundles.get(dir);
    if (w) {
      w.close();
      this.bundles.delete(dir);
    }
    this.listener.bundle(dir, null);
  }

  close(): void {
    this.closed = true;
    this.libraryWatcher?.close();
    this.libraryWatcher = null;
    for (const w of this.bundles.values()) w.close();
    this.bundles.clear();
  }

  private bundleEvent(dir: string, name: string | null): void {
    // The folder itself moved or went: inotify names it by its own base name.
    if (name === null || name === path.basename(dir)) this.drop(dir);
    else this.listener.bundle(dir, name);
  }

  private open(dir: string, onEvent: (name: string | null) => void, onError: () => void): FSWatcher | null {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => onEvent(typeof name === 'string' ? name : null));
      w.on('error', () => {
        w.close();
        onError();
      });
      return w;
    } catch {
      return null;
    }
  }
}
