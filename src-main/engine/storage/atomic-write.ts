import * as nodeFs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** The slice of `node:fs/promises` atomic writes use; tests inject one that fails on purpose. */
export type AtomicWriteFs = Pick<typeof nodeFs, 'open' | 'rename' | 'unlink'>;

export interface AtomicWriteOptions {
  fs?: AtomicWriteFs;
  /** File mode for a new file (default 0o600, before umask: library files are private). */
  mode?: number;
  /** Platform override for tests; directory fsync is skipped on Windows, which cannot open directories. */
  platform?: NodeJS.Platform;
}

/** Temp files are `.<name>.<random>.tmp` beside the target, so a leftover is easy to recognise. */
export function isAtomicTempFile(fileName: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.tmp$/.test(fileName);
}

/**
 * Replaces `target` so that a reader (or a crash at any moment) sees either the old content or the new
 * content, never a mix: write a temp file in the same directory (rename is only atomic within one
 * file system), fsync it, rename it over the target, then fsync the directory so the rename itself is
 * durable. On failure the temp file is removed and the old target is untouched.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const fs = options.fs ?? nodeFs;
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await fs.open(temp, 'wx', options.mode ?? 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
    renamed = true;
  } finally {
    if (!renamed) await fs.unlink(temp).catch(() => undefined);
  }
  if ((options.platform ?? process.platform) !== 'win32') await fsyncDir(fs, dir);
}

async function fsyncDir(fs: AtomicWriteFs, dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
