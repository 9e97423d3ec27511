import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import type { VmShare } from '../../../src-shared/vm-document/index.js';
import { isInside } from '../browser-paths.js';
import { SYSTEM_FOLDERS } from '../storage/path-guard.js';

/**
 * Folders a guest never gets: the disks' system folders (storage/path-guard.ts) and the rest of the operating
 * system's own tree, where a writable share would let a guest rewrite programs and a read-only one would show it
 * the host's secrets. `/` itself holds them all.
 */
export const SHARE_DENIED_FOLDERS = [...SYSTEM_FOLDERS, '/dev', '/run', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/var', '/root', '/srv', '/opt', '/snap'] as const;

export interface ShareCheckContext {
  /** The library: a share holding it would let a guest rewrite a machine's vm.json (its QEMU arguments). */
  libraryDir: string;
  /** The machine's own folder (it may lie outside the library). */
  bundleDir: string;
}

const refuse = (share: string, message: string, path: string): EngineError =>
  new EngineError('invalid-args', `shared folder "${share}": ${message}`, { field: 'shares', path });

/**
 * One share's folder, deny by default: absolute, an existing directory reached through symlinks to its real path
 * (which is what is judged and what QEMU gets), not `/` or a system folder, no hidden folder on the way (~/.ssh),
 * and neither inside nor around Hangar's library or the machine's own folder. Returns the real path.
 */
export async function checkShareFolder(name: string, given: string, ctx: ShareCheckContext): Promise<string> {
  if (!isAbsolute(given)) throw refuse(name, `give an absolute path (got "${given}")`, given);
  let real: string;
  try {
    real = await realpath(given);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw refuse(name, code === 'ENOENT' || code === 'ENOTDIR' ? `the folder ${given} does not exist` : `${given} cannot be read (${code ?? String(err)})`, given);
  }
  const shown = real === resolve(given) ? given : `${given} (which leads to ${real})`;
  if (!(await stat(real)).isDirectory()) throw refuse(name, `${shown} is not a folder`, given);
  if (real === '/') throw refuse(name, 'the whole file system (/) cannot be shared; share a folder inside your home', given);
  const system = SHARE_DENIED_FOLDERS.find((f) => isInside(real, f));
  if (system) throw refuse(name, `${shown} is a system folder (under ${system}); Hangar does not share those with a guest`, given);
  const hidden = real.split(sep).find((part) => part.startsWith('.'));
  if (hidden) throw refuse(name, `${shown} is in a hidden folder (${hidden}), where programs keep their settings and keys; Hangar does not share those`, given);
  for (const [own, what] of [[ctx.libraryDir, 'the Hangar library'], [ctx.bundleDir, "the machine's own folder"]] as const) {
    const ownReal = await realpath(own).catch(() => resolve(own));
    if (isInside(real, ownReal) || isInside(ownReal, real)) {
      throw refuse(name, `${shown} ${isInside(real, ownReal) ? 'is inside' : 'holds'} ${what} (${ownReal}); a guest could rewrite its machines' settings`, given);
    }
  }
  return real;
}

/** The shares with their real paths (what `vm.update` stores); only the ones whose path is new are checked. */
export async function resolveShares(shares: readonly VmShare[], current: readonly VmShare[], ctx: ShareCheckContext): Promise<VmShare[]> {
  const known = new Set(current.map((s) => s.path));
  const out: VmShare[] = [];
  for (const s of shares) out.push(known.has(s.path) ? s : { ...s, path: await checkShareFolder(s.name, s.path, ctx) });
  return out;
}

/**
 * The start's check of every share: the folder still exists, passes the same rules, and is still the real path
 * stored (a folder replaced by a symlink since it was added is refused, not followed).
 */
export async function preflightShares(vmName: string, shares: readonly VmShare[], ctx: ShareCheckContext): Promise<void> {
  for (const s of shares) {
    let real: string;
    try {
      real = await checkShareFolder(s.name, s.path, ctx);
    } catch (err) {
      const msg = err instanceof EngineError ? err.message : String(err);
      throw new EngineError('start-refused', `"${vmName}" cannot start: ${msg}`, { field: 'shares', path: s.path });
    }
    if (real !== s.path) {
      throw new EngineError('start-refused', `"${vmName}" cannot start: shared folder "${s.name}": ${s.path} is now a link to ${real}; share ${real} itself if that is meant`, { field: 'shares', path: s.path });
    }
  }
}
