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
  const t: MessageTransport = {
    send: (message) => port.postMessage(message),
    onMessage: (l) => void port.on('message', (e) => l(e.data)),
    onClose: (l) => void port.on('close', () => l('port closed')),
    close: () => port.close?.(),
  };
  port.start?.();
  return t;
}
