import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-write.js';

/**
 * The internal snapshot that holds a saved machine state (RAM, devices, disks at that moment). Reserved: the
 * snapshot tree never shows it, and it is deleted as soon as the next start has loaded it.
 */
export const SAVED_STATE_TAG = 'hangar-saved-state';

const FILE = 'saved-state.json';

const recordSchema = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  tag: z.literal(SAVED_STATE_TAG),
  /** Format node names the snapshot covers; the first holds the RAM state. */
  // Node names as argv gives them (disk ids, pflash1): a hand-edited file names nothing else to QMP.
  devices: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/)).min(1).max(64),
  /** snapshot-hardware.ts's record: the machine must be built the same way to load the state. */
  hardware: z.record(z.string(), z.unknown()),
});

export type SavedStateRecord = z.infer<typeof recordSchema>;

export function savedStatePath(bundleDir: string): string {
  return join(bundleDir, FILE);
}

/** The bundle's saved state, or null (none, or an unreadable file: a machine must never be stuck on it). */
export async function readSavedState(bundleDir: string): Promise<SavedStateRecord | null> {
  let text: string;
  try {
    text = await readFile(savedStatePath(bundleDir), 'utf8');
  } catch {
    return null;
  }
  try {
    return recordSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

export async function writeSavedState(bundleDir: string, record: SavedStateRecord): Promise<void> {
  await writeFileAtomic(savedStatePath(bundleDir), `${JSON.stringify(record, null, 2)}\n`);
}

export async function removeSavedState(bundleDir: string): Promise<void> {
  await rm(savedStatePath(bundleDir), { force: true });
}
