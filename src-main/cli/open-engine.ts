import { connect } from 'node:net';
import { homedir } from 'node:os';
import { EngineClient } from '../../src-shared/contract/client.js';
import { EngineError } from '../../src-shared/contract/errors.js';
import { jsonLinesTransport } from '../engine/transport/json-lines.js';
import { resolveLibraryDir } from '../engine/storage/library-paths.js';
import { LibraryLockedError } from '../engine/storage/library-lock.js';
import { reachEngine, type LaunchCommand } from './engine-launcher.js';

export interface EngineHandle {
  client: EngineClient;
  libraryDir: string;
  /** Resolves when the connection to the engine ends (never for an in-process engine). */
  disconnected: Promise<void>;
  /** Resolves when the engine is asked to stop (SIGINT/SIGTERM); only for an in-process engine. */
  untilStopped(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Reaches the engine that owns the library through its control socket: the app's, `hangar engine`'s, or a
 * background engine that outlives this command (started here when none runs), so no command depends on
 * another one staying alive. `inProcess` (only `hangar engine`) opens the engine in this process instead.
 */
export async function openEngine(opts: { library?: string; env?: NodeJS.ProcessEnv; inProcess?: boolean; launch?: LaunchCommand; warmHost?: boolean }): Promise<EngineHandle> {
  const env = opts.env ?? process.env;
  const libraryDir = resolveLibraryDir({ argvLibrary: opts.library, env, platform: process.platform, homedir: homedir() });
  if (!opts.inProcess) {
    const { client, socket } = await reachEngine(libraryDir, env, opts.launch, { warmHost: opts.warmHost });
    return {
      client,
      libraryDir,
      disconnected: new Promise<void>((resolve) => socket.once('close', () => resolve())),
      untilStopped: () => Promise.reject(new EngineError('library-locked', 'this command does not host an engine')),
      close: async () => {
        socket.end();
      },
    };
  }
  try {
    // Loaded only here (`hangar engine`): a command that reaches a running engine never loads the engine's code.
    const [{ Engine }, { inProcessPair }] = await Promise.all([import('../engine/engine.js'), import('../engine/transport/in-process.js')]);
    const engine = await Engine.open({ libraryDir, env });
    const [clientSide, engineSide] = inProcessPair();
    engine.server.attach(engineSide);
    const client = new EngineClient(clientSide);
    return {
      client,
      libraryDir: engine.libraryDir,
      disconnected: new Promise<void>(() => undefined),
      untilStopped: () =>
        new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        }),
      close: async () => {
        client.close();
        await engine.close();
      },
    };
  } catch (err) {
    if (!(err instanceof LibraryLockedError)) throw err;
    const socket = connect(err.controlSocket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', (e) => reject(new EngineError('library-locked', `${err.message}, but its control socket does not answer: ${e.message}`)));
    });
    const client = new EngineClient(jsonLinesTransport(socket));
    await client.call('engine.hello', { client: 'hangar-cli' });
    return {
      client,
      libraryDir: err.libraryDir,
      disconnected: new Promise<void>((resolve) => socket.once('close', () => resolve())),
      untilStopped: () => Promise.reject(new EngineError('library-locked', err.message)),
      close: async () => {
        socket.end();
      },
    };
  }
}
