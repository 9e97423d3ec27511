// From the modules themselves, not contract/index.js: its command schemas would pull zod into the first paint.
import { EngineClient } from '../../src-shared/contract/client.js';
import { EngineError } from '../../src-shared/contract/errors.js';
import type { CommandArgs, CommandName, CommandResult, EngineEvent, MessageTransport, VmEvent } from '../../src-shared/contract/index.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * Makes one connection attempt: calls `open` with a usable transport, or `fail` if it cannot. Returns a
 * function that abandons the attempt. A connector whose connections are pushed from outside (Electron's
 * ports) may never call either and deliver transports through `EngineConnection.adopt` instead.
 */
export type Connector = (handlers: { open(transport: MessageTransport): void; fail(reason: string): void }) => () => void;

export interface EngineConnectionOptions {
  /** Delay before reconnect attempt n (0-based); default 250 ms doubling up to 10 s. */
  backoffMs?: (attempt: number) => number;
  /** How long a call made while disconnected waits for the connection (default 15 s). */
  waitForOpenMs?: number;
}

export const defaultBackoff = (attempt: number): number => Math.min(10_000, 250 * 2 ** attempt);

/**
 * The engine side of the HangarApi over a connection that can drop: connection state, automatic
 * reconnect with backoff, a fresh EngineClient per connection. Calls made while not connected wait for
 * the connection (up to `waitForOpenMs`); calls in flight when it drops fail with an `io` error.
 * Listeners of `onEvent` stay subscribed across reconnects; after one, clients should reload what they
 * show (events may have been missed), which is what a change to 'open' tells them.
 */
export class EngineConnection {
  private state: ConnectionState = 'connecting';
  private client: EngineClient | null = null;
  private transport: MessageTransport | null = null;
  private attempt = 0;
  private cancelAttempt: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private readonly eventListeners = new Set<(e: VmEvent | EngineEvent) => void>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly waiters = new Set<{ resolve: (c: EngineClient) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly backoff: (attempt: number) => number;
  private readonly waitForOpenMs: number;

  constructor(
    private readonly connector: Connector,
    options: EngineConnectionOptions = {},
  ) {
    this.backoff = options.backoffMs ?? defaultBackoff;
    this.waitForOpenMs = options.waitForOpenMs ?? 15_000;
  }

  /** Starts the first attempt. */
  start(): this {
    this.tryConnect();
    return this;
  }

  connection(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onEvent(listener: (e: VmEvent | EngineEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async call<K extends CommandName>(command: K, args: CommandArgs<K>, connection?: string): Promise<CommandResult<K>> {
    const client = this.client ?? (await this.waitForClient());
    return client.call(command, args, connection);
  }

  /** Uses a transport that arrived from outside (a new Electron port): replaces the current one. */
  adopt(transport: MessageTransport): void {
    if (this.disposed) {
      transport.close();
      return;
    }
    this.clearRetry();
    this.cancelAttempt?.();
    this.cancelAttempt = null;
    this.dropCurrent();
    this.opened(transport);
  }

  /** Closes the current connection (e.g. the shell says the engine is restarting); reconnects as usual. */
  drop(): void {
    this.transport?.close();
  }

  dispose(): void {
    this.disposed = true;
    this.clearRetry();
    this.cancelAttempt?.();
    this.dropCurrent();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new EngineError('io', 'the engine connection was closed'));
    }
    this.waiters.clear();
    this.setState('closed');
  }

  private waitForClient(): Promise<EngineClient> {
    if (this.disposed) return Promise.reject(new EngineError('io', 'the engine connection was closed'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new EngineError('io', 'not connected to the Hangar engine (still trying to reconnect)'));
        }, this.waitForOpenMs),
      };
      this.waiters.add(waiter);
    });
  }

  private tryConnect(): void {
    if (this.disposed) return;
    this.setState('connecting');
    let settled = false;
    this.cancelAttempt = this.connector({
      open: (transport) => {
        if (settled || this.disposed) return transport.close();
        settled = true;
        this.cancelAttempt = null;
        this.opened(transport);
      },
      fail: () => {
        if (settled) return;
        settled = true;
        this.cancelAttempt = null;
        this.lost();
      },
    });
  }

  private opened(transport: MessageTransport): void {
    const client = new EngineClient(transport);
    this.transport = transport;
    this.client = client;
    this.attempt = 0;
    client.onEvent((e) => {
      for (const l of this.eventListeners) l(e);
    });
    transport.onClose(() => {
      if (this.transport !== transport) return; // replaced already
      this.transport = null;
      this.client = null;
      this.lost();
    });
    this.setState('open');
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(client);
    }
    this.waiters.clear();
  }

  private dropCurrent(): void {
    const t = this.transport;
    this.transport = null;
    this.client = null;
    t?.close();
  }

  private lost(): void {
    if (this.disposed) return;
    this.setState('closed');
    this.clearRetry();
    const delay = this.backoff(this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.tryConnect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }
}
