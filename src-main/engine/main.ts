import { homedir } from 'node:os';
import { Engine } from './engine.js';
import { resolveLibraryDir } from './storage/library-paths.js';
import { wireParentPort } from './host-wiring.js';
import type { PortLike } from './transport/message-port.js';
import { nodeIpcTransport } from './transport/node-ipc.js';
import { LibraryLockedError } from './storage/library-lock.js';
import { askBackgroundEngineToYield, waitForLockRelease } from './storage/engine-handover.js';

/** How long the app's engine (or serve's) waits for a background CLI engine to finish its clients and go. */
const HANDOVER_MS = 20_000;

/**
 * Opens the engine; a background engine a CLI started gives the library up (it exits once its current
 * clients are done), so the app's engine and serve's take precedence over it.
 */
async function openTakingOver(options: Parameters<typeof Engine.open>[0]): Promise<Engine> {
  try {
    return await Engine.open(options);
  } catch (err) {
    if (!(err instanceof LibraryLockedError) || !err.background) throw err;
    if (!askBackgroundEngineToYield({ pid: err.pid, background: true, controlSocket: err.controlSocket, startedAt: '' })) throw err;
    process.stderr.write(`hangar engine: the background CLI engine (pid ${err.pid}) owns ${err.libraryDir}; asked it to hand over\n`);
    if (!(await waitForLockRelease(err.libraryDir, HANDOVER_MS))) throw err;
    return await Engine.open(options);
  }
}

/**
 * Engine entry. It detects its host: an Electron utility process (`process.parentPort`), a Node
 * child forked with an IPC channel (`process.send`), or a plain process serving only the control socket.
 * The library comes from `--library DIR`, then HANGAR_LIBRARY, then the platform default.
 */
async function run(): Promise<void> {
  const argIndex = process.argv.indexOf('--library');
  const argvLibrary = argIndex >= 0 ? process.argv[argIndex + 1] : undefined;
  const libraryDir = resolveLibraryDir({ argvLibrary, env: process.env, platform: process.platform, homedir: homedir() });
  // `hangar serve` starts its engine with --browser-roots and one --allow-dir per extra folder.
  const allowedDirs = process.argv.includes('--browser-roots')
    ? process.argv.flatMap((a, i) => (a === '--allow-dir' && process.argv[i + 1] ? [process.argv[i + 1]!] : []))
    : undefined;
  const engine = await openTakingOver({ libraryDir, allowedDirs });
  const parentPort = (process as unknown as { parentPort?: PortLike }).parentPort;
  const stop = async (): Promise<void> => {
    await engine.close();
    process.exit(0);
  };
  if (parentPort) {
    // Utility process: the parent channel carries commands too; window ports arrive on `attach-port`.
    wireParentPort(engine.server, parentPort, { libraryDir: engine.libraryDir, controlSocket: engine.controlSocketPath }, {
      attachDisplay: (vmId, port) => void engine.services.displays.attach(vmId, port),
    });
  } else if (process.send) {
    const transport = nodeIpcTransport();
    engine.server.attach(transport);
    transport.onClose(() => void stop());
    process.send({ type: 'engine-ready', libraryDir: engine.libraryDir, controlSocket: engine.controlSocketPath });
  } else {
    process.stdout.write(`hangar engine: library ${engine.libraryDir}, control socket ${engine.controlSocketPath}\n`);
  }
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

run().catch((err: Error) => {
  process.stderr.write(`hangar engine: ${err.message}\n`);
  process.exit(1);
});
