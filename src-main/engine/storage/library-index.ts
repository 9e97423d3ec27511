import * as fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { LIBRARY_INDEX } from './bundle-layout.js';

/**
 * `library.json`: the library order and the bundles that live elsewhere. It is a cache: bundles inside
 * the library folder are found again by scanning, so losing it loses only order, outside bundles and
 * the excluded list.
 */
const indexSchema = z.object({
  version: z.literal(1),
  /** `path` is a folder name for bundles inside the library, an absolute path for ones outside it. */
  bundles: z.array(z.object({ id: z.string(), path: z.string().min(1) })),
  /** Folder names inside the library that were removed from it without deleting files. */
  excluded: z.array(z.string()),
  /**
   * Tags per VM id: this library's organisation (like VirtualBox's groups), kept out of the portable
   * vm.json. Absent when no VM has tags.
   */
  tags: z.record(z.string(), z.array(z.string())).optional(),
});

export type LibraryIndex = z.infer<typeof indexSchema>;
export type IndexEntry = LibraryIndex['bundles'][number];

export function emptyIndex(): LibraryIndex {
  return { version: 1, bundles: [], excluded: [] };
}

/** A missing or unreadable index is an empty one: it is rebuilt from the folders. */
export async function readLibraryIndex(libraryDir: string): Promise<LibraryIndex> {
  let text: string;
  try {
    text = await fs.readFile(path.join(libraryDir, LIBRARY_INDEX), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw err;
  }
  try {
    const parsed = indexSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : emptyIndex();
  } catch {
    return emptyIndex();
  }
}

export async function writeLibraryIndex(
  libraryDir: string,
  index: LibraryIndex,
  write: (target: string, data: string) => Promise<void> = writeFileAtomic,
): Promise<void> {
  await write(path.join(libraryDir, LIBRARY_INDEX), `${JSON.stringify(index, null, 2)}\n`);
}

/** The bundle folder an entry points at. */
export function entryDir(libraryDir: string, entry: IndexEntry): string {
  return path.isAbsolute(entry.path) ? entry.path : path.join(libraryDir, entry.path);
}
