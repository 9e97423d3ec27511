import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isAtomicTempFile } from './atomic-write.js';

/**
 * Temp files only a killed engine leaves: atomic writes' `.<name>.<12 hex>.tmp`, thumbnails' `<file>.<pid>.tmp`
 * and the UEFI vars being converted (`efivars.qcow2.tmp`). A running engine never keeps one past the write
 * that made it, so the engine that takes the library over (it holds the lock) removes them.
 */
export function isLeftoverTemp(name: string): boolean {
  return isAtomicTempFile(name) || /^[^.].*\.\d+\.tmp$/.test(name) || name === 'efivars.qcow2.tmp';
}

/** Staging entries of disk imports, clones, archive imports and deletes (`.import-<12 hex>.partial`, a file or a folder). */
export function isLeftoverStaging(name: string): boolean {
  return /^\.(import|clone|archive-import|delete)-[0-9a-f]{12}\.partial/.test(name);
}

/**
 * Removes leftover temp files in the library folder and in each bundle (and its thumbs/ and nvram/), and the
 * library's leftover staging entries; returns their paths.
 */
export async function sweepLeftoverTemps(libraryDir: string, bundleDirs: readonly string[]): Promise<string[]> {
  const dirs = [libraryDir, ...bundleDirs.flatMap((b) => [b, join(b, 'thumbs'), join(b, 'nvram')])];
  const removed: string[] = [];
  await Promise.all(
    dirs.map(async (dir) => {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return; // no such folder
      }
      for (const name of names) {
        const staging = dir === libraryDir && isLeftoverStaging(name);
        if (!staging && !isLeftoverTemp(name)) continue;
        const path = join(dir, name);
        await rm(path, { recursive: staging, force: true });
        removed.push(path);
      }
    }),
  );
  return removed;
}
