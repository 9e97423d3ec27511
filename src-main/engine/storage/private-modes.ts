// A library holds whole disks, serial logs and screenshots: only its owner may read them. Folders 0700,
// files 0600, for what the engine writes and for what QEMU, qemu-img, swtpm and tar write for it.
import { isMainThread } from 'node:worker_threads';
import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * umask 077 for the engine's process: every file it or its children create (QEMU's serial log and pid file,
 * qemu-img's images, swtpm's state, extracted archives) is private with no chmod race. The engine runs in
 * its own process (Electron utility process, `hangar serve`'s fork) or in the CLI's; worker threads cannot
 * change the umask, so they keep the explicit modes only.
 */
export function usePrivateUmask(): void {
  if (isMainThread) process.umask(0o077);
}

/**
 * Takes group and other bits off every folder and file under `dir` (and `dir` itself) that we own:
 * libraries made before this, or copied in with their old modes. Symlinks are not followed (a link out
 * of the library is not ours to change); what cannot be changed is left as it is.
 */
export async function tightenTree(dir: string): Promise<number> {
  const uid = process.getuid?.();
  let changed = 0;
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path).catch(() => null);
    if (!st || (uid !== undefined && st.uid !== uid)) return;
    if (!st.isDirectory() && !st.isFile()) return;
    if ((st.mode & 0o077) !== 0) {
      const ok = await chmod(path, st.mode & 0o700).then(() => true, () => false);
      if (ok) changed++;
    }
    if (!st.isDirectory()) return;
    const names = await readdir(path).catch(() => [] as string[]);
    await Promise.all(names.map((name) => visit(join(path, name))));
  };
  await visit(dir);
  return changed;
}

/**
 * tightenTree only for a folder that is itself open to others: once a library or bundle folder is 0700, what is
 * inside cannot be reached by anyone else, so an engine opening a tightened library walks nothing (measured:
 * walking 1,000 bundles took seconds on a loaded 2-core machine, too slow for every CLI command).
 */
export async function tightenIfOpen(dir: string): Promise<number> {
  const st = await lstat(dir).catch(() => null);
  if (!st?.isDirectory() || (st.mode & 0o077) === 0) return 0;
  return tightenTree(dir);
}
