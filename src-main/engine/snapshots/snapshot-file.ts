import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { emptySnapshotFile, parseSnapshotFile, serializeSnapshotFile, SNAPSHOTS_JSON, type SnapshotFile } from './snapshot-tree.js';

/** A bundle's `snapshots.json`: the tree as stored (snapshot-tree.ts says what it holds). */
export const snapshotFilePath = (bundleDir: string): string => join(bundleDir, SNAPSHOTS_JSON);

/** The stored tree; an empty one when the bundle has none yet. */
export async function readSnapshotFile(bundleDir: string): Promise<SnapshotFile> {
  const path = snapshotFilePath(bundleDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptySnapshotFile();
    throw err;
  }
  return parseSnapshotFile(text, path);
}

/** Atomically (temp file, fsync, rename, fsync of the folder): a killed engine leaves the old tree or the new. */
export async function writeSnapshotFile(bundleDir: string, file: SnapshotFile): Promise<void> {
  await writeFileAtomic(snapshotFilePath(bundleDir), serializeSnapshotFile(file));
}
