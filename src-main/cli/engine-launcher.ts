// How a CLI reaches the engine that owns a library: the running one's control socket, or a background
// engine it starts (detached, own process group, stdio to a log file in the runtime folder) and then
// connects to. The library lock decides every race: two CLIs starting engines at once end with one.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { EngineClient } from '../../src-shared/contract/client.js';
import { EngineError, ENGINE_ERROR_CODES, type EngineErrorCode } from '../../src-shared/contract/errors.js';
import { jsonLinesTransport } from '../engine/transport/json-lines.js';
import { ensureRuntimeDir } from '../engine/storage/library-paths.js';
import { BACKGROUND_ENGINE_VERB, liveOwner, watchDirs } from '../engine/storage/engine-handover.js';
import type { ReadyLine } from './background-engine.js';

export interface LaunchCommand {
  command: string;
  args: string[];
}

export interface ReachedEngine {
  client: EngineClient;
  socket: Socket;
}

/** How long a CLI waits for an engine to start, or for a starting/exiting one to settle. */
const REACH_TIMEOUT_MS = 60_000;
/**
 * Set in a background engine's environment when its CLI will need the host facts (a start): the engine reads its
 * probe while the CLI connects, instead of after vm.start arrives. The engine removes it from its environment.
 */
export const WARM_HOST_ENV = 'HANGAR_ENGINE_WARM_HOST';

/** Log kept between starts up to this size, then started afresh. */
const LOG_MAX_BYTES = 1024 * 1024;

/** This CLI run again with the background verb: `node bin/hangar.js …`, or the app binary's `--cli` form. */
export function selfLaunchCommand(libraryDir: string): LaunchCommand {
  const tail = ['--library', libraryDir, BACKGROUND_ENGINE_VERB];
  const cliAt = process.argv.indexOf('--cli');
  if (process.versions['electron'] && cliAt >= 0) return { command: process.execPath, args: [...process.argv.slice(1, cliAt + 1), ...tail] };
  return { command: process.execPath, args: [...process.execArgv, process.argv[1]!, ...tail] };
}

/** The background engine's log: next to its control socket in the per-user runtime folder. */
export function backgroundLogPath(runtimeDir: string, libraryDir: string): string {
  let real = libraryDir;
  try {
    real = realpathSync(libraryDir);
  } catch {
    // not created yet: the engine creates it
  }
  return join(runtimeDir, `engine-${createHash('sha256').update(real).digest('hex').slice(0, 12)}.log`);
}

/**
 * Connects to the engine that owns `libraryDir`, starting a background engine when none does. `warmHost`: the
 * command will need the host probe (a start), so a background engine started here begins it at once.
 */
