// Runs the engine (out/main/engine.js) in an Electron utility process and supervises it:
// restarts after an unexpected exit with exponential backoff, tells every window about it
// (`engine:status`), and hands every window its own MessagePort to the engine (`engine:port`) once the
// window has loaded and again after each restart. Main keeps one port of its own (an EngineClient) for
// the quit flow. Main never speaks QMP; it only relays ports.
import { MessageChannelMain, utilityProcess } from 'electron';
import type { BrowserWindow, MessagePortMain, UtilityProcess } from 'electron';
import { EngineClient } from '../../src-shared/contract/client.js';
import type { EngineStatus } from '../../src-shared/contract/app-contract.js';
import { isAppUrl } from './app-url.js';
import { messagePortMainTransport } from './port-transport.js';
import { sendPortToRenderer, sendToRenderer } from './renderer-sends.js';

export interface BackoffOptions {
  /** Delay before the first restart. */
  initialMs: number;
  maxMs: number;
  /** An engine that stays up this long after `engine-ready` resets the attempt counter. */
  resetAfterMs: number;
  /** Consecutive failed restarts before giving up (state 'failed'). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000, maxAttempts: 10 };

/** 0.5 s, 1 s, 2 s, 4 s … capped at maxMs, for attempt 1, 2, 3 … */
export function backoffDelay(attempt: number, opts: Pick<BackoffOptions, 'initialMs' | 'maxMs'> = DEFAULT_BACKOFF): number {
  return Math.min(opts.initialMs * 2 ** Math.max(0, attempt - 1), opts.maxMs);
}

export interface EngineHostOptions {
  modulePath: string;
  args?: string[];
  backoff?: Partial<BackoffOptions>;
  /** An engine that has not posted `engine-ready` after this long is killed (and restarted). */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

interface TrackedWindow {
  win: BrowserWindow;
  loaded: boolean;
}

interface EngineReadyMessage {
  type: 'engine-ready';
  libraryDir: string;
  controlSocket: string;
}

function isEngineReady(msg: unknown): msg is EngineReadyMessage {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'engine-ready';
}

export class EngineHost {
  private readonly backoff: BackoffOptions;
  private readonly readyTimeoutMs: number;
  private readonly log: (line: string) => void;
  private readonly windows = new Set<TrackedWindow>();
  private child: UtilityProcess | null = null;
  private ready = false;
  private stopping = false;
  private attempt = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  private mainClient: EngineClient | null = null;
  private readyWaiters: Array<(client: EngineClient | null) => void> = [];
  private currentStatus: EngineStatus | null = null;
  libraryDir: string | null = null;

