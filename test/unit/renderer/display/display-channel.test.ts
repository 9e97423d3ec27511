// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import {
  bindDisplayPort,
  bindDisplaySocket,
  DisplayChannel,
  DISPLAY_ACK_EVERY,
  DISPLAY_CLOSE,
  type DisplayPortLike,
  type DisplaySocketLike,
} from '../../../../src-renderer/bridge/display-channel.js';
import { createBridge, DISPLAY_PORT_MESSAGE, type BridgeWindow, type PreloadApiLike } from '../../../../src-renderer/bridge/create-bridge.js';
// noVNC's own channel check (a path import: the package's exports map only allows the root; it has no types).
// @ts-expect-error -- untyped JavaScript module
import Websock from '../../../../node_modules/@novnc/novnc/core/websock.js';

class FakePort implements DisplayPortLike {
  readonly posted: unknown[] = [];
  started = false;
  closed = false;
  private readonly listeners = new Map<string, Array<(ev: { data: unknown }) => void>>();
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  start(): void {
    this.started = true;
  }
  close(): void {
    this.closed = true;
  }
  addEventListener(type: string, listener: (ev: { data: unknown }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  fire(type: 'message' | 'close', data?: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
}

class FakeSocket implements DisplaySocketLike {
  static last: FakeSocket | null = null;
  binaryType = 'blob';
  readyState = 0;
  readonly sent: Uint8Array[] = [];
  closedWith: [number?, string?] | null = null;
  private readonly listeners = new Map<string, Array<(ev: never) => void>>();
  constructor(readonly url = '') {
    FakeSocket.last = this;
  }
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
  }
  addEventListener(type: string, listener: (ev: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  fire(type: string, ev: unknown = {}): void {
    if (type === 'open') this.readyState = 1;
    if (type === 'close') this.readyState = 3;
    for (const l of this.listeners.get(type) ?? []) (l as (e: unknown) => void)(ev);
  }
}

function opened(channel: DisplayChannel): { port: FakePort; events: string[]; data: Uint8Array[] } {
  const port = new FakePort();
  const events: string[] = [];
  const data: Uint8Array[] = [];
  channel.onopen = () => events.push('open');
  channel.onmessage = (e) => data.push(new Uint8Array(e.data));
  channel.onclose = (e) => events.push(`close ${e.code} ${e.reason}`);
  bindDisplayPort(channel, port);
  port.fire('message', { type: 'open' });
  return { port, events, data };
}

describe('DisplayChannel', () => {
  it('has the shape noVNC checks, and noVNC attaches to it', () => {
    const channel = new DisplayChannel();
    const names = [...Object.keys(channel), ...Object.getOwnPropertyNames(Object.getPrototypeOf(channel))];
    for (const p of ['send', 'close', 'binaryType', 'onerror', 'onmessage', 'onopen', 'protocol', 'readyState']) expect(names).toContain(p);
    const ws = new Websock();
    expect(() => ws.attach(channel)).not.toThrow();
    expect(channel.binaryType).toBe('arraybuffer');
    expect(ws.readyState).toBe('connecting');
    expect(typeof channel.onmessage).toBe('function');
  });

  it('noVNC reads what the port delivers and its sends arrive as copies', () => {
    const channel = new DisplayChannel();
    const port = new FakePort();
    bindDisplayPort(channel, port);
    const ws = new Websock();
    ws.attach(channel);
    let opens = 0;
    ws.on('open', () => opens++);
    port.fire('message', { type: 'open' });
    expect(opens).toBe(1);
    expect(ws.readyState).toBe('open');
    const got: number[] = [];
    ws.on('message', () => {
      while (ws.rQlen() > 0) got.push(ws.rQshift8());
    });
    port.fire('message', new Uint8Array([1, 2, 3]));
    expect(got).toEqual([1, 2, 3]);
    ws.sQpushBytes(new Uint8Array([7, 8, 9]));
    ws.flush();
    const sent = port.posted.find((m) => m instanceof Uint8Array) as Uint8Array;
    expect([...sent]).toEqual([7, 8, 9]);
    expect(sent.buffer.byteLength).toBe(3);
  });

  it('copies on send: the caller may reuse its buffer at once', () => {
    const channel = new DisplayChannel();
    const { port } = opened(channel);
    const shared = new Uint8Array(16);
    shared.set([1, 2, 3]);
    channel.send(shared.subarray(0, 3));
    shared.set([9, 9, 9]);
    const sent = port.posted[0] as Uint8Array;
    expect([...sent]).toEqual([1, 2, 3]);
    expect(sent.buffer).not.toBe(shared.buffer);
    expect(sent.buffer.byteLength).toBe(3);
  });

  it('goes connecting → open → closing → closed, and sends nothing unless open', () => {
    const channel = new DisplayChannel();
    expect(channel.readyState).toBe('connecting');
    channel.send(new Uint8Array([1]));
    const { port, events } = opened(channel);
    expect(port.posted).toEqual([]);
    expect(channel.readyState).toBe('open');
    expect(events).toEqual(['open']);
    channel.close();
    expect(port.posted).toEqual([{ type: 'close' }]);
    expect(port.closed).toBe(true);
    expect(channel.readyState).toBe('closed');
    expect(events).toEqual(['open', `close ${DISPLAY_CLOSE.normal} closed by the viewer`]);
  });

  it('a close before the port arrives closes the port as soon as it is bound', () => {
    const channel = new DisplayChannel();
    channel.close();
    const port = new FakePort();
    bindDisplayPort(channel, port);
    expect(port.closed).toBe(true);
  });
});

describe('bindDisplayPort', () => {
  it('acknowledges consumed bytes every DISPLAY_ACK_EVERY bytes', () => {
    const channel = new DisplayChannel();
    const { port, data } = opened(channel);
    const chunk = new Uint8Array(DISPLAY_ACK_EVERY / 4);
    for (let i = 0; i < 3; i++) port.fire('message', chunk.slice());
    expect(port.posted).toEqual([]);
    port.fire('message', chunk.slice());
    expect(port.posted).toEqual([{ type: 'ack', bytes: DISPLAY_ACK_EVERY }]);
    expect(data).toHaveLength(4);
    expect(channel.bytesReceived).toBe(DISPLAY_ACK_EVERY);
  });

  it('passes the engine\'s close code and reason to onclose, then closes the port', () => {
    const channel = new DisplayChannel();
    const { port, events } = opened(channel);
    port.fire('message', { type: 'closed', code: DISPLAY_CLOSE.vmStopped, reason: 'the VM stopped' });
    expect(events.at(-1)).toBe(`close ${DISPLAY_CLOSE.vmStopped} the VM stopped`);
    expect(channel.readyState).toBe('closed');
    expect(port.closed).toBe(true);
    port.fire('close');
    expect(events.filter((e) => e.startsWith('close'))).toHaveLength(1);
  });

  it('reports a lost port as an abnormal close', () => {
    const channel = new DisplayChannel();
    const { port, events } = opened(channel);
    port.fire('close');
    expect(events.at(-1)).toBe(`close ${DISPLAY_CLOSE.abnormal} the display connection was lost`);
  });

  it('a port refused before opening (VM not running) closes with the reason', () => {
    const channel = new DisplayChannel();
    const events: string[] = [];
    channel.onclose = (e) => events.push(`${e.code} ${e.reason}`);
    const port = new FakePort();
    bindDisplayPort(channel, port);
    port.fire('message', { type: 'closed', code: DISPLAY_CLOSE.notRunning, reason: '"x" is not running' });
    expect(events).toEqual([`${DISPLAY_CLOSE.notRunning} "x" is not running`]);
  });
});

describe('bindDisplaySocket', () => {
  it('wraps the display WebSocket: arraybuffer frames, open, copies on send, close code', () => {
    const ws = new FakeSocket();
    const channel = bindDisplaySocket(new DisplayChannel(), ws);
    const events: string[] = [];
    const data: number[][] = [];
    channel.onopen = () => events.push('open');
    channel.onmessage = (e) => data.push([...new Uint8Array(e.data)]);
    channel.onclose = (e) => events.push(`close ${e.code} ${e.reason}`);
    expect(ws.binaryType).toBe('arraybuffer');
    ws.fire('open');
    expect(channel.readyState).toBe('open');
    ws.fire('message', { data: new Uint8Array([5, 6]).buffer });
    expect(data).toEqual([[5, 6]]);
    const buf = new Uint8Array([1, 2, 3, 4]);
    channel.send(buf.subarray(1, 3));
    expect([...ws.sent[0]!]).toEqual([2, 3]);
    expect(ws.sent[0]!.buffer).not.toBe(buf.buffer);
    ws.fire('close', { code: 4404, reason: 'not running' });
    expect(events).toEqual(['open', 'close 4404 not running']);
  });

  it('close() closes the WebSocket normally', () => {
    const ws = new FakeSocket();
    const channel = bindDisplaySocket(new DisplayChannel(), ws);
    ws.fire('open');
    channel.close();
    expect(ws.closedWith).toEqual([1000, 'closed by the viewer']);
    expect(channel.readyState).toBe('closing');
  });
});

describe('HangarApi.openDisplay', () => {
  type MessageListener = (ev: { source: unknown; data: unknown; ports: ReadonlyArray<unknown> }) => void;
  function fakeWindow(hangar?: PreloadApiLike) {
    const listeners: MessageListener[] = [];
    const win = {
      hangar,
      location: { protocol: 'http:', host: '127.0.0.1:8123' },
      localStorage: { getItem: () => null, setItem: () => undefined },
      navigator: { platform: 'Linux' },
      addEventListener: (_t: 'message', l: MessageListener) => void listeners.push(l),
      WebSocket: FakeSocket,
      fire: (ev: Parameters<MessageListener>[0]) => listeners.forEach((l) => l(ev)),
    };
    return win as unknown as BridgeWindow & { fire: MessageListener };
  }

  it('browser host: a WebSocket to /display?vm=<id>', () => {
    const api = createBridge(fakeWindow());
    const channel = api.openDisplay('vm 1');
    expect(FakeSocket.last!.url).toBe('ws://127.0.0.1:8123/display?vm=vm%201');
    FakeSocket.last!.fire('open');
    expect(channel.readyState).toBe('open');
  });

  it('Electron: asks display:open and binds the port the preload forwards for that VM', async () => {
    const invoke = vi.fn(async () => ({ ok: true }));
    const win = fakeWindow({ invoke: invoke as unknown as PreloadApiLike['invoke'] });
    const api = createBridge(win);
    const a = api.openDisplay('vm-a');
    const b = api.openDisplay('vm-b');
    expect(invoke).toHaveBeenCalledWith('display:open', { vmId: 'vm-a' });
    expect(invoke).toHaveBeenCalledWith('display:open', { vmId: 'vm-b' });
    const portB = new FakePort();
    win.fire({ source: win, data: { kind: DISPLAY_PORT_MESSAGE, vmId: 'vm-b' }, ports: [portB] });
    expect(portB.started).toBe(true);
    portB.fire('message', { type: 'open' });
    expect(b.readyState).toBe('open');
    expect(a.readyState).toBe('connecting');
    // A port from another frame, or one nobody asked for, is ignored / closed.
    const stray = new FakePort();
    win.fire({ source: {}, data: { kind: DISPLAY_PORT_MESSAGE, vmId: 'vm-a' }, ports: [stray] });
    expect(stray.started).toBe(false);
    const unasked = new FakePort();
    win.fire({ source: win, data: { kind: DISPLAY_PORT_MESSAGE, vmId: 'vm-z' }, ports: [unasked] });
    expect(unasked.closed).toBe(true);
  });

  it('Electron: a refused display:open closes the channel with the reason', async () => {
    const api = createBridge(fakeWindow({ invoke: vi.fn(async () => Promise.reject(new Error('the Hangar engine is not running'))) }));
    const channel = api.openDisplay('vm-a');
    const closed = new Promise<{ code: number; reason: string }>((r) => (channel.onclose = r));
    expect(await closed).toMatchObject({ code: DISPLAY_CLOSE.notRunning, reason: 'the Hangar engine is not running' });
  });
});
