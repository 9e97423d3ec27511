import type { MessageTransport } from '../../../src-shared/contract/index.js';

/**
 * Electron's utility-process side: `process.parentPort` and the MessagePortMain objects handed to
 * the engine for each window. Typed structurally so the engine never imports electron.
 */
export interface PortLike {
  on(event: 'message', listener: (e: { data: unknown; ports?: unknown[] }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start?(): void;
  close?(): void;
}

export function messagePortTransport(port: PortLike): MessageTransport {
  let closed = false;
  port.on('close', () => {
    closed = true;
  });
  const t: MessageTransport = {
    send: (message) => {
      // A closed port drops messages silently; throwing lets the engine forget this client.
      if (closed) throw new Error('port closed');
      port.postMessage(message);
    },
    onMessage: (l) => void port.on('message', (e) => l(e.data)),
    onClose: (l) => void port.on('close', () => l('port closed')),
    close: () => port.close?.(),
  };
  port.start?.();
  return t;
}
