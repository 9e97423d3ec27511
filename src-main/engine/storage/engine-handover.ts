// Finding out when the engine that owns a library goes away, and asking a background CLI engine to go:
// shared by the CLI (which waits for a starting or exiting engine), `hangar serve` and the app's engine
// (which take the library over from a background engine).
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { defaultIsOwnerAlive, readLibraryLock, type LockInfo } from './library-lock.js';

/** The hidden CLI verb that runs a background engine (its command line is how a yield request checks the pid). */
export const BACKGROUND_ENGINE_VERB = '__background-engine';

export interface DirWatch {
  /** Resolves at the first change in the folders since the watch began (or since the last call), or after `ms`. */
  changed(ms: number): Promise<void>;
  close(): void;
}

/**
 * Watches folders for any entry change (a lock file or a socket appearing or going). Set up before
 * reading the state it guards, so a change in between is not missed. The timeout covers what no event
 * reports (an owner killed with its lock file left behind); a folder that cannot be watched relies on it.
 */
export function watchDirs(dirs: readonly string[]): DirWatch {
  let dirty = false;
  let wake: (() => void) | null = null;
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      const w = watch(dir, () => {
        dirty = true;
        wake?.();
      });
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // missing or unwatchable: the timeout still ends each wait
    }
  }
  return {
    changed(ms) {
      if (dirty) {
        dirty = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, ms));
        function done(): void {
          clearTimeout(timer);
          wake = null;
          dirty = false;
          resolve();
        }
        wake = done;
      });
    },
    close() {
      for (const w of watchers) w.close();
    },
  };
}

/** The live engine holding the library's lock, or null. */
export async function liveOwner(libraryDir: string): Promise<LockInfo | null> {
  const lock = await readLibraryLock(libraryDir).catch(() => null);
  return lock && defaultIsOwnerAlive(lock) ? lock : null;
}

/**
 * Asks a background CLI engine to exit as soon as it is idle (SIGUSR2: no clients, requests or jobs left).
 * False when the owner is not one: only a lock marked `background` whose process runs the background verb
 * gets the signal (SIGUSR2 would end any other process).
 */
export function askBackgroundEngineToYield(lock: LockInfo): boolean {
  if (!lock.background) return false;
  if (process.platform === 'linux') {
    try {
      if (!readFileSync(`/proc/${lock.pid}/cmdline`, 'utf8').split('\0').includes(BACKGROUND_ENGINE_VERB)) return false;
    } catch {
      return false;
    }
  }
  try {
    process.kill(lock.pid, 'SIGUSR2');
    return true;
  } catch {
    return false;
  }
}

/** Resolves true once no live engine holds the library's lock, false if one still does after `timeoutMs`. */
export async function waitForLockRelease(libraryDir: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  const w = watchDirs([libraryDir]);
  try {
    for (;;) {
      if (!(await liveOwner(libraryDir))) return true;
      const left = end - Date.now();
      if (left <= 0) return false;
      await w.changed(Math.min(left, 500));
    }
  } finally {
    w.close();
  }
}
