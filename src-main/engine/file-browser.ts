import { readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { EngineError, type FsEntry, type FsRoot } from '../../src-shared/contract/index.js';
import type { Engine } from './engine.js';
import type { Handlers } from './rpc/engine-server.js';
import { vmRuntimePaths } from './storage/library-paths.js';

/** The commands this file adds to the engine (the rest come from vm-commands.ts). */
export type FileBrowserCommands = 'fs.roots' | 'fs.list' | 'vm.displaySocket';

export interface RootSource {
  libraryDir: string;
  /** `--allow-dir` folders of `hangar serve`; null when the engine was not started for a browser host. */
  browserRoots: readonly string[] | null;
  /** Defaults to the user's home folder. */
  home?: string;
}

/** True when `child` is `parent` or lies below it (both absolute and already resolved). */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

const ALLOWED = 'Allowed folder';

/** The roots the file browser may show, symlinks resolved; folders that do not exist are left out. */
export async function fileRoots(src: RootSource): Promise<FsRoot[]> {
  const candidates: FsRoot[] = [
    { path: src.home ?? homedir(), label: 'Home' },
    { path: src.libraryDir, label: 'Library' },
    ...(src.browserRoots ?? []).map((p) => ({ path: p, label: ALLOWED })),
  ];
  const roots: FsRoot[] = [];
  for (const c of candidates) {
    try {
      const real = await realpath(resolve(c.path));
      // An --allow-dir folder is named by its path (several of them would all read "Allowed folder").
      if ((await stat(real)).isDirectory() && !roots.some((r) => r.path === real)) roots.push({ path: real, label: c.label === ALLOWED ? real : c.label });
    } catch {
      // a missing --allow-dir or home folder is simply not offered
    }
  }
  return roots;
}

/** realpath of `p`, or of its nearest existing ancestor joined with the rest (for files not created yet). */
async function realpathLenient(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    const parent = dirname(p);
    if (parent === p) return p;
    return join(await realpathLenient(parent), basename(p));
  }
}

function outsideRoots(path: string, roots: FsRoot[]): EngineError {
  const where = roots.map((r) => r.path).join(', ') || 'none';
  return new EngineError(
    'invalid-args',
    `${path} is outside the folders the browser host may use (${where}); to allow it, restart \`hangar serve\` with --allow-dir ${dirname(path)}`,
    { path, roots: roots.map((r) => r.path), hint: '--allow-dir' },
  );
}

/**
 * Resolves `path` (absolute; symlinks followed, so a link cannot lead out) and refuses it unless it lies
 * inside one of the roots. The error names `--allow-dir`.
 */
export async function resolveInsideRoots(path: string, roots: FsRoot[]): Promise<string> {
  if (!isAbsolute(path)) throw new EngineError('invalid-args', `give an absolute path (got "${path}")`);
  if (path.includes('\0')) throw new EngineError('invalid-args', 'the path contains a NUL character');
  const real = await realpathLenient(resolve(path));
  if (!roots.some((r) => isInside(real, r.path))) throw outsideRoots(path, roots);
  return real;
}

