import { mediaDirFor } from '../engine/downloads/download-settings.js';
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { homedir, hostname, networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveLibraryDir } from '../engine/storage/library-paths.js';
import { isPidAlive, readLibraryLock } from '../engine/storage/library-lock.js';
import { askBackgroundEngineToYield, waitForLockRelease } from '../engine/storage/engine-handover.js';
import { fileRoots } from '../engine/file-browser.js';
import { startHostServer } from './host-server.js';
import { vmOfEngine } from './engine-query.js';

export interface ServeOptions {
  library?: string;
  port?: number;
  /** Extra folders the in-app file browser may show (besides home and the library). */
  allowDirs?: string[];
  /**
   * Let browsers set extra QEMU arguments (`--allow-extra-args`). They can make QEMU run any program, so without
   * this they are read-only through the browser host, whichever engine it uses.
   */
  allowExtraArgs?: boolean;
  /** Listen on every interface; needs tlsCert and tlsKey. */
  allowRemote?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  /**
   * Keep the access token in this file (created 0600 with a new token when absent), so a restarted host
   * (`--port N --token-file F`) takes the same URL and open pages reconnect without a new link.
   */
  tokenFile?: string;
  io: { out: (s: string) => void; err: (s: string) => void };
  /** Built files: out/main (engine.js) and out/renderer. Defaults to the folders next to this bundle. */
  outDir?: string;
  /** Resolves to stop serving (tests); by default SIGINT/SIGTERM. */
  until?: Promise<void>;
}

/** Thrown for options that cannot work together; the CLI turns it into exit code 2. */
export class ServeUsageError extends Error {}

interface EngineHandle {
  socket: string;
  /** True when serve started this engine (with the browser roots); false when it joined a running one. */
  ours: boolean;
  /**
   * Stops an engine serve started and resolves once it has exited (and so released the library), so a serve
   * started right after this one forks its own engine instead of attaching to one on its way out.
   */
  stop: () => Promise<void>;
}

/** How long serve waits for the engine it started to exit after SIGTERM. */
const ENGINE_STOP_MS = 10_000;

/** Finds the engine owning the library, or forks one with the browser roots; returns its control socket. */
async function engineFor(libraryDir: string, outDir: string, allowDirs: string[]): Promise<EngineHandle> {
  const lock = await readLibraryLock(libraryDir).catch(() => null);
  // A CLI's background engine exits when idle: serve starts its own instead, once that one has handed over.
  if (lock && isPidAlive(lock.pid) && askBackgroundEngineToYield(lock)) {
    if (!(await waitForLockRelease(libraryDir, 20_000))) {
      // Still busy (a `hangar console` follows): use it, holding one connection so it cannot leave while serve runs.
      const hold = connect(lock.controlSocket).on('error', () => undefined);
      return { socket: lock.controlSocket, ours: false, stop: async () => void hold.destroy() };
    }
  } else if (lock && isPidAlive(lock.pid)) return { socket: lock.controlSocket, ours: false, stop: async () => undefined };
  const args = ['--library', libraryDir, '--browser-roots', ...allowDirs.flatMap((d) => ['--allow-dir', d])];
  const child = fork(join(outDir, 'main', 'engine.js'), args, { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const socket = await new Promise<string>((resolvePromise, reject) => {
    child.once('message', (m) => resolvePromise((m as { controlSocket: string }).controlSocket));
    child.once('exit', (code) => reject(new Error(`the engine exited with code ${code} before it was ready`)));
    child.once('error', reject);
  });
  const exited = new Promise<void>((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) resolvePromise();
    else child.once('exit', () => resolvePromise());
  });
  return {
    socket,
    ours: true,
    stop: async () => {
      child.kill('SIGTERM');
      // A stuck engine must not keep serve from exiting: after ENGINE_STOP_MS it is killed (running VMs are
      // detached from it either way, and the next engine reattaches them; its lock is then stale).
      const timer = setTimeout(() => child.kill('SIGKILL'), ENGINE_STOP_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The token kept in `file`: read when it exists (it must be private to the user), else made and written 0600. */
async function tokenFromFile(file: string): Promise<string> {
  const made = randomBytes(24).toString('hex');
  try {
    await writeFile(file, `${made}\n`, { flag: 'wx', mode: 0o600 });
    return made;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ServeUsageError(`--token-file ${file}: ${(err as Error).message}`);
  }
  const s = await stat(file);
  if ((s.mode & 0o077) !== 0) throw new ServeUsageError(`--token-file ${file}: other users can read it (chmod 600 it, or remove it for a new token)`);
  const token = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{32,128}$/.test(token)) throw new ServeUsageError(`--token-file ${file}: not a token (32 to 128 hex digits); remove it for a new one`);
  return token;
}

/** The build folder (holding main/engine.js): this code may sit in out/main or in a chunk below it. */
function findOutDir(from: string): string {
  for (let dir = from, i = 0; i < 4; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'main', 'engine.js'))) return dir;
  }
  return join(from, '..');
}

/** Names a remote browser may use for this machine (the Host header check accepts only these). */
function remoteHostNames(): string[] {
  const names = new Set<string>([hostname(), `${hostname()}.local`]);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) names.add(a.address.split('%')[0]!);
  }
  return [...names];
}

