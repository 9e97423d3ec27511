// MessageTransport over an Electron MessagePortMain (main's own connection to the engine).
import type { MessagePortMain } from 'electron';
import type { MessageTransport } from '../../src-shared/contract/transport.js';

export function messagePortMainTransport(port: MessagePortMain): MessageTransport {
  const closeListeners = new Set<(reason: string) => void>();
  let closed = false;
  const fireClose = (reason: string): void => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  port.on('close', () => fireClose('engine port closed'));
  const transport: MessageTransport = {
    send: (message) => {
      if (closed) throw new Error('engine port closed');
      port.postMessage(message);
    },
    onMessage: (listener) => void port.on('message', (e) => listener(e.data)),
    onClose: (listener) => void closeListeners.add(listener),
    close: () => {
      port.close();
      fireClose('closed by the shell');
    },
  };
  port.start();
  return transport;
}
