// The background engine a CLI starts when no engine owns the library (`hangar __background-engine`, run
// detached by engine-launcher.ts): it serves only the 0600 control socket, tells its launcher on fd 3 that it is
// ready (or why not), and exits once it has had no clients, requests or jobs for the idle timeout.
import { Socket } from 'node:net';
import { EngineError } from '../../src-shared/contract/index.js';
import { Engine } from '../engine/engine.js';
import { IdleWatch, idleTimeoutFromEnv } from '../engine/idle-watch.js';
import { LibraryLockedError } from '../engine/storage/library-lock.js';
import { WARM_HOST_ENV } from './engine-launcher.js';

/** What the engine writes on fd 3, one JSON line. */
export type ReadyLine =
  | { ready: true; controlSocket: string; pid: number }
  | { ready: false; locked: true; controlSocket: string }
  | { ready: false; code: string | null; message: string };


function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

/** fd 3 as a socket, or null when this process was not started with one (run by hand). */
function openReadyPipe(): Socket | null {
  try {
    const s = new Socket({ fd: 3, readable: true, writable: true });
    s.on('error', () => undefined);
    return s;
  } catch {
    return null;
  }
}

/** Runs until the engine exits (idle, SIGTERM/SIGINT); resolves with the process exit code. */
export async function runBackgroundEngine(libraryDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const pipe = openReadyPipe();
  const report = (line: ReadyLine): void => {
    pipe?.write(`${JSON.stringify(line)}\n`);
  };
  const idle = idleTimeoutFromEnv(env);
  // The launcher's hint, not for QEMU or anything else this engine runs.
  const warmHost = env[WARM_HOST_ENV] === '1';
  delete env[WARM_HOST_ENV];
  let engine: Engine;
  try {
    engine = await Engine.open({ libraryDir, env, background: true });
  } catch (err) {
    if (err instanceof LibraryLockedError) {
      // Two CLIs started engines at once and the other one won: its launcher's CLI and ours both use it.
      log(`another engine (pid ${err.pid}) owns ${libraryDir}; exiting`);
      report({ ready: false, locked: true, controlSocket: err.controlSocket });
    } else {
      const message = (err as Error)?.message ?? String(err);
      log(`could not start the engine for ${libraryDir}: ${message}`);
      report({ ready: false, code: err instanceof EngineError ? err.code : null, message });
    }
    await new Promise<void>((resolve) => {
      if (!pipe) return resolve();
      pipe.once('close', () => resolve());
      pipe.end(() => resolve());
    });
    return err instanceof LibraryLockedError ? 0 : 1;
  }
  if (idle.warning) log(idle.warning);
  log(`engine pid ${process.pid} serving ${engine.libraryDir} on ${engine.controlSocketPath}; exits after ${idle.ms / 1000} s without clients`);

  let launcherWaiting = pipe !== null;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let stopping = false;
  const stop = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    watch.stop();
    log(`exiting: ${reason}; running machines keep running`);
    try {
      await engine.close();
      finish(0);
    } catch (err) {
      log(`error while closing: ${(err as Error).message}`);
      finish(1);
    }
  };
  const watch = new IdleWatch({
    timeoutMs: idle.ms,
    // Until the launcher has connected (it closes fd 3 then), the engine counts as in use.
    hasClients: () => launcherWaiting || engine.server.clientCount > 0 || engine.server.requestsInFlight > 0,
    hasOtherWork: () => engine.hasWorkInProgress(),
    onIdle: () => {
      // Same tick as the idle check: no connection can slip in between (see Engine.stopListening).
      engine.stopListening();
      void stop('idle');
    },
  });
  engine.server.onActivity(() => watch.poke());
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => undefined);
  // The app's engine (or `hangar serve`) wants the library: leave as soon as nothing is in use.
  process.on('SIGUSR2', () => {
    log('asked to hand the library over; exiting once idle');
    watch.setTimeoutMs(0);
  });
  // Cached in the engine for the start that follows (a failure is not cached: that start probes again and reports it).
  if (warmHost) void engine.host.info().catch(() => undefined);
  if (pipe) {
    pipe.once('close', () => {
      launcherWaiting = false;
      watch.poke();
    });
    pipe.resume();
    report({ ready: true, controlSocket: engine.controlSocketPath, pid: process.pid });
  }
  watch.poke();
  return finished;
}
