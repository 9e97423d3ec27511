import type { MessageTransport } from '../../src-shared/contract/index.js';
import { transportListeners } from '../../src-shared/contract/transport-listeners.js';

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
  const listeners = transportListeners();
  ws.addEventListener('message', (ev) => {
    if (listeners.closed || typeof ev.data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(ev.data);
    } catch {
      return;
    }
    listeners.emit(message);
  });
  ws.addEventListener('close', (ev) => listeners.finish(ev.reason || `WebSocket closed (${ev.code})`));
  ws.addEventListener('error', () => listeners.finish('WebSocket error'));
  return {
    send(message) {
      if (listeners.closed || ws.readyState !== WS_OPEN) throw new Error('the engine connection is not open');
      ws.send(JSON.stringify(message));
    },
    onMessage: listeners.onMessage,
    onClose: listeners.onClose,
    close() {
      ws.close(1000, 'closed by the page');
      listeners.finish('closed by the page');
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
  const listeners = transportListeners();
  port.addEventListener('message', (ev) => {
    if (listeners.closed) return;
    listeners.emit(ev.data);
  });
  port.addEventListener('close', () => listeners.finish('the engine port closed'));
  port.start();
  return {
    send(message) {
      if (listeners.closed) throw new Error('the engine port is closed');
      port.postMessage(message);
    },
    onMessage: listeners.onMessage,
    onClose: listeners.onClose,
    close() {
      port.close();
      listeners.finish('closed by the page');
    },
  };
}
