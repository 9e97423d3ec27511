import type { WebSocketLike } from '../../../../src-renderer/bridge/transports.js';

type Listener = (ev: never) => void;

/** A scriptable stand-in for the DOM WebSocket: tests open, feed and close it by hand. */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  readonly sent: string[] = [];
  closedByPage = false;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  static last(): FakeWebSocket {
    const ws = FakeWebSocket.instances.at(-1);
    if (!ws) throw new Error('no FakeWebSocket was created');
    return ws;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError');
    this.sent.push(data);
  }

  close(): void {
    this.closedByPage = true;
    if (this.readyState < 2) this.serverClose(1000, '');
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  // ---- test side ----
  serverOpen(): void {
    this.readyState = 1;
    this.fire('open', {});
  }

  serverSend(message: unknown): void {
    this.fire('message', { data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  serverClose(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.fire('close', { code, reason });
  }

  /** The requests the page sent, parsed. */
  requests(): Array<{ id: number; command: string; args: unknown }> {
    return this.sent.map((s) => JSON.parse(s) as { id: number; command: string; args: unknown });
  }

  private fire(type: string, ev: unknown): void {
    for (const l of this.listeners.get(type) ?? []) (l as (e: unknown) => void)(ev);
  }
}
