import type { Socket } from 'node:net';
import type { MessageTransport } from '../../../src-shared/contract/index.js';
import { LineFramer } from '../../../src-shared/contract/line-framer.js';
import { transportListeners } from '../../../src-shared/contract/transport-listeners.js';

/** Newline-delimited JSON over a stream socket (the unix control socket). A garbage line is dropped and reported. */
export function jsonLinesTransport(socket: Socket, onGarbage?: (line: string) => void): MessageTransport {
  const framer = new LineFramer();
  const listeners = transportListeners();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = framer.push(chunk);
    if (framer.overflowed) {
      socket.destroy(new Error('message too large'));
      return;
    }
    for (const line of lines) {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        onGarbage?.(line);
        // Answer garbage like any malformed request so the peer is never left waiting.
        message = { garbage: line.slice(0, 200) };
      }
      listeners.emit(message);
    }
  });
  socket.on('error', (err) => listeners.finish(err.message));
  socket.on('close', () => listeners.finish('socket closed'));
  return {
    send(message) {
      if (listeners.closed || socket.destroyed) throw new Error('socket closed');
      socket.write(`${JSON.stringify(message)}\n`);
    },
    onMessage: listeners.onMessage,
    onClose: listeners.onClose,
    close: () => socket.end(),
  };
}
