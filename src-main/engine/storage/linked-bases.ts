// Images outside every bundle that a linked clone made into a shared base (a disk the user had added by
// path). The start lets a bundle's overlay read these exact files too (storage/image-chain.ts). Kept in the
// library folder, not in a bundle: an archive or a copied bundle cannot add to it.
import { readFile, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

const FILE = 'linked-bases.json';

/** The recorded bases (real paths); none when the file is missing or unreadable. */
export async function readLinkedBases(libraryDir: string): Promise<string[]> {
  try {
    const parsed = JSON.parse(await readFile(join(libraryDir, FILE), 'utf8')) as { files?: unknown };
    return Array.isArray(parsed.files) ? parsed.files.filter((f): f is string => typeof f === 'string' && f.startsWith('/')) : [];
  } catch {
    return [];
  }
}

/** Records `file` (by its real path) as a base a linked clone made. */
export async function addLinkedBase(libraryDir: string, file: string): Promise<void> {
  const real = await realpath(file).catch(() => resolve(file));
  const files = await readLinkedBases(libraryDir);
  if (files.includes(real)) return;
  await writeFileAtomic(join(libraryDir, FILE), `${JSON.stringify({ version: 1, files: [...files, real] }, null, 2)}\n`);
}
