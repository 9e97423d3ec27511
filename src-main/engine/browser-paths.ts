import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { EngineError, type CommandName, type FsRoot } from '../../src-shared/contract/index.js';
import type { VmDocument } from '../../src-shared/vm-document/index.js';
import { documentHostPaths } from '../../src-shared/vm-document/host-paths.js';

/**
 * What a host path in a command's arguments is for; that decides its checks when a browser host sends it.
 * Every role: inside one of the roots after resolving symlinks.
 */
export type PathRole =
  /** A disk image a VM writes: as `medium`, and not an executable (a guest rewriting ~/bin/tool would change what runs). */
  | 'disk'
  /** A CD image (or a disk), read by a VM: also not hidden, and not one of Hangar's own files. */
  | 'medium'
  /** A file the engine only reads (an ISO's label, an archive to import): also not hidden. */
  | 'read'
  /** A machine folder (or its vm.json) to add to the library: also not hidden. */
  | 'bundle'
  /** What the command creates (an archive, a machine's folder): judged by its nearest existing parent; also not hidden, not inside Hangar's own files. */
  | 'target'
  /** A folder the file browser lists: hidden folders may be browsed, nothing outside the roots. */
  | 'browse'
  /** A folder shared with a guest (vm.update's shares[].path): also not hidden, not one of Hangar's own folders. */
  | 'share';

export interface PathField {
  field: string;
  role: PathRole;
}

/** A command's host paths: argument fields, or `patch` (vm.update: the patch's disks[].path, cdroms[].path and shares[].path, relative to the bundle). */
export type PathSpec = readonly PathField[] | 'patch';

const NONE: readonly PathField[] = [];
const CREATE: readonly PathField[] = [
  { field: 'iso', role: 'medium' },
  { field: 'existingDisk', role: 'disk' },
  { field: 'folder', role: 'target' },
  // Read by the VM through its overlay, never written.
  { field: 'cloudImage', role: 'medium' },
];

/**
 * Every engine command, classified: the argument fields that name host paths, or none. The browser host checks
 * exactly these (the engine when it was started for serve, serve's relay when it joined another engine), so a new
 * command must be listed here to compile (test/unit/serve/browser-paths.test.ts also checks the fields' names).
 */
export const PATH_FIELDS: { readonly [K in CommandName]: PathSpec } = {
  'engine.hello': NONE,
  'host.info': NONE,
  'library.list': NONE,
  'vm.create': CREATE,
  'vm.previewArgv': CREATE,
  'vm.get': NONE,
  'vm.update': 'patch',
  'vm.rename': NONE,
  'vm.delete': NONE,
  'vm.clone': NONE,
  'vm.tags.set': NONE,
  'vm.addExisting': [{ field: 'path', role: 'bundle' }],
  'vm.argv': NONE,
  'vm.start': NONE,
  'vm.pause': NONE,
  'vm.resume': NONE,
  'vm.reset': NONE,
  'vm.shutdown': NONE,
  'vm.forceOff': NONE,
  'vm.saveState': NONE,
  'vm.discardState': NONE,
  'vm.screenshot': NONE,
  'vm.sendKey': NONE,
  'vm.typeText': NONE,
  'vm.console.attach': NONE,
  'vm.console.detach': NONE,
  'vm.console.write': NONE,
  'vm.logs': NONE,
  'fs.roots': NONE,
  'fs.list': [{ field: 'dir', role: 'browse' }],
  'vm.displaySocket': NONE,
  'vm.thumbnails.subscribe': NONE,
  'vm.thumbnails.unsubscribe': NONE,
  'vm.thumbnail': NONE,
  'iso.inspect': [{ field: 'path', role: 'read' }],
  'media.insert': [{ field: 'path', role: 'medium' }],
  'media.eject': NONE,
  'media.recent': NONE,
  'media.poolIsos': NONE,
  // A file of this computer sent to a libvirt host: checked like an ISO put in a drive (also when run on a connection).
  'pool.upload': [{ field: 'path', role: 'medium' }],
  'install.finish': NONE,
  'snapshot.list': NONE,
  'snapshot.take': NONE,
  'snapshot.restore': NONE,
  'snapshot.delete': NONE,
  'snapshot.rename': NONE,
  'snapshot.thumbnail': NONE,
  'disk.add': [{ field: 'path', role: 'disk' }],
  'disk.remove': NONE,
  'disk.resize': NONE,
  'disk.convert': NONE,
  'disk.compact': NONE,
  'disk.info': NONE,
  'job.cancel': NONE,
  'vm.export': [{ field: 'path', role: 'target' }],
  'vm.import': [{ field: 'path', role: 'read' }],
  'vm.stats.subscribe': NONE,
  'vm.stats.unsubscribe': NONE,
  'forward.list': NONE,
  'forward.add': NONE,
  'forward.remove': NONE,
  // URIs carry no path: connectionUriSchema refuses keyfile, command, netcat and socket parameters.
  'connection.list': NONE,
  'connection.add': NONE,
  'connection.remove': NONE,
  'connection.rename': NONE,
  'connection.test': NONE,
  'usb.host.list': NONE,
  'usb.list': NONE,
  // A stick is written by the guest (unless read-only): checked as a disk.
  'usb.attach': [{ field: 'image', role: 'disk' }],
  'usb.detach': NONE,
  'usb.rule.add': NONE,
  'usb.rule.remove': NONE,
  // The name is the guest's (sanitised there); the bytes come in the message, no host path is read.
  'file.drop.begin': NONE,
  'file.drop.chunk': NONE,
  'file.drop.end': NONE,
  'file.drop.cancel': NONE,
  'download.catalog': NONE,
  // Catalog downloads land in the Installation media folder; `to` is a folder the browser chose, judged like an export's target.
  'download.start': [{ field: 'to', role: 'target' }],
  'download.pause': NONE,
  'download.resume': NONE,
  'download.updateCatalog': NONE,
  'download.folder': NONE,
  'download.clean': NONE,
};

