import * as fs from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE_NAME = '.hangar-engine.lock';

export interface LockInfo {
  pid: number;
  /** ISO timestamp. */
  startedAt: string;
  controlSocket: string;
  /** Set by a background engine the CLI started (it exits when idle, and hands over to the app's engine). */
  background?: boolean;
}

export class LibraryLockedError extends Error {
  constructor(
    readonly libraryDir: string,
    readonly pid: number,
    readonly controlSocket: string,
    readonly background = false,
  ) {
    super(`another Hangar engine (pid ${pid}) owns this library (${libraryDir}); connect to it via ${controlSocket}`);
    this.name = 'LibraryLockedError';
  }
}

export interface AcquireLockOptions {
  controlSocket: string;
  background?: boolean;
  pid?: number;
  now?: () => Date;
  /** Whether the engine that wrote `info` still runs; injectable for tests. */
  isOwnerAlive?: (info: LockInfo) => boolean;
}

export interface LibraryLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

/**
 * Takes the library's engine lock: a file created with O_EXCL holding {pid, startedAt, controlSocket}.
 * A lock whose engine is gone (pid dead, or the pid reused by a younger process) is taken over; a live
 * one raises LibraryLockedError naming the pid and socket, so the caller can connect there instead.
 */
export async function acquireLibraryLock(libraryDir: string, options: AcquireLockOptions): Promise<LibraryLock> {
  const lockPath = path.join(libraryDir, LOCK_FILE_NAME);
  const info: LockInfo = {
    pid: options.pid ?? process.pid,
    startedAt: (options.now?.() ?? new Date()).toISOString(),
    controlSocket: options.controlSocket,
    ...(options.background ? { background: true } : {}),
  };
  const isOwnerAlive = options.isOwnerAlive ?? defaultIsOwnerAlive;
  let unreadableSince: number | null = null;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await tryCreate(lockPath, info)) return makeLock(lockPath, info);
    const existing = await readLock(lockPath);
    if (existing === 'gone') continue;
    if (existing === 'unreadable') {
      // Another engine may have created the file and not yet written it: give it a moment before
      // calling an empty or torn lock stale.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince < 1000) {
        await sleep(20);
        continue;
      }
    } else if (isOwnerAlive(existing)) {
      throw new LibraryLockedError(libraryDir, existing.pid, existing.controlSocket, existing.background === true);
    }
    // Stale. Two engines racing to take over the same stale lock is the one case O_EXCL cannot cover
    // fully; the window is a few microseconds between this unlink and the next create.
    await fs.unlink(lockPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    unreadableSince = null;
  }
  throw new Error(`could not take the library lock ${lockPath}: it keeps changing`);
}

/** Reads the current lock, if any, without taking it (the CLI uses this to find the running engine). */
export async function readLibraryLock(libraryDir: string): Promise<LockInfo | null> {
  const result = await readLock(path.join(libraryDir, LOCK_FILE_NAME));
  return typeof result === 'string' ? null : result;
}

async function tryCreate(lockPath: string, info: LockInfo): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lockPath, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(`${JSON.stringify(info)}\n`);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.unlink(lockPath).catch(() => undefined);
    throw err;
  }
  await handle.close();
  return true;
}

async function readLock(lockPath: string): Promise<LockInfo | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await fs.readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0 && typeof v.startedAt === 'string' && typeof v.controlSocket === 'string') {
      return { pid: v.pid, startedAt: v.startedAt, controlSocket: v.controlSocket, ...(v.background === true ? { background: true } : {}) };
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

function makeLock(lockPath: string, info: LockInfo): LibraryLock {
  let released = false;
  return {
    path: lockPath,
    info,
    async release() {
      if (released) return;
      const current = await readLock(lockPath);
      // Only ours: after a takeover the file may belong to another engine.
      if (typeof current !== 'string' && current.pid === info.pid && current.startedAt === info.startedAt) {
        await fs.unlink(lockPath).catch(() => undefined);
      }
      released = true;
    },
  };
}

/** True while a process with this pid exists (shared by the lock, session reattach and lifecycle). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Alive = the pid exists, unless it is plainly a reused pid: after a reboot the old pid often names an
 * unrelated process that started after the lock was written (Linux /proc tells us) and the engine's
 * socket is gone. Both must agree, so a wall-clock jump alone never lets a second engine in.
 */
export function defaultIsOwnerAlive(info: LockInfo): boolean {
  if (!isPidAlive(info.pid)) return false;
  const started = linuxProcessStartMs(info.pid);
  const lockedAt = Date.parse(info.startedAt);
  const younger = started !== null && Number.isFinite(lockedAt) && started > lockedAt + 5000;
  return !(younger && !existsSync(info.controlSocket));
}

/** Process start time from /proc (ms since epoch), or null when unavailable. Assumes USER_HZ = 100. */
export function linuxProcessStartMs(pid: number): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses; fields after the last ')' are safe to split.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    if (!Number.isFinite(startTicks) || btime === undefined) return null;
    return Number(btime) * 1000 + (startTicks / 100) * 1000;
  } catch {
    return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
