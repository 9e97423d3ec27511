import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { QmpFramer, encodeCommand, type FramedItem, type QmpJsonObject } from './framing.js';
import {
  QmpCommandError,
  QmpConnectError,
  QmpDisconnectedError,
  QmpError,
  QmpStateError,
  QmpTimeoutError,
} from './qmp-errors.js';
import type { QmpAnyEvent, QmpEvent, QmpEventName, QmpEventOf } from './qmp-events.js';
import type { QmpState } from './qmp-state.js';

export const DEFAULT_QMP_TIMEOUT_MS = 30_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

export interface QmpClientOptions {
  /** Per-command and per-event-wait timeout unless a call overrides it. */
  readonly defaultTimeoutMs?: number;
  readonly maxLineBytes?: number;
  /** How long close() waits for the peer to close its side before destroying the stream. */
  readonly closeTimeoutMs?: number;
}

export interface QmpCallOptions {
  /** `Infinity` waits forever. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export type QmpConnectOptions = QmpCallOptions;

export interface QmpVersionInfo {
  readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number };
  readonly package: string;
}

export interface QmpGreeting {
  readonly version: QmpVersionInfo;
  readonly capabilities: ReadonlyArray<string>;
}

export interface QmpProtocolDiagnostic {
  readonly kind: 'parse-error' | 'line-too-long' | 'unexpected-message' | 'unmatched-reply';
  readonly message: string;
  readonly excerpt?: string;
}

export interface QmpDisconnectInfo {
  readonly reason: string;
  /** True when close() started it. */
  readonly byClient: boolean;
  readonly error?: Error;
}

export interface QmpEventWaitOptions<E> {
  readonly predicate?: (event: E) => boolean;
  /** Defaults to the client's default timeout; `Infinity` waits until disconnect, cancel or abort. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Known event names get their payload type; any other name (and `'*'`) gets the untyped event. */
export type QmpEventFor<N extends string> = N extends QmpEventName ? QmpEventOf<N> : QmpAnyEvent;

/** A registered wait for one event: await it, or cancel() it to drop the listener early. */
export type QmpEventExpectation<E> = Promise<E> & { cancel(reason?: Error): void };

type AnyListener = (event: QmpAnyEvent) => void;

interface PendingCall {
  readonly command: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Waiter {
  fail(error: Error): void;
}

/**
 * A QMP protocol client over any Duplex (a unix socket in production, an in-memory pair in tests).
 * Requests carry unique ids and are matched by id, so replies may arrive in any order. Events go to
 * listeners registered with on()/expectEvent(); register before sending the command that triggers them.
 */
export class QmpClient {
  readonly #defaultTimeoutMs: number;
  readonly #maxLineBytes: number | undefined;
  readonly #closeTimeoutMs: number;

  #state: QmpState = 'idle';
  #stream: Duplex | undefined;
  #framer: QmpFramer | undefined;
  #greeting: QmpGreeting | undefined;
  #greetingWaiter: { resolve(greeting: QmpGreeting): void; reject(error: Error): void } | undefined;
  #streamClosed: Promise<void> = Promise.resolve();
  #lastDisconnect: QmpDisconnectInfo | undefined;
  #nextId = 1;

  readonly #pending = new Map<string, PendingCall>();
  readonly #waiters = new Set<Waiter>();
  readonly #eventListeners = new Map<string, Set<AnyListener>>();
  readonly #stateListeners = new Set<(state: QmpState, previous: QmpState) => void>();
  readonly #disconnectListeners = new Set<(info: QmpDisconnectInfo) => void>();
  readonly #diagnosticListeners = new Set<(diagnostic: QmpProtocolDiagnostic) => void>();

  constructor(options: QmpClientOptions = {}) {
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_QMP_TIMEOUT_MS;
    this.#maxLineBytes = options.maxLineBytes;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  get state(): QmpState {
    return this.#state;
  }

  /** The greeting of the current (or last) connection; holds the QEMU version. */
  get greeting(): QmpGreeting | undefined {
    return this.#greeting;
  }

  get lastDisconnect(): QmpDisconnectInfo | undefined {
    return this.#lastDisconnect;
  }

