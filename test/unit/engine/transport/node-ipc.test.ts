import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { childIpcTransport, nodeIpcTransport } from '../../../../src-main/engine/transport/node-ipc.js';

/** Just enough of a forked ChildProcess / IPC-connected process for the adapters. */
class FakeIpcEnd extends EventEmitter {
  connected = true;
  readonly sent: unknown[] = [];
  send(message: unknown, ...rest: unknown[]): boolean {
    this.sent.push(message);
    const cb = rest.find((x) => typeof x === 'function') as ((e: Error | null) => void) | undefined;
    cb?.(null);
    return true;
  }
  disconnect(): void {
    if (!this.connected) {
      // What Node does: an 'error' event, fatal without a listener.
      this.emit('error', new Error('IPC channel is already disconnected'));
      return;
    }
    this.connected = false;
    this.emit('disconnect');
  }
}

describe('node-ipc transport', () => {
  it('engine side: sends, receives and reports the parent going away', () => {
    const proc = new FakeIpcEnd();
    const t = nodeIpcTransport(proc as unknown as NodeJS.Process);
    const got: unknown[] = [];
    const reasons: string[] = [];
    t.onMessage((m) => got.push(m));
    t.onClose((r) => reasons.push(r));
    proc.emit('message', { type: 'request', id: 1 });
    t.send({ type: 'response', id: 1 });
    expect(got).toEqual([{ type: 'request', id: 1 }]);
    expect(proc.sent).toEqual([{ type: 'response', id: 1 }]);
    t.close();
    t.close(); // a second close must not emit 'error'
    expect(reasons).toEqual(['parent disconnected']);
    expect(() => t.send({})).toThrow(/closed/);
  });

  it('engine side: refuses a process without an IPC channel', () => {
    expect(() => nodeIpcTransport({ on: () => undefined } as unknown as NodeJS.Process)).toThrow(/IPC/);
  });

  it('parent side: reports the close once although disconnect and exit both come', () => {
    const child = new FakeIpcEnd();
    const t = childIpcTransport(child as unknown as ChildProcess);
    const reasons: string[] = [];
    t.onClose((r) => reasons.push(r));
    child.connected = false;
    child.emit('disconnect');
    child.emit('exit', 0, null);
    expect(reasons).toEqual(['engine disconnected']);
    expect(() => t.send({})).toThrow(/closed/);
    expect(() => t.close()).not.toThrow();
  });

  it('parent side: an exit without disconnect still closes', () => {
    const child = new FakeIpcEnd();
    const t = childIpcTransport(child as unknown as ChildProcess);
    const reasons: string[] = [];
    t.onClose((r) => reasons.push(r));
    child.emit('exit', null, 'SIGKILL');
    expect(reasons).toEqual(['engine exited (SIGKILL)']);
  });
});
