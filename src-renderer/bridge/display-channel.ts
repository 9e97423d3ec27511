// The channel noVNC talks RFB over (noVNC 1.7 accepts any object with WebSocket's shape; see
// docs tech-notes §1): one class for both hosts. In Electron the bytes come over a MessagePort from the
// engine's relay (with acks for backpressure); in the browser host over the `/display?vm=` WebSocket.

export type DisplayReadyState = 'connecting' | 'open' | 'closing' | 'closed';

export interface DisplayCloseEvent {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** Close codes shared with the engine relay (src-main/engine/display/display-protocol.ts) and serve's relay. */
export const DISPLAY_CLOSE = { normal: 1000, abnormal: 1006, vmStopped: 4001, notRunning: 4404, unreachable: 4502 } as const;

/** The viewer acknowledges consumed bytes to the engine after this many (engine low-water mark is above it). */
export const DISPLAY_ACK_EVERY = 64 * 1024;

/** Where a channel's bytes go; set by the adapters below. */
interface Backend {
  send(bytes: Uint8Array): void;
  close(): void;
}

/**
 * noVNC's channel contract: own fields `binaryType`, `protocol`, `readyState` (strings), `onopen`,
 * `onmessage`, `onclose`, `onerror`; `send` and `close` on the direct prototype (noVNC checks
 * `Object.keys` plus the prototype's own names). `send` gets a view on noVNC's reused buffer, so it
 * is copied before it leaves.
 */
export class DisplayChannel {
  binaryType = 'arraybuffer';
  protocol = '';
  readyState: DisplayReadyState = 'connecting';
  onopen: ((e: object) => void) | null = null;
  onmessage: ((e: { data: ArrayBuffer | Uint8Array }) => void) | null = null;
  onclose: ((e: DisplayCloseEvent) => void) | null = null;
  onerror: ((e: object) => void) | null = null;
  #backend: Backend | null = null;
  #received = 0;
  #closeRequested = false;

  /** Bytes received so far (for status and benchmarks). */
  get bytesReceived(): number {
    return this.#received;
  }

  send(u8: Uint8Array): void {
    if (this.readyState !== 'open' || !this.#backend) return;
    this.#backend.send(u8.slice());
  }

  close(): void {
    if (this.readyState === 'closing' || this.readyState === 'closed') return;
    this.#closeRequested = true;
    this.readyState = 'closing';
    if (this.#backend) this.#backend.close();
    else this.closed(DISPLAY_CLOSE.normal, 'closed by the viewer');
  }

  // ---- for the adapters ----------------------------------------------------------------------

  /** Connects the channel to its transport; a close requested before that closes the transport now. */
  bind(backend: Backend): void {
    this.#backend = backend;
    if (this.#closeRequested) backend.close();
  }

  opened(): void {
    if (this.readyState !== 'connecting') return;
    this.readyState = 'open';
    this.onopen?.({});
  }

  received(data: ArrayBuffer | Uint8Array): void {
    if (this.readyState !== 'open') return;
    this.#received += data.byteLength;
    // noVNC does `new Uint8Array(e.data)`: hand it the buffer itself when the view covers it all (no copy).
    const whole = data instanceof Uint8Array && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    this.onmessage?.({ data: whole ? (data.buffer as ArrayBuffer) : data });
  }

  failed(): void {
    this.onerror?.({});
  }

  closed(code: number, reason: string): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.onclose?.({ code, reason, wasClean: code === DISPLAY_CLOSE.normal || this.#closeRequested });
  }
}

/** The part of a DOM MessagePort the display uses. */
export interface DisplayPortLike {
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
}

/**
 * Binds a channel to a display port from the engine (Electron). Protocol: bare Uint8Arrays are RFB
 * bytes both ways; `{type:'open'}` / `{type:'closed', code, reason}` come from the engine; the page
 * sends `{type:'ack', bytes}` every DISPLAY_ACK_EVERY bytes and `{type:'close'}` when done.
 */
export function bindDisplayPort(channel: DisplayChannel, port: DisplayPortLike, ackEvery = DISPLAY_ACK_EVERY): DisplayChannel {
  let unacked = 0;
  let done = false;
  const finish = (code: number, reason: string): void => {
    if (done) return;
    done = true;
    channel.closed(code, reason);
  };
  port.addEventListener('message', (ev) => {
    const data = ev.data;
    if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
      channel.received(data);
      unacked += data.byteLength;
      if (unacked >= ackEvery) {
        port.postMessage({ type: 'ack', bytes: unacked });
        unacked = 0;
      }
      return;
    }
    const control = data as { type?: unknown; code?: unknown; reason?: unknown } | null;
    if (control?.type === 'open') channel.opened();
    else if (control?.type === 'closed') {
      finish(typeof control.code === 'number' ? control.code : DISPLAY_CLOSE.abnormal, typeof control.reason === 'string' ? control.reason : '');
      port.close();
    }
  });
  port.addEventListener('close', () => finish(DISPLAY_CLOSE.abnormal, 'the display connection was lost'));
  channel.bind({
    send: (bytes) => port.postMessage(bytes),
    close: () => {
      try {
        port.postMessage({ type: 'close' });
      } finally {
        port.close();
        finish(DISPLAY_CLOSE.normal, 'closed by the viewer');
      }
    },
  });
  port.start();
  return channel;
}

/** The part of the DOM WebSocket the display uses. */
export interface DisplaySocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { code: number; reason: string }) => void): void;
}

/** Binds a channel to the browser host's display WebSocket (raw RFB in binary frames; serve's relay does backpressure). */
export function bindDisplaySocket(channel: DisplayChannel, ws: DisplaySocketLike): DisplayChannel {
  ws.binaryType = 'arraybuffer';
  ws.addEventListener('open', () => channel.opened());
  ws.addEventListener('message', (ev) => {
    if (ev.data instanceof ArrayBuffer || ev.data instanceof Uint8Array) channel.received(ev.data);
  });
  ws.addEventListener('error', () => channel.failed());
  ws.addEventListener('close', (ev) => channel.closed(ev.code, ev.reason));
  channel.bind({ send: (bytes) => ws.send(bytes), close: () => ws.close(1000, 'closed by the viewer') });
  if (ws.readyState === 1) channel.opened();
  return channel;
}
