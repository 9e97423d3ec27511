import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import type { RecentIso } from '../../../src-shared/contract/index.js';
import { writeFileAtomic } from '../storage/atomic-write.js';

export const RECENT_ISOS_FILE = 'recent-isos.json';
export const RECENT_ISOS_MAX = 10;

interface StoredEntry {
  path: string;
  usedAt: string;
}

/** Parses recent-isos.json leniently: a damaged file or entry is dropped, never an error. */
export function parseRecentIsos(text: string): StoredEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  const list = (raw as { isos?: unknown } | null)?.isos;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (e): e is StoredEntry =>
      typeof e === 'object' && e !== null && typeof (e as StoredEntry).path === 'string' && isAbsolute((e as StoredEntry).path) && typeof (e as StoredEntry).usedAt === 'string',
  );
}

/** Moves `path` to the front (most recent first), without duplicates, capped at `max`. */
export function pushRecent(list: StoredEntry[], path: string, usedAt: string, max = RECENT_ISOS_MAX): StoredEntry[] {
  return [{ path, usedAt }, ...list.filter((e) => e.path !== path)].slice(0, max);
}

/**
 * The library's recently used ISOs (`<library>/recent-isos.json`), most recent first, at most 10.
 * Files that no longer exist are left out of the list and dropped from the file at the next write.
 */
export class RecentIsos {
  private chain: Promise<unknown> = Promise.resolve();
  readonly file: string;

  constructor(
    libraryDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.file = join(libraryDir, RECENT_ISOS_FILE);
  }

  /** Records a use of `path` (absolute). Never throws: the list is a convenience. */
  add(path: string): Promise<void> {
    return this.serial(async () => {
      const kept = await this.existing(await this.read());
      const next = pushRecent(kept, path, this.now().toISOString());
      await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, isos: next }, null, 2)}\n`);
    }).catch(() => undefined);
  }

  async list(): Promise<RecentIso[]> {
    return this.serial(async () => {
      const out: RecentIso[] = [];
      for (const e of await this.read()) {
        const size = await fileSize(e.path);
        if (size !== null) out.push({ path: e.path, name: basename(e.path), sizeBytes: size, usedAt: e.usedAt });
      }
      return out;
    });
  }

  private async read(): Promise<StoredEntry[]> {
    const text = await readFile(this.file, 'utf8').catch(() => '');
    return parseRecentIsos(text);
  }

  private async existing(list: StoredEntry[]): Promise<StoredEntry[]> {
    const keep: StoredEntry[] = [];
    for (const e of list) if ((await fileSize(e.path)) !== null) keep.push(e);
    return keep;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}
