import { EventEmitter } from 'node:events';
import type { PortLike } from '../../../../src-main/engine/transport/message-port.js';

/**
 * A stand-in for Electron's MessagePortMain: an EventEmitter with `postMessage`, `start` and `close`;
 * 'message' events carry `{ data, ports }`, and messages are queued until `start()`, like the real one.
 */
export class FakePort extends EventEmitter implements PortLike {
  other: FakePort | null = null;
  started = false;
  closed = false;
  readonly posted: Array<{ message: unknown; transfer: unknown[] }> = [];
  private queue: Array<{ data: unknown; ports: unknown[] }> = [];

  postMessage(message: unknown, transfer: unknown[] = []): void {
    if (this.closed) return; // like Electron: silently dropped
    this.posted.push({ message, transfer });
    this.other?.deliver(structuredClone(message), transfer);
  }

  deliver(data: unknown, ports: unknown[] = []): void {
    if (this.closed) return;
    this.queue.push({ data, ports });
    if (this.started) this.flush();
  }

  start(): void {
    this.started = true;
    this.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const other = this.other;
    setImmediate(() => {
      this.emit('close');
      if (other && !other.closed) {
        other.closed = true;
        other.emit('close');
      }
    });
  }

  private flush(): void {
    const pending = this.queue.splice(0);
    for (const e of pending) setImmediate(() => this.emit('message', e));
  }
}

/** Two linked fake ports, like `new MessageChannelMain()`. */
export function fakeChannel(): { port1: FakePort; port2: FakePort } {
  const port1 = new FakePort();
  const port2 = new FakePort();
  port1.other = port2;
  port2.other = port1;
  return { port1, port2 };
}