  /** Number of commands awaiting a reply (exposed for leak checks in tests). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Number of listeners of any kind currently registered for QMP events (for leak checks). */
  get eventListenerCount(): number {
    let n = 0;
    for (const set of this.#eventListeners.values()) n += set.size;
    return n;
  }

  // ---- connection lifecycle ------------------------------------------------------------------------------

  /** Take over a connected stream: wait for the greeting, negotiate capabilities, enter `running`. */
  async connect(stream: Duplex, options: QmpConnectOptions = {}): Promise<QmpGreeting> {
    this.#require('connect', ['idle', 'disconnected']);
    this.#setState('connecting');
    return this.#handshake(stream, options.timeoutMs ?? this.#defaultTimeoutMs, options.signal);
  }

  /** Connect to a QMP unix socket (QEMU is the server) and negotiate. */
  async connectUnix(path: string, options: QmpConnectOptions = {}): Promise<QmpGreeting> {
    this.#require('connectUnix', ['idle', 'disconnected']);
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    const started = Date.now();
    this.#setState('connecting');
    const socket = createConnection({ path });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = Number.isFinite(timeoutMs)
          ? setTimeout(() => reject(new QmpTimeoutError(`connecting to ${path}`, timeoutMs)), timeoutMs)
          : undefined;
        const onAbort = (): void => reject(abortReason(options.signal));
        const done = (): void => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          socket.off('connect', onConnect);
          socket.off('error', onError);
        };
        const onConnect = (): void => {
          done();
          resolve();
        };
        const onError = (err: Error): void => {
          done();
          reject(err);
        };
        if (options.signal?.aborted) {
          onAbort();
          return;
        }
        options.signal?.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', onConnect);
        socket.once('error', onError);
      });
    } catch (err) {
      socket.destroy();
      const error = err as Error;
      this.#finishDisconnect({ reason: `could not connect to ${path}: ${error.message}`, byClient: false, error });
      throw new QmpConnectError(`could not connect to QMP socket ${path}: ${error.message}`, { cause: error });
    }
    return this.#handshake(socket, Math.max(0, timeoutMs - (Date.now() - started)), options.signal);
  }

  /**
   * End the connection cleanly: half-close our side and resolve once the stream has closed. Commands still
   * in flight may get their replies meanwhile; whatever is left then rejects with QmpDisconnectedError.
   */
  async close(): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'disconnected') return;
    if (this.#state === 'disconnecting') return this.#streamClosed;
    const stream = this.#stream;
    this.#setState('disconnecting');
    if (!stream) return;
    const timer = setTimeout(() => stream.destroy(), this.#closeTimeoutMs);
    stream.end();
    try {
      await this.#streamClosed;
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- commands ------------------------------------------------------------------------------------------

  /** Send one command and resolve with its `return` value. Untyped; see QmpCommands for the typed layer. */
  execute<T = unknown>(command: string, args?: object, options: QmpCallOptions = {}): Promise<T> {
    // A wrong state rejects (never throws): callers chain .catch() on fire-and-forget commands like `quit`.
    try {
      this.#require(`execute(${command})`, ['running']);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#call(command, args, options) as Promise<T>;
  }

  // ---- events --------------------------------------------------------------------------------------------

  /** Listen to one event by name, or to all with `'*'`. Returns the unsubscribe function. */
  on<N extends string>(name: N, listener: (event: QmpEventFor<N>) => void): () => void {
    let set = this.#eventListeners.get(name);
    if (!set) {
      set = new Set();
      this.#eventListeners.set(name, set);
    }
    // Wrap so the same function registered twice gets two independent subscriptions.
    const entry: AnyListener = (event) => listener(event as QmpEventFor<N>);
    set.add(entry);
    return () => {
      const current = this.#eventListeners.get(name);
      if (!current) return;
      current.delete(entry);
      if (current.size === 0) this.#eventListeners.delete(name);
    };
  }

  /**
   * Register a wait for an event now and return it as a promise. Create it *before* executing the command
   * that triggers the event: `const stop = client.expectEvent('STOP'); await client.execute('stop'); await stop;`.
   * Timeout, abort, cancel() and disconnect all remove the listener. An expectation nobody awaits never
   * becomes an unhandled rejection.
   */
  expectEvent<N extends string>(
    name: N,
    options: QmpEventWaitOptions<QmpEventFor<N>> = {},
  ): QmpEventExpectation<QmpEventFor<N>> {
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    const { predicate, signal } = options;
    let cancel: (reason?: Error) => void = () => {};
    const promise = new Promise<QmpEventFor<N>>((resolve, reject) => {
      if (this.#state === 'disconnecting' || this.#state === 'disconnected') {
        reject(new QmpDisconnectedError(this.#lastDisconnect?.reason ?? 'not connected'));
        return;
      }
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        off();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      const fail = (error: Error): void => {
        done();
        reject(error);
      };
      const waiter: Waiter = { fail };
      const onAbort = (): void => fail(abortReason(signal));
      const off = this.on(name, (event) => {
        let matches: boolean;
        try {
          matches = predicate ? predicate(event) : true;
        } catch (err) {
          fail(err as Error);
          return;
        }
        if (!matches) return;
        done();
        resolve(event);
      });
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => fail(new QmpTimeoutError(`waiting for event ${name}`, timeoutMs)), timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      cancel = (reason) => fail(reason ?? new QmpError(`stopped waiting for event ${name}`));
    });
    promise.catch(() => {});
    return Object.assign(promise, { cancel: (reason?: Error) => cancel(reason) });
  }

  /** Same as expectEvent(); the name reads better when the command was already sent or none is needed. */
  waitForEvent<N extends string>(
    name: N,
    options?: QmpEventWaitOptions<QmpEventFor<N>>,
  ): QmpEventExpectation<QmpEventFor<N>> {
    return this.expectEvent(name, options);
  }

  onStateChange(listener: (state: QmpState, previous: QmpState) => void): () => void {
    return subscribe(this.#stateListeners, listener);
  }

  /** Fires once per connection, when it is gone (peer closed, stream error, close(), failed connect). */
  onDisconnected(listener: (info: QmpDisconnectInfo) => void): () => void {
    return subscribe(this.#disconnectListeners, listener);
  }

  /** Garbage from the peer: reported here and otherwise ignored, so one bad line does not kill the session. */
  onProtocolError(listener: (diagnostic: QmpProtocolDiagnostic) => void): () => void {
    return subscribe(this.#diagnosticListeners, listener);
  }

  // ---- internals -----------------------------------------------------------------------------------------

  #require(operation: string, allowed: ReadonlyArray<QmpState>): void {
    if (!allowed.includes(this.#state)) throw new QmpStateError(operation, allowed, this.#state);
  }

  #setState(next: QmpState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    for (const listener of [...this.#stateListeners]) listener(next, previous);
  }

  async #handshake(stream: Duplex, timeoutMs: number, signal: AbortSignal | undefined): Promise<QmpGreeting> {
    this.#attach(stream);
    const fail = (error: Error): void => this.#lose(`connect failed: ${error.message}`, error);
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => fail(new QmpTimeoutError('QMP greeting and negotiation', timeoutMs)), timeoutMs)
      : undefined;
    const onAbort = (): void => fail(abortReason(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) onAbort();
      const greeting = await new Promise<QmpGreeting>((resolve, reject) => {
        if (this.#state !== 'connecting') {
          reject(new QmpDisconnectedError(this.#lastDisconnect?.reason ?? 'stream unusable'));
          return;
        }
        this.#greetingWaiter = { resolve, reject };
      });
      this.#greeting = greeting;
      this.#setState('negotiating');
      await this.#call('qmp_capabilities', undefined, { timeoutMs: Infinity });
      this.#setState('running');
      return greeting;
    } catch (err) {
      const error = err as Error;
      this.#lose(`connect failed: ${error.message}`, error);
      throw new QmpConnectError(`QMP handshake failed: ${error.message}`, { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #attach(stream: Duplex): void {
    this.#stream = stream;
    this.#framer = new QmpFramer(this.#maxLineBytes === undefined ? {} : { maxLineBytes: this.#maxLineBytes });
    this.#greeting = undefined;
    let markClosed: () => void = () => {};
    this.#streamClosed = new Promise((resolve) => (markClosed = resolve));
    // Events from a stream this client has already let go of (or replaced) are ignored.
    const current = (): boolean => this.#stream === stream;
    const onData = (chunk: Buffer | string): void => {
      if (!current()) return;
      const items = this.#framer?.feed(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk) ?? [];
      for (const item of items) this.#onItem(item);
    };
    const onEnd = (): void => {
      if (!current()) return;
      for (const item of this.#framer?.end() ?? []) this.#onItem(item);
      this.#lose('peer closed the connection');
    };
    const onError = (error: Error): void => {
      if (current()) this.#lose(`stream error: ${error.message}`, error);
    };
    const onClose = (): void => {
      if (current()) this.#lose('stream closed');
      detach();
      markClosed();
    };
    const detach = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (stream.destroyed) {
      onClose();
    } else if (stream.readableEnded) {
      this.#lose('stream already ended');
    }
  }

  /** The connection is gone (or must go): settle everything waiting on it, exactly once per connection. */
  #lose(reason: string, error?: Error): void {
    if (this.#state === 'disconnected' || this.#state === 'idle') return;
    const byClient = this.#state === 'disconnecting';
    this.#finishDisconnect(
      byClient ? { reason: 'closed by client', byClient } : error ? { reason, byClient, error } : { reason, byClient },
    );
  }

  #finishDisconnect(info: QmpDisconnectInfo): void {
    this.#lastDisconnect = info;
    const stream = this.#stream;
    this.#stream = undefined;
    this.#framer = undefined;
    // Destroying makes 'close' fire, which is what close() waits for; errors after this point are expected noise.
    if (stream && !stream.destroyed) {
      stream.on('error', () => {});
      stream.destroy();
    }
    const failure = new QmpDisconnectedError(info.reason, info.error ? { cause: info.error } : undefined);
    const greetingWaiter = this.#greetingWaiter;
    this.#greetingWaiter = undefined;
    greetingWaiter?.reject(failure);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of pending) call.reject(failure);
    for (const waiter of [...this.#waiters]) waiter.fail(failure);
    this.#setState('disconnected');
    for (const listener of [...this.#disconnectListeners]) listener(info);
  }

  #call(command: string, args: object | undefined, options: QmpCallOptions): Promise<unknown> {
    const stream = this.#stream;
    if (!stream) return Promise.reject(new QmpDisconnectedError(this.#lastDisconnect?.reason ?? 'not connected'));
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    const { signal } = options;
    const id = `hangar-${this.#nextId++}`;
    return new Promise<unknown>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const onAbort = (): void => {
        done();
        reject(abortReason(signal));
      };
      this.#pending.set(id, {
        command,
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          done();
          reject(new QmpTimeoutError(command, timeoutMs));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      const message: Record<string, unknown> = { execute: command, id };
      if (args !== undefined) message.arguments = args;
      // Write failures surface as a stream 'error', which rejects this call through #lose().
      stream.write(encodeCommand(message));
    });
  }

  #onItem(item: FramedItem): void {
    switch (item.kind) {
      case 'message':
        this.#onMessage(item.message);
        return;
      case 'parse-error':
        this.#diagnose({ kind: 'parse-error', message: item.error, excerpt: item.excerpt });
        return;
      case 'line-too-long':
        this.#diagnose({ kind: 'line-too-long', message: item.error });
        return;
    }
  }

  #onMessage(message: QmpJsonObject): void {
    if ('QMP' in message) {
      this.#onGreeting(message);
      return;
    }
    if (typeof message.event === 'string') {
      this.#dispatchEvent(message);
      return;
    }
    if ('return' in message || 'error' in message) {
      this.#onReply(message);
      return;
    }
    this.#diagnose({ kind: 'unexpected-message', message: 'message is neither greeting, event nor reply', excerpt: shortJson(message) });
  }

  #onGreeting(message: QmpJsonObject): void {
    const waiter = this.#greetingWaiter;
    if (this.#state !== 'connecting' || !waiter) {
      this.#diagnose({ kind: 'unexpected-message', message: 'greeting after the handshake', excerpt: shortJson(message) });
      return;
    }
    this.#greetingWaiter = undefined;
    const greeting = parseGreeting(message.QMP);
    if (greeting) waiter.resolve(greeting);
    else waiter.reject(new QmpError(`malformed QMP greeting: ${shortJson(message)}`));
  }

  #onReply(message: QmpJsonObject): void {
    const id = message.id;
    const call = typeof id === 'string' ? this.#pending.get(id) : undefined;
    if (!call) {
      // Late replies to timed-out or aborted calls land here too; QEMU also omits the id when it cannot parse a request.
      this.#diagnose({ kind: 'unmatched-reply', message: `reply with unknown id ${JSON.stringify(id)}`, excerpt: shortJson(message) });
      return;
    }
    if ('error' in message) {
      const error = message.error as { class?: unknown; desc?: unknown } | null;
      call.reject(
        new QmpCommandError(call.command, String(error?.class ?? 'GenericError'), String(error?.desc ?? 'unknown error')),
      );
    } else {
      call.resolve(message.return);
    }
  }

  #dispatchEvent(message: QmpJsonObject): void {
    const event: QmpEvent = {
      event: message.event as string,
      data: message.data ?? {},
      timestamp: (message.timestamp as QmpEvent['timestamp'] | undefined) ?? { seconds: 0, microseconds: 0 },
    };
    const named = this.#eventListeners.get(event.event);
    const wildcard = this.#eventListeners.get('*');
    // Copy first: listeners commonly unsubscribe themselves (expectations do).
    const listeners = [...(named ?? []), ...(wildcard ?? [])];
    for (const listener of listeners) listener(event);
  }

  #diagnose(diagnostic: QmpProtocolDiagnostic): void {
    for (const listener of [...this.#diagnosticListeners]) listener(diagnostic);
  }
}

function subscribe<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new QmpError(`aborted${reason === undefined ? '' : `: ${String(reason)}`}`);
}

function parseGreeting(value: unknown): QmpGreeting | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, capabilities } = value as { version?: unknown; capabilities?: unknown };
  const qemu = (version as { qemu?: Record<string, unknown> } | undefined)?.qemu;
  if (!qemu || typeof qemu.major !== 'number' || typeof qemu.minor !== 'number' || typeof qemu.micro !== 'number') {
    return undefined;
  }
  const pkg = (version as { package?: unknown }).package;
  return {
    version: { qemu: { major: qemu.major, minor: qemu.minor, micro: qemu.micro }, package: typeof pkg === 'string' ? pkg : '' },
    capabilities: Array.isArray(capabilities) ? capabilities.filter((c): c is string => typeof c === 'string') : [],
  };
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
