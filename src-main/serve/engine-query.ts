import { connect } from 'node:net';
import { EngineClient } from '../../src-shared/contract/index.js';
import type { VmDocument } from '../../src-shared/vm-document/index.js';
import { jsonLinesTransport } from '../engine/transport/json-lines.js';

/** A VM's folder and document, asked of the engine over a connection of serve's own (the relay's path checks need them). */
export function vmOfEngine(socketPath: string): (ref: string) => Promise<{ bundleDir: string; doc: VmDocument }> {
  return async (ref) => {
    const socket = connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new EngineClient(jsonLinesTransport(socket));
    try {
      const r = await client.call('vm.get', { vm: ref });
      return { bundleDir: r.bundleDir, doc: r.doc };
    } finally {
      client.close();
    }
  };
}