async function checkedDirs(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    const abs = resolve(d);
    const s = await stat(abs).catch(() => null);
    if (!s?.isDirectory()) throw new ServeUsageError(`--allow-dir ${d}: not a folder`);
    out.push(await realpath(abs));
  }
  return out;
}

/**
 * The browser host: the renderer over http on a loopback port, the engine contract and the VM displays
 * over WebSockets. Every request needs the random token (in the URL once, then an HttpOnly cookie) and a
 * Host header naming this host; WebSockets also check their Origin, so other pages cannot drive the engine.
 */
export async function runServe(opts: ServeOptions): Promise<number> {
  const outDir = opts.outDir ?? findOutDir(dirname(fileURLToPath(import.meta.url)));
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (opts.allowRemote) {
    if (!opts.tlsCert || !opts.tlsKey) {
      throw new ServeUsageError(
        '--allow-remote needs --tls-cert FILE and --tls-key FILE: without TLS the access token and everything the VMs show would cross the network in clear text',
      );
    }
    try {
      tls = { cert: await readFile(opts.tlsCert), key: await readFile(opts.tlsKey) };
    } catch (err) {
      throw new ServeUsageError(`cannot read the TLS files: ${(err as Error).message}`);
    }
  } else if (opts.tlsCert || opts.tlsKey) {
    throw new ServeUsageError('--tls-cert and --tls-key are only used with --allow-remote');
  }
  const allowDirs = await checkedDirs(opts.allowDirs ?? []);
  const libraryDir = resolveLibraryDir({ argvLibrary: opts.library, env: process.env, platform: process.platform, homedir: homedir() });
  const engine = await engineFor(libraryDir, outDir, allowDirs);
  if (!engine.ours && allowDirs.length > 0) {
    opts.io.err('hangar serve: an engine is already running for this library, so --allow-dir does not widen its file browser (restart it to change that).\n');
  }
  const token = opts.tokenFile ? await tokenFromFile(opts.tokenFile) : randomBytes(24).toString('hex');
  let host;
  try {
    host = await startHostServer({
      token,
      port: opts.port ?? 0,
      bindHost: opts.allowRemote ? undefined : '127.0.0.1',
      remoteHostNames: opts.allowRemote ? remoteHostNames() : [],
      tls,
      rendererDir: join(outDir, 'renderer'),
      engineSocket: engine.socket,
      // Paths are checked here whichever engine serves (one we did not start does not restrict them itself).
      relayPolicy: {
        paths: { roots: () => fileRoots({ libraryDir, browserRoots: allowDirs }), libraryDir, vmOf: vmOfEngine(engine.socket), mediaDir: mediaDirFor(process.env) },
        allowExtraArgs: opts.allowExtraArgs === true,
      },
    });
  } catch (err) {
    await engine.stop();
    throw err;
  }
  const scheme = tls ? 'https' : 'http';
  opts.io.out(`Hangar browser host: ${scheme}://127.0.0.1:${host.port}/?token=${token}\n`);
  if (opts.allowRemote) opts.io.out(`Listening on all interfaces (TLS); from another machine use https://${hostname()}:${host.port}/?token=${token}\n`);
  if (opts.allowExtraArgs) opts.io.err('hangar serve: --allow-extra-args: whoever has this URL can set extra QEMU arguments, and so run any program as this user.\n');

  await (opts.until ??
    new Promise<void>((resolvePromise) => {
      process.once('SIGINT', () => resolvePromise());
      process.once('SIGTERM', () => resolvePromise());
    }));
  await host.close();
  await engine.stop();
  return 0;
}