export async function reachEngine(libraryDir: string, env: NodeJS.ProcessEnv, launch: LaunchCommand = selfLaunchCommand(libraryDir), opts: { warmHost?: boolean } = {}): Promise<ReachedEngine> {
  const runtimeDir = await ensureRuntimeDir({ env, uid: process.getuid?.() ?? 0 });
  const deadline = Date.now() + REACH_TIMEOUT_MS;
  let problem = '';
  for (;;) {
    // Set up before reading the lock, so a lock or socket that changes meanwhile wakes the wait below.
    const changes = watchDirs([libraryDir, runtimeDir]);
    try {
      const owner = await liveOwner(libraryDir);
      if (owner) {
        const r = await tryConnect(owner.controlSocket);
        if ('client' in r) return r;
        // Starting (lock taken, socket not yet listening) or exiting (socket closed, lock not yet released).
        problem = `another Hangar engine (pid ${owner.pid}) owns this library (${libraryDir}), but its control socket ${owner.controlSocket} does not answer: ${r.problem}`;
      } else {
        const started = await startBackground(libraryDir, opts.warmHost ? { ...env, [WARM_HOST_ENV]: '1' } : env, runtimeDir, launch);
        if (started !== 'locked') {
          const r = await tryConnect(started.controlSocket);
          started.release();
          if ('client' in r) return r;
          problem = `the background engine's control socket ${started.controlSocket} does not answer: ${r.problem}`;
        }
        // 'locked': another CLI's engine won the library; the next round connects to it.
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new EngineError('library-locked', problem || `no engine for ${libraryDir} became reachable`);
      await changes.changed(Math.min(left, 500));
    } finally {
      changes.close();
    }
  }
}

async function tryConnect(socketPath: string): Promise<ReachedEngine | { problem: string }> {
  const socket = connect(socketPath);
  const connected = await new Promise<string | null>((resolve) => {
    socket.once('connect', () => resolve(null));
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  if (connected !== null) {
    socket.destroy();
    return { problem: connected };
  }
  const client = new EngineClient(jsonLinesTransport(socket));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // An engine on its way out may accept and then close: that is a retry, not a failure.
    await Promise.race([
      client.call('engine.hello', { client: 'hangar-cli' }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer to engine.hello within 30 s')), 30_000))),
    ]);
    return { client, socket };
  } catch (err) {
    socket.destroy();
    return { problem: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

interface Started {
  controlSocket: string;
  /** Lets the engine start counting idle time (it waits for this, so it cannot exit before we connect). */
  release(): void;
}

function tailOf(logPath: string, lines = 15): string {
  try {
    const text = readFileSync(logPath, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).map((l) => `  ${l}`).join('\n') || '  (empty)';
  } catch (err) {
    return `  (cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

function isErrorCode(code: unknown): code is EngineErrorCode {
  return typeof code === 'string' && (ENGINE_ERROR_CODES as readonly string[]).includes(code);
}

/** Starts a background engine and waits for its one-line answer on fd 3 (ready, lost the race, or failed). */
async function startBackground(libraryDir: string, env: NodeJS.ProcessEnv, runtimeDir: string, launch: LaunchCommand): Promise<Started | 'locked'> {
  const logPath = backgroundLogPath(runtimeDir, libraryDir);
  let big = false;
  try {
    big = statSync(logPath).size > LOG_MAX_BYTES;
  } catch {
    // no log yet
  }
  const logFd = openSync(logPath, big ? 'w' : 'a', 0o600);
  let child;
  try {
    child = spawn(launch.command, launch.args, { detached: true, cwd: '/', env, stdio: ['ignore', logFd, logFd, 'pipe'] });
  } finally {
    closeSync(logFd);
  }
  const pipe = child.stdio[3] as Socket;
  const failed = (why: string): Error => new Error(`the background engine ${why}; the last lines of its log ${logPath}:\n${tailOf(logPath)}`);
  const line = await new Promise<ReadyLine | Error>((resolve) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      resolve(failed(`did not become ready within ${REACH_TIMEOUT_MS / 1000} s (stopped it)`));
    }, REACH_TIMEOUT_MS);
    const done = (v: ReadyLine | Error): void => {
      clearTimeout(timer);
      resolve(v);
    };
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        done(JSON.parse(buf.slice(0, nl)) as ReadyLine);
      } catch {
        done(failed('sent an unreadable ready line'));
      }
    });
    pipe.on('error', () => undefined);
    child.once('error', (err) => done(new Error(`could not start the background engine (${launch.command}): ${err.message}`)));
    child.once('exit', (code, signal) => done(failed(`exited (${signal ?? `code ${code}`}) before it was ready`)));
  });
  child.removeAllListeners('exit');
  child.unref();
  if (line instanceof Error || !line.ready) {
    pipe.destroy();
    if (line instanceof Error) throw line;
    if ('locked' in line) return 'locked';
    // The engine's own refusal (a file as the library, an unwritable lock...): the same message and exit code as ever.
    throw isErrorCode(line.code) ? new EngineError(line.code, line.message) : new Error(line.message);
  }
  return {
    controlSocket: line.controlSocket,
    release: () => pipe.destroy(),
  };
}
