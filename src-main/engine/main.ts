import { homedir } from 'node:os';
import { Engine } from './engine.js';
import { resolveLibraryDir } from './storage/library-paths.js';
import { messagePortTransport, type PortLike } from './transport/message-port.js';
import { nodeIpcTransport } from './transport/node-ipc.js';

/**
 * Engine entry. It detects its host: an Electron utility process (`process.parentPort`), a Node
 * child forked with an IPC channel (`process.send`), or a plain process serving only the control socket.
 * The library comes from `--library DIR`, then HANGAR_LIBRARY, then the platform default.
 */
async function run(): Promise<void> {
  const argIndex = process.argv.indexOf('--library');
  const argvLibrary = argIndex >= 0 ? process.argv[argIndex + 1] : undefined;
  const libraryDir = resolveLibraryDir({ argvLibrary, env: process.env, platform: process.platform, homedir: homedir() });
  const engine = await Engine.open({ libraryDir });
  const parentPort = (process as unknown as { parentPort?: PortLike }).parentPort;
  const stop = async (): Promise<void> => {
    await engine.close();
    process.exit(0);
  };
  if (parentPort) {
    // Utility process: the parent channel carries commands too, and each window's MessagePort
    // arrives as a transferred port on an `attach-port` message.
    parentPort.on('message', (e) => {
      const data = e.data as { type?: string } | undefined;
      if (data?.type === 'attach-port' && e.ports?.[0]) engine.server.attach(messagePortTransport(e.ports[0] as PortLike));
    });
    engine.server.attach(messagePortTransport(parentPort));
    parentPort.postMessage({ type: 'engine-ready', libraryDir: engine.libraryDir, controlSocket: engine.controlSocketPath });
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
