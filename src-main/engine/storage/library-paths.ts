import * as nodeFs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * sun_path is 108 bytes on Linux and 104 on macOS (including the NUL); staying under 100 leaves room
 * for QEMU's own suffixes and keeps one rule for every platform.
 */
export const MAX_SOCKET_PATH_BYTES = 100;

export interface LibraryLocationInput {
  /** The value of `--library DIR`, if given. */
  argvLibrary?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  homedir: string;
}

/** Picks the path module of the target platform, so a Windows answer is computed right on Linux too. */
function pathFor(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** The platform's per-user data folder for Hangar's library. */
export function defaultLibraryDir({ env, platform, homedir }: Omit<LibraryLocationInput, 'argvLibrary'>): string {
  const p = pathFor(platform);
  if (platform === 'win32') {
    const appData = env['APPDATA'] || p.join(homedir, 'AppData', 'Roaming');
    return p.join(appData, 'Hangar', 'library');
  }
  if (platform === 'darwin') return p.join(homedir, 'Library', 'Application Support', 'Hangar', 'library');
  // The XDG spec says relative values are invalid and must be ignored.
  const xdg = env['XDG_DATA_HOME'];
  const dataHome = xdg && p.isAbsolute(xdg) ? xdg : p.join(homedir, '.local', 'share');
  return p.join(dataHome, 'hangar', 'library');
}

/** `--library` beats `HANGAR_LIBRARY` beats the platform default; the result is absolute. */
export function resolveLibraryDir(input: LibraryLocationInput): string {
  const p = pathFor(input.platform);
  const chosen = input.argvLibrary || input.env['HANGAR_LIBRARY'];
  if (!chosen) return defaultLibraryDir(input);
  const expanded = chosen === '~' || chosen.startsWith('~/') ? p.join(input.homedir, chosen.slice(1)) : chosen;
  return p.resolve(expanded);
}

export interface RuntimeDirInput {
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
}

/** `$XDG_RUNTIME_DIR/hangar`, else `/tmp/hangar-<uid>` (short on purpose: socket paths are limited). */
export function runtimeDirPath({ env, uid }: RuntimeDirInput): string {
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg && path.posix.isAbsolute(xdg)) return path.posix.join(xdg, 'hangar');
  return `/tmp/hangar-${uid}`;
}

export class UnsafeRuntimeDirError extends Error {
  constructor(readonly dir: string, reason: string) {
    super(`refusing to use runtime folder ${dir}: ${reason}`);
    this.name = 'UnsafeRuntimeDirError';
  }
}

export interface EnsurePrivateDirOptions {
  /** The uid that must own the folder (default: this process's). */
  uid?: number;
  fs?: Pick<typeof nodeFs, 'mkdir' | 'lstat' | 'chmod'>;
}

/**
 * Creates `dir` with mode 0700, or checks an existing one: it must be a real directory (not a symlink)
 * owned by us. Someone else's folder is refused, since in /tmp anyone could have made it first and
 * would then see or hijack our sockets; loose permission bits on our own folder are tightened.
 */
export async function ensurePrivateDir(dir: string, options: EnsurePrivateDirOptions = {}): Promise<string> {
  const fs = options.fs ?? nodeFs;
  const uid = options.uid ?? process.getuid?.() ?? 0;
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await fs.lstat(dir);
  if (st.isSymbolicLink()) throw new UnsafeRuntimeDirError(dir, 'it is a symbolic link');
  if (!st.isDirectory()) throw new UnsafeRuntimeDirError(dir, 'it is not a directory');
  if (st.uid !== uid) throw new UnsafeRuntimeDirError(dir, `it is owned by uid ${st.uid}, not ${uid}`);
  // mkdir's mode is filtered by umask and an old folder may be loose: always end at exactly 0700.
  if ((st.mode & 0o777) !== 0o700) await fs.chmod(dir, 0o700);
  return dir;
}

/** Runtime folder of one VM: short (12 hex of the id) because its sockets live inside. */
export function vmRuntimeDirPath(runtimeDir: string, vmId: string): string {
  const short = vmId.toLowerCase().replace(/-/g, '').slice(0, 12);
  if (!/^[0-9a-f]{12}$/.test(short)) throw new Error(`not a VM id: ${JSON.stringify(vmId)}`);
  return path.posix.join(runtimeDir, short);
}

export interface VmRuntimePaths {
  dir: string;
  qmpSocket: string;
  vncSocket: string;
  pidFile: string;
}

/** The per-VM runtime paths; throws if a socket path would be too long for the OS. */
export function vmRuntimePaths(runtimeDir: string, vmId: string): VmRuntimePaths {
  const dir = vmRuntimeDirPath(runtimeDir, vmId);
  return {
    dir,
    qmpSocket: assertSocketPath(path.posix.join(dir, 'qmp.sock')),
    vncSocket: assertSocketPath(path.posix.join(dir, 'vnc.sock')),
    pidFile: path.posix.join(dir, 'qemu.pid'),
  };
}

export async function ensureVmRuntimeDir(runtimeDir: string, vmId: string, options: EnsurePrivateDirOptions = {}): Promise<VmRuntimePaths> {
  const paths = vmRuntimePaths(runtimeDir, vmId);
  await ensurePrivateDir(paths.dir, options);
  return paths;
}

/**
 * The control socket of the engine that owns a library. Keyed by the library's real path, so two
 * spellings of one folder (symlinks, `..`) find the same engine.
 */
export function engineSocketPath(runtimeDir: string, libraryRealPath: string): string {
  const key = createHash('sha256').update(libraryRealPath).digest('hex').slice(0, 12);
  return assertSocketPath(path.posix.join(runtimeDir, `engine-${key}.sock`));
}

export class SocketPathTooLongError extends Error {
  constructor(readonly socketPath: string) {
    super(
      `socket path is ${Buffer.byteLength(socketPath)} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit for unix sockets: ${socketPath} ` +
        '(set XDG_RUNTIME_DIR to a shorter folder)',
    );
    this.name = 'SocketPathTooLongError';
  }
}

export function assertSocketPath(socketPath: string): string {
  if (Buffer.byteLength(socketPath) >= MAX_SOCKET_PATH_BYTES) throw new SocketPathTooLongError(socketPath);
  return socketPath;
}

/** Resolves and prepares the per-user runtime folder (0700, ours). */
export async function ensureRuntimeDir(input: RuntimeDirInput, options: Omit<EnsurePrivateDirOptions, 'uid'> = {}): Promise<string> {
  return ensurePrivateDir(runtimeDirPath(input), { ...options, uid: input.uid });
}
