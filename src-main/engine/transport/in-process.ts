import type { MessageTransport } from '../../../src-shared/contract/index.js';

/** Two connected transports in one process (the CLI's in-process engine, and tests). Messages are cloned like IPC. */
export function inProcessPair(): [MessageTransport, MessageTransport] {
  type End = { message: Array<(m: unknown) => void>; close: Array<(r: string) => void> };
  const a: End = { message: [], close: [] };
  const b: End = { message: [], close: [] };
  let closed = false;
  const make = (self: End, other: End): MessageTransport => ({
    send(message) {
      if (closed) throw new Error('transport closed');
      const copy = structuredClone(message);
      queueMicrotask(() => other.message.forEach((l) => l(copy)));
    },
    onMessage: (l) => void self.message.push(l),
    onClose: (l) => void self.close.push(l),
    close() {
      if (closed) return;
      closed = true;
      queueMicrotask(() => [...a.close, ...b.close].forEach((l) => l('closed')));
    },
  });
  return [make(a, b), make(b, a)];
}