/**
 * Commands whose path fields name files of this computer even when they run on a libvirt connection (the others'
 * paths are on the connection's host). The engine checks these on a connection too.
 */
export const LOCAL_PATHS_ON_CONNECTION: ReadonlySet<CommandName> = new Set(['pool.upload']);

/** Files of the library folder itself that are Hangar's (the index and the recent-ISO list; the lock is hidden). */
const LIBRARY_FILES = new Set(['library.json', 'recent-isos.json']);

export interface PathCheckContext {
  roots: FsRoot[];
  /** The library folder: its index files are Hangar's own. */
  libraryDir: string;
  /** A VM's folder and document (vm.update: relative paths lie in the bundle; paths it already has are not judged again). */
  vmOf?: (ref: string) => Promise<{ bundleDir: string; doc: VmDocument }>;
  /**
   * The Installation media folder (in Hangar's hidden data folder): a finished download in it may be read as a CD or
   * an ISO to inspect (the wizard's Download… hands it over), never written, browsed or shared.
   */
  mediaDir?: string;
}

/** realpath of `p`, or of its nearest existing ancestor joined with the rest (for what a command is about to create). */
export async function realpathLenient(p: string): Promise<string> {
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

/** True when `child` is `parent` or lies below it (both absolute and already resolved). */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** The first hidden name (`.bashrc`, `.ssh`) on the way from `root` down to `real`, or null. */
function hiddenPart(real: string, root: string): string | null {
  return relative(root, real).split(sep).find((part) => part.startsWith('.')) ?? null;
}

export function outsideRoots(path: string, roots: FsRoot[]): EngineError {
  const where = roots.map((r) => r.path).join(', ') || 'none';
  return new EngineError(
    'invalid-args',
    `${path} is outside the folders the browser host may use (${where}); to allow it, restart \`hangar serve\` with --allow-dir ${dirname(path)}`,
    { path, roots: roots.map((r) => r.path), hint: '--allow-dir' },
  );
}

const isFile = (p: string): Promise<boolean> => stat(p).then((s) => s.isFile(), () => false);

/** Refuses `real` when it is one of Hangar's own files: inside a machine folder (one with vm.json) but not in its disks/, or the library's index. */
export async function refuseOwnFile(path: string, real: string, libraryDir: string): Promise<void> {
  const library = await realpathLenient(resolve(libraryDir));
  if (dirname(real) === library && LIBRARY_FILES.has(basename(real))) {
    throw new EngineError('invalid-args', `${path} is the library's own ${basename(real)}; the browser host does not hand Hangar's files to a machine`, { path });
  }
  for (let dir = real; ; dir = dirname(dir)) {
    if (await isFile(join(dir, 'vm.json'))) {
      if (isInside(real, join(dir, 'disks')) && real !== join(dir, 'disks')) return;
      throw new EngineError(
        'invalid-args',
        `${path} lies in the machine folder ${dir} outside its disks/ folder (its settings, firmware and logs); the browser host does not hand a machine's own files to a VM`,
        { path },
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * Checks one host path a browser sent: absolute, and after resolving symlinks inside a root; except for `browse`,
 * reached without a hidden name (a browser could otherwise make ~/.bashrc a raw disk and have a guest rewrite it);
 * for `medium` and `target`, not one of Hangar's own files (a guest rewriting vm.json would give itself extra QEMU
 * arguments). Returns the resolved path. Nothing is said about a file outside the roots.
 */
export async function checkBrowserPath(path: string, role: PathRole, ctx: PathCheckContext): Promise<string> {
  if (!isAbsolute(path)) throw new EngineError('invalid-args', `give an absolute path (got "${path}")`, { path });
  if (path.includes('\0')) throw new EngineError('invalid-args', 'the path contains a NUL character');
  const real = await realpathLenient(resolve(path));
  if ((role === 'medium' || role === 'read') && ctx.mediaDir !== undefined && (await isFinishedDownload(real, ctx.mediaDir))) return real;
  const holders = ctx.roots.filter((r) => isInside(real, r.path));
  if (holders.length === 0) throw outsideRoots(path, ctx.roots);
  if (role !== 'browse' && holders.every((r) => hiddenPart(real, r.path) !== null)) {
    const hidden = hiddenPart(real, holders[0]!.path)!;
    throw new EngineError(
      'invalid-args',
      `${path} is in a hidden file or folder (${hidden}), where programs keep their settings; the browser host does not use those (to allow a folder, restart \`hangar serve\` with --allow-dir)`,
      { path, hint: '--allow-dir' },
    );
  }
  if (role === 'disk' || role === 'medium' || role === 'target' || role === 'share') await refuseOwnFile(path, real, ctx.libraryDir);
  if (role === 'disk' && (await stat(real).then((s) => s.isFile() && (s.mode & 0o111) !== 0, () => false))) {
    throw new EngineError('invalid-args', `${path} is an executable file (a program or script); the browser host does not hand one to a VM as a writable disk`, { path });
  }
  return real;
}

/** A file directly in the Installation media folder, not a partial download or its sidecar. */
async function isFinishedDownload(real: string, mediaDir: string): Promise<boolean> {
  const media = await realpath(mediaDir).catch(() => null);
  if (media === null || dirname(real) !== media || /\.part(\.json)?$/.test(real) || basename(real).startsWith('.')) return false;
  return isFile(real);
}

/** A patch's disks[].path and usb.images[].path (as `disk`), cdroms[].path (as `medium`) and shares[].path (as `share`). */
function patchPaths(patch: unknown): Array<{ path: string; role: PathRole }> {
  const out: Array<{ path: string; role: PathRole }> = [];
  if (typeof patch !== 'object' || patch === null) return out;
  for (const [key, role] of [['disks', 'disk'], ['cdroms', 'medium'], ['shares', 'share']] as const) {
    const list = (patch as Record<string, unknown>)[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const p = (item as { path?: unknown } | null)?.path;
      if (typeof p === 'string') out.push({ path: p, role });
      // A cloud image a disk's overlay may read: a medium like a CD.
      const base = (item as { baseImage?: unknown } | null)?.baseImage;
      if (key === 'disks' && typeof base === 'string') out.push({ path: base, role: 'medium' });
    }
  }
  // A stick is written by the guest like a disk.
  const images = ((patch as Record<string, unknown>)['usb'] as { images?: unknown } | null | undefined)?.images;
  if (Array.isArray(images)) {
    for (const item of images) {
      const p = (item as { path?: unknown } | null)?.path;
      if (typeof p === 'string') out.push({ path: p, role: 'disk' });
    }
  }
  return out;
}

/** vm.update: each path the patch adds (relative ones in the bundle) is a medium; the VM's current ones stand. */
async function checkPatch(args: Record<string, unknown>, ctx: PathCheckContext): Promise<void> {
  const paths = patchPaths(args['patch']);
  if (paths.length === 0) return;
  if (!ctx.vmOf) {
    // No way to see the bundle: a relative path must stay in its disks/ folder by its words alone.
    for (const { path: p, role } of paths) {
      if (isAbsolute(p)) await checkBrowserPath(p, role, ctx);
      else if (p.split(/[\\/]/).includes('..') || !/^disks[\\/]/.test(p)) throw new EngineError('invalid-args', `give an absolute path (got "${p}")`, { path: p });
    }
    return;
  }
  const vm = await ctx.vmOf(String(args['vm']));
  const current = new Set(documentHostPaths(vm.doc).map((p) => resolve(vm.bundleDir, p)));
  for (const { path: p, role } of paths) {
    const abs = resolve(vm.bundleDir, p);
    if (!current.has(abs)) await checkBrowserPath(abs, role, ctx);
  }
}

/** Checks every host path in a command's arguments (see PATH_FIELDS); commands with none, and unknown ones, pass. */
export async function checkCommandPaths(command: string, args: unknown, ctx: PathCheckContext): Promise<void> {
  if (!Object.hasOwn(PATH_FIELDS, command) || typeof args !== 'object' || args === null) return;
  const spec = PATH_FIELDS[command as CommandName];
  const a = args as Record<string, unknown>;
  if (spec === 'patch') return checkPatch(a, ctx);
  for (const { field, role } of spec) {
    const value = a[field];
    if (typeof value === 'string') await checkBrowserPath(value, role, ctx);
  }
}
