import { connect } from 'node:net';
import { homedir } from 'node:os';
import { EngineClient, EngineError } from '../../src-shared/contract/index.js';
import { Engine } from '../engine/engine.js';
import { inProcessPair } from '../engine/transport/in-process.js';
import { jsonLinesTransport } from '../engine/transport/json-lines.js';
import { resolveLibraryDir } from '../engine/storage/library-paths.js';
import { LibraryLockedError } from '../engine/storage/library-lock.js';

export interface EngineHandle {
  client: EngineClient;
  libraryDir: string;
  /** Resolves when the engine is asked to stop (SIGINT/SIGTERM); only for an in-process engine. */
  untilStopped(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Reaches the engine that owns the library: through its control socket when one runs (the app, or
 * `hangar engine`), otherwise by opening an engine in this process for the duration of the command.
 */
export async function openEngine(opts: { library?: string; env?: NodeJS.ProcessEnv }): Promise<EngineHandle> {
  const env = opts.env ?? process.env;
  const libraryDir = resolveLibraryDir({ argvLibrary: opts.library, env, platform: process.platform, homedir: homedir() });
  try {
    const engine = await Engine.open({ libraryDir, env });
    const [clientSide, engineSide] = inProcessPair();
    engine.server.attach(engineSide);
    const client = new EngineClient(clientSide);
    return {
      client,
      libraryDir: engine.libraryDir,
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
      untilStopped: () => Promise.reject(new EngineError('library-locked', err.message)),
      close: async () => {
        socket.end();
      },
    };
  }
}