  constructor(private readonly opts: EngineHostOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Forks the engine. Only after app `ready` (utilityProcess.fork refuses earlier). */
  start(): void {
    if (this.child || this.stopping) return;
    this.spawn();
  }

  get status(): EngineStatus | null {
    return this.currentStatus;
  }

  /** Main's own engine connection, or null while the engine is not ready. */
  get client(): EngineClient | null {
    return this.ready ? this.mainClient : null;
  }

  /** Resolves with main's client once the engine is ready (null on timeout, failure or stop). */
  whenReady(timeoutMs: number): Promise<EngineClient | null> {
    if (this.client) return Promise.resolve(this.client);
    if (this.stopping || this.currentStatus?.state === 'failed') return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), timeoutMs);
      const done = (client: EngineClient | null): void => {
        clearTimeout(timer);
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        resolve(client);
      };
      this.readyWaiters.push(done);
    });
  }

  /** Posts a control message with transferred ports to the engine (e.g. `attach-display`); false while it is not ready. */
  postToEngine(message: unknown, ports: MessagePortMain[]): boolean {
    if (!this.child || !this.ready) return false;
    this.child.postMessage(message, ports);
    return true;
  }

  /** The window gets the current status and a port on every load, and a fresh port after each restart. */
  addWindow(win: BrowserWindow): void {
    const tracked: TrackedWindow = { win, loaded: false };
    this.windows.add(tracked);
    win.webContents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) tracked.loaded = false;
    });
    win.webContents.on('did-finish-load', () => {
      tracked.loaded = true;
      if (this.currentStatus) this.sendStatus(tracked, this.currentStatus);
      if (this.ready) this.sendPort(tracked);
    });
    win.on('closed', () => this.windows.delete(tracked));
  }

  /**
   * Stops supervising and ends the engine with SIGTERM: the engine closes its clients and leaves VMs
   * running (`Engine.close()`). Resolves when it has exited, or after `timeoutMs`.
   */
  stop(timeoutMs = 5_000): Promise<void> {
    this.stopping = true;
    this.clearTimers();
    this.flushWaiters(null);
    const child = this.child;
    this.mainClient?.close();
    this.mainClient = null;
    this.ready = false;
    if (!child) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log('hangar: the engine did not exit in time');
        resolve();
      }, timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill();
    });
  }

  private spawn(): void {
    let child: UtilityProcess;
    try {
      child = utilityProcess.fork(this.opts.modulePath, this.opts.args ?? [], { serviceName: 'hangar-engine', stdio: 'pipe' });
    } catch (err) {
      this.log(`hangar: could not start the engine: ${(err as Error).message}`);
      this.onExit(null, -1);
      return;
    }
    this.child = child;
    this.ready = false;
    const relay = (chunk: Buffer | string): void => {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') this.log(`engine: ${line}`);
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    child.on('message', (message: unknown) => this.onMessage(child, message));
    child.on('exit', (code: number) => this.onExit(child, code));
    this.readyTimer = setTimeout(() => {
      this.log(`hangar: the engine did not become ready within ${this.readyTimeoutMs} ms; restarting it`);
      child.kill();
    }, this.readyTimeoutMs);
  }

  private onMessage(child: UtilityProcess, message: unknown): void {
    if (child !== this.child || this.ready || !isEngineReady(message)) return;
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.readyTimer = null;
    this.ready = true;
    this.libraryDir = typeof message.libraryDir === 'string' ? message.libraryDir : null;
    this.mainClient = new EngineClient(messagePortMainTransport(this.attachPort(child)));
    this.stableTimer = setTimeout(() => {
      this.stableTimer = null;
      this.attempt = 0;
    }, this.backoff.resetAfterMs);
    this.setStatus({ state: 'ready', attempt: this.attempt });
    for (const tracked of this.windows) if (tracked.loaded) this.sendPort(tracked);
    this.flushWaiters(this.mainClient);
  }

  private onExit(child: UtilityProcess | null, code: number): void {
    if (child && child !== this.child) return;
    this.child = null;
    this.ready = false;
    this.clearTimers();
    this.mainClient?.close();
    this.mainClient = null;
    if (this.stopping) return;
    this.attempt += 1;
    if (this.attempt > this.backoff.maxAttempts) {
      this.log(`hangar: the engine exited (code ${code}) ${this.backoff.maxAttempts} times in a row; giving up`);
      this.setStatus({ state: 'failed', attempt: this.attempt - 1 });
      this.flushWaiters(null);
      return;
    }
    const delay = backoffDelay(this.attempt, this.backoff);
    this.log(`hangar: the engine exited unexpectedly (code ${code}); restart ${this.attempt} in ${delay} ms`);
    this.setStatus({ state: 'restarting', attempt: this.attempt });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.spawn();
    }, delay);
  }

  /** A new channel: port1 goes to the engine (`attach-port`), port2 is returned to the caller. */
  private attachPort(child: UtilityProcess): MessagePortMain {
    const { port1, port2 } = new MessageChannelMain();
    child.postMessage({ type: 'attach-port' }, [port1]);
    return port2;
  }

  private sendPort(tracked: TrackedWindow): void {
    const { win } = tracked;
    if (!this.child || !this.ready || win.isDestroyed()) return;
    // Only our own page gets a connection to the engine.
    if (!isAppUrl(win.webContents.getURL())) return;
    sendPortToRenderer(win.webContents, 'engine:port', null, this.attachPort(this.child));
  }

  private sendStatus(tracked: TrackedWindow, status: EngineStatus): void {
    if (!tracked.win.isDestroyed()) sendToRenderer(tracked.win.webContents, 'engine:status', status);
  }

  private setStatus(status: EngineStatus): void {
    this.currentStatus = status;
    for (const tracked of this.windows) this.sendStatus(tracked, status);
  }

  private flushWaiters(client: EngineClient | null): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w(client);
  }

  private clearTimers(): void {
    for (const t of [this.restartTimer, this.readyTimer, this.stableTimer]) if (t) clearTimeout(t);
    this.restartTimer = this.readyTimer = this.stableTimer = null;
  }
}
