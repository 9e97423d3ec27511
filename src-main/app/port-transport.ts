// MessageTransport over an Electron MessagePortMain (main's own connection to the engine).
import type { MessagePortMain } from 'electron';
import type { MessageTransport } from '../../src-shared/contract/transport.js';
import { transportListeners } from '../../src-shared/contract/transport-listeners.js';

export function messagePortMainTransport(port: MessagePortMain): MessageTransport {
  // Messages go straight from the port to the listener; only the close side uses the shared plumbing.
  const listeners = transportListeners();
  port.on('close', () => listeners.finish('engine port closed'));
  const transport: MessageTransport = {
    send: (message) => {
      if (listeners.closed) throw new Error('engine port closed');
      port.postMessage(message);
    },
    onMessage: (listener) => void port.on('message', (e) => listener(e.data)),
    onClose: listeners.onClose,
    close: () => {
      port.close();
      listeners.finish('closed by the shell');
    },
  };
  port.start();
  return transport;
}