/** One folder's entries (folders first, then by name). */
export async function listDir(dir: string, roots: FsRoot[]): Promise<{ dir: string; parent: string | null; entries: FsEntry[] }> {
  const real = await resolveInsideRoots(dir, roots);
  let names;
  try {
    names = await readdir(real, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngineError('not-found', `no such folder: ${dir}`);
    if (code === 'ENOTDIR') throw new EngineError('invalid-args', `not a folder: ${dir}`);
    if (code === 'EACCES' || code === 'EPERM') throw new EngineError('io', `cannot read ${dir}: permission denied`);
    throw new EngineError('io', `cannot read ${dir}: ${(err as Error).message}`);
  }
  const entries: FsEntry[] = await Promise.all(
    names.map(async (d): Promise<FsEntry> => {
      if (d.isDirectory()) return { name: d.name, kind: 'dir', size: 0 };
      try {
        // stat follows symlinks: a link shows as what it points to (listing it does not let anyone leave the roots;
        // opening it is checked again by fs.list).
        const s = await stat(join(real, d.name));
        if (s.isDirectory()) return { name: d.name, kind: 'dir', size: 0 };
        if (s.isFile()) return { name: d.name, kind: 'file', size: s.size };
      } catch {
        // dangling link or no permission
      }
      return { name: d.name, kind: 'other', size: 0 };
    }),
  );
  entries.sort((a, b) => (a.kind === 'dir') !== (b.kind === 'dir') ? (a.kind === 'dir' ? -1 : 1) : a.name.localeCompare(b.name));
  const parent = roots.some((r) => r.path === real) ? null : dirname(real);
  return { dir: real, parent, entries };
}

type BaseHandlers = Omit<Handlers, FileBrowserCommands>;

/** Paths a vm.update patch may point at: disks[].path and cdroms[].path (relative ones are inside the bundle). */
function patchPaths(patch: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ['disks', 'cdroms']) {
    const list = patch[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const p = (item as { path?: unknown } | null)?.path;
      if (typeof p === 'string') out.push(p);
    }
  }
  return out;
}

/**
 * Adds the file-browser and display-socket commands to the engine's handlers. When the engine was
 * started for a browser host (`browserRoots` set), paths typed into vm.create (and vm.previewArgv), vm.addExisting, vm.export, vm.import,
 * vm.update and iso.inspect must also lie inside the roots (media.insert checks its own); the Electron app and the CLI's own engines are unrestricted.
 */
export function withFileBrowser(engine: Engine, base: BaseHandlers): Handlers {
  const roots = () => fileRoots({ libraryDir: engine.libraryDir, browserRoots: engine.browserRoots });
  // Read on each call: the handlers are made before Engine.open sets browserRoots.
  const restricted = () => engine.browserRoots !== null;
  const check = async (paths: Array<string | undefined>, relativeTo?: string): Promise<void> => {
    if (!restricted()) return;
    const r = await roots();
    for (const p of paths) {
      if (p === undefined) continue;
      await resolveInsideRoots(relativeTo && !isAbsolute(p) ? resolve(relativeTo, p) : resolve(p), r);
    }
  };
  return {
    ...base,
    'vm.create': async (a, client) => {
      await check([a.iso, a.existingDisk, a.folder]);
      return base['vm.create'](a, client);
    },
    'vm.previewArgv': async (a, client) => {
      await check([a.iso, a.existingDisk, a.folder]);
      return base['vm.previewArgv'](a, client);
    },
    'vm.addExisting': async (a, client) => {
      await check([a.path]);
      return base['vm.addExisting'](a, client);
    },
    'vm.update': async (a, client) => {
      if (restricted()) {
        const vm = await engine.store.load(a.vm);
        await check(patchPaths(a.patch), vm.bundleDir);
      }
      return base['vm.update'](a, client);
    },
    'vm.export': async (a, client) => {
      await check([a.path]);
      return base['vm.export'](a, client);
    },
    'vm.import': async (a, client) => {
      await check([a.path]);
      return base['vm.import'](a, client);
    },
    'iso.inspect': async (a, client) => {
      // Reading a volume label is still reading a file: the browser may only look inside the roots.
      await check([a.path]);
      return base['iso.inspect'](a, client);
    },
    'fs.roots': async () => ({ roots: await roots() }),
    'fs.list': async (a) => listDir(a.dir, await roots()),
    'vm.displaySocket': async (a) => {
      const vm = await engine.store.load(a.vm);
      if (!engine.sessions.has(vm.id)) throw new EngineError('invalid-state', `"${vm.name}" is not running (${engine.stateOf(vm.id).kind})`);
      return { path: vmRuntimePaths(engine.runtimeDir, vm.id).vncSocket };
    },
  };
}
