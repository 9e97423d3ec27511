import { readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { EngineError, type CommandName, type FsEntry, type FsRoot } from '../../src-shared/contract/index.js';
import type { EngineContext } from './engine-context.js';
import type { ClientContext, Handlers } from './rpc/engine-server.js';
import { LOCAL_PATHS_ON_CONNECTION, PATH_FIELDS, checkCommandPaths, isInside, outsideRoots, realpathLenient } from './browser-paths.js';
import { vmRuntimePaths } from './storage/library-paths.js';

export { isInside };

/** The commands this file adds to the engine (the rest come from commands/). */
export type FileBrowserCommands = 'fs.roots' | 'fs.list' | 'vm.displaySocket';

export interface RootSource {
  libraryDir: string;
  /** `--allow-dir` folders of `hangar serve`; null when the engine was not started for a browser host. */
  browserRoots: readonly string[] | null;
  /** Defaults to the user's home folder. */
  home?: string;
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
        const full = join(real, d.name);
        // A link shows as what it points to while that lies inside the roots; one leading out says nothing of its
        // target (not even whether it exists), like a dangling link. Opening any of them is checked again by fs.list.
        if (d.isSymbolicLink()) {
          const target = await realpath(full);
          if (!roots.some((r) => isInside(target, r.path))) return { name: d.name, kind: 'other', size: 0 };
        }
        const s = await stat(full);
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

/**
 * For requests run on a libvirt connection: when the engine was started for a browser host, the paths of this
 * computer such a command carries (LOCAL_PATHS_ON_CONNECTION: an ISO to upload) are checked as withFileBrowser does.
 */
export function localPathGuard(engine: Pick<EngineContext, 'libraryDir' | 'browserRoots'>, options: { mediaDir?: string } = {}): (command: CommandName, args: unknown) => Promise<void> {
  return async (command, args) => {
    if (engine.browserRoots === null || !LOCAL_PATHS_ON_CONNECTION.has(command)) return;
    const roots = await fileRoots({ libraryDir: engine.libraryDir, browserRoots: engine.browserRoots });
    await checkCommandPaths(command, args, { roots, libraryDir: engine.libraryDir, ...(options.mediaDir ? { mediaDir: options.mediaDir } : {}) });
  };
}

type BaseHandlers = Omit<Handlers, FileBrowserCommands>;
type AnyHandler = (args: unknown, client: ClientContext) => Promise<unknown>;

/**
 * Adds the file-browser and display-socket commands to the engine's handlers. When the engine was started for
 * a browser host (`browserRoots` set), every host path a command carries (PATH_FIELDS in browser-paths.ts) is
 * checked first, before the command looks at the file; the Electron app and the CLI's own engines are unrestricted.
 */
export function withFileBrowser(engine: Pick<EngineContext, 'libraryDir' | 'browserRoots' | 'store' | 'sessions' | 'stateOf' | 'runtimeDir'>, base: BaseHandlers, options: { mediaDir?: string } = {}): Handlers {
  const roots = () => fileRoots({ libraryDir: engine.libraryDir, browserRoots: engine.browserRoots });
  const checked: Record<string, AnyHandler> = {};
  for (const [command, spec] of Object.entries(PATH_FIELDS)) {
    const handler = (base as Record<string, AnyHandler | undefined>)[command];
    if (!handler || (Array.isArray(spec) && spec.length === 0)) continue;
    checked[command] = async (args, client) => {
      // Read on each call: the handlers are made before Engine.open sets browserRoots.
      if (engine.browserRoots !== null) {
        await checkCommandPaths(command, args, { roots: await roots(), libraryDir: engine.libraryDir, vmOf: (ref) => engine.store.load(ref), ...(options.mediaDir ? { mediaDir: options.mediaDir } : {}) });
      }
      return handler(args, client);
    };
  }
  return {
    ...base,
    ...(checked as Partial<BaseHandlers>),
    'fs.roots': async () => ({ roots: await roots() }),
    'fs.list': async (a) => listDir(a.dir, await roots()),
    'vm.displaySocket': async (a) => {
      const vm = await engine.store.load(a.vm);
      if (!engine.sessions.has(vm.id)) throw new EngineError('invalid-state', `"${vm.name}" is not running (${engine.stateOf(vm.id).kind})`);
      return { path: vmRuntimePaths(engine.runtimeDir, vm.id).vncSocket, clipboard: vm.doc.clipboard };
    },
  };
}
