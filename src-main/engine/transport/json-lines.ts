import type { Socket } from 'node:net';
import type { MessageTransport } from '../../../src-shared/contract/index.js';
import { LineFramer } from '../../../src-shared/contract/line-framer.js';

/** Newline-delimited JSON over a stream socket (the unix control socket). A garbage line is dropped and reported. */
export function jsonLinesTransport(socket: Socket, onGarbage?: (line: string) => void): MessageTransport {
  const framer = new LineFramer();
  const messageListeners: Array<(m: unknown) => void> = [];
  const closeListeners: Array<(reason: string) => void> = [];
  let closed = false;
  const finish = (reason: string): void => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
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
      for (const l of messageListeners) l(message);
    }
  });
  socket.on('error', (err) => finish(err.message));
  socket.on('close', () => finish('socket closed'));
  return {
    send(message) {
      if (closed || socket.destroyed) throw new Error('socket closed');
      socket.write(`${JSON.stringify(message)}\n`);
    },
    onMessage: (l) => void messageListeners.push(l),
    onClose: (l) => void closeListeners.push(l),
    close: () => socket.end(),
  };
}
