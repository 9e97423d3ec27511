import type { MessageTransport } from '../../src-shared/contract/index.js';

/** The part of the DOM WebSocket the transport uses (a fake in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { code: number; reason: string }) => void): void;
}

const WS_OPEN = 1;

/**
 * The engine contract over one open WebSocket (browser host): one JSON message per text frame.
 * Frames that are not JSON are dropped (the host only relays what the engine wrote).
 */
export function webSocketTransport(ws: WebSocketLike): MessageTransport {
  const messageListeners: Array<(m: unknown) => void> = [];
  const closeListeners: Array<(reason: string) => void> = [];
  let closed = false;
  const finish = (reason: string): void => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  ws.addEventListener('message', (ev) => {
    if (closed || typeof ev.data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(ev.data);
    } catch {
      return;
    }
    for (const l of messageListeners) l(message);
  });
  ws.addEventListener('close', (ev) => finish(ev.reason || `WebSocket closed (${ev.code})`));
  ws.addEventListener('error', () => finish('WebSocket error'));
  return {
    send(message) {
      if (closed || ws.readyState !== WS_OPEN) throw new Error('the engine connection is not open');
      ws.send(JSON.stringify(message));
    },
    onMessage: (l) => void messageListeners.push(l),
    onClose: (l) => void closeListeners.push(l),
    close() {
      ws.close(1000, 'closed by the page');
      finish('closed by the page');
    },
  };
}

/** The part of the DOM MessagePort the transport uses. */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'messageerror' | 'close', listener: () => void): void;
}

/**
 * The engine contract over a MessagePort (Electron: the port the main process hands the window through
 * the preload). Structured clone, so messages go as they are. A port cannot tell when its peer is gone
 * (except in Chromium's `close` event, used when present); the bridge also closes it when the shell
 * reports the engine restarting.
 */
export function messagePortTransport(port: MessagePortLike): MessageTransport {
  const messageListeners: Array<(m: unknown) => void> = [];
  const closeListeners: Array<(reason: string) => void> = [];
  let closed = false;
  const finish = (reason: string): void => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  port.addEventListener('message', (ev) => {
    if (closed) return;
    for (const l of messageListeners) l(ev.data);
  });
  port.addEventListener('close', () => finish('the engine port closed'));
  port.start();
  return {
    send(message) {
      if (closed) throw new Error('the engine port is closed');
      port.postMessage(message);
    },
    onMessage: (l) => void messageListeners.push(l),
    onClose: (l) => void closeListeners.push(l),
    close() {
      port.close();
      finish('closed by the page');
    },
  };
}
