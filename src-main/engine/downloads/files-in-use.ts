import { realpath } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { LibraryEntry } from '../storage/bundle-store.js';
import { documentHostPaths } from '../../../src-shared/vm-document/host-paths.js';

/**
 * Real paths of the files the library's machines open from outside their folders: a cloud machine's base image,
 * disks attached in place, ISOs in CD drives, USB stick images. Cleaning the Installation media folder keeps these.
 */
export async function filesMachinesUse(ctx: { store: { list(): Promise<LibraryEntry[]> } }): Promise<Set<string>> {
  const out = new Set<string>();
  for (const e of await ctx.store.list()) {
    if (e.status !== 'ok') continue;
    for (const p of documentHostPaths(e.doc)) {
      const abs = isAbsolute(p) ? p : join(e.bundleDir, p);
      out.add(await realpath(abs).catch(() => abs));
    }
  }
  return out;
}
