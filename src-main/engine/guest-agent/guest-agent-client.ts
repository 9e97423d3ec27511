import { randomInt } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import { QgaFramer } from './qga-framing.js';
import { QGA_REPLIES, type QgaArguments, type QgaCommand, type QgaReply } from './qga-commands.js';

/**
 * `closed`: the socket is gone (QEMU ended). `unsynced`: connected, but the channel may hold stale bytes or no
 * agent may be listening; the next call resyncs first. `ready`: the last sync or command was answered.
 */
export type GuestAgentClientState = 'connecting' | 'unsynced' | 'syncing' | 'ready' | 'closed';

export class GuestAgentError extends Error {
  constructor(message: string, readonly kind: 'timeout' | 'closed' | 'command' | 'protocol') {
    super(message);
    this.name = 'GuestAgentError';
  }
}

export interface GuestAgentCallOptions {
  timeoutMs?: number;
}

export const DEFAULT_AGENT_TIMEOUT_MS = 5_000;

interface Waiter {
  accept(value: unknown): boolean;
  fail(error: Error): void;
}

/**
 * A client for qemu-ga on the `org.qemu.guest_agent.0` channel: QMP-like JSON, no greeting, no ids, no events.
 * One request at a time (replies carry nothing to match them by); the agent may be absent, or restart at any
 * moment, so every timeout leaves the client `unsynced` and the next call starts with `guest-sync-delimited`.
 */
export class GuestAgentClient {
  private state_: GuestAgentClientState = 'connecting';
  private readonly framer = new QgaFramer();
  private waiter: Waiter | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly closeListeners = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.framer.push(chunk)) {
        // Nothing waiting: a late reply to a call that timed out; the next call resyncs past it.
        if (this.waiter && !this.waiter.accept(item)) continue;
      }
    });
    socket.on('close', () => this.closed());
    socket.on('error', () => this.closed());
  }

  /** Connects to QEMU's end of the channel (QEMU listens whether or not an agent runs in the guest). */
  static connect(path: string, timeoutMs = DEFAULT_AGENT_TIMEOUT_MS): Promise<GuestAgentClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const timer = setTimeout(() => { socket.destroy(); reject(new GuestAgentError(`no connection to ${path} within ${timeoutMs} ms`, 'timeout')); }, timeoutMs);
      socket.once('error', (err) => { clearTimeout(timer); reject(new GuestAgentError(`cannot connect to the guest agent channel: ${err.message}`, 'closed')); });
      socket.once('connect', () => {
        clearTimeout(timer);
        const client = new GuestAgentClient(socket);
        client.state_ = 'unsynced';
        resolve(client);
      });
    });
  }

  get state(): GuestAgentClientState {
    return this.state_;
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Resyncs now (a guest that just opened its port, or a check that an agent is listening). */
  sync(opts: GuestAgentCallOptions = {}): Promise<void> {
    return this.serial(() => this.doSync(opts.timeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS));
  }

  /** Runs one command, resyncing first if needed; the reply is checked against the schema. */
  command<C extends QgaCommand>(command: C, ...rest: QgaArguments[C] extends undefined ? [args?: undefined, opts?: GuestAgentCallOptions] : [args: QgaArguments[C], opts?: GuestAgentCallOptions]): Promise<QgaReply<C>> {
    const [args, opts] = rest as [unknown, GuestAgentCallOptions | undefined];
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS;
    return this.serial(async () => {
      if (this.state_ !== 'ready') await this.doSync(timeoutMs);
      return this.call(command, args, timeoutMs);
    });
  }

  close(): void {
    this.socket.destroy();
    this.closed();
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.state_ === 'closed') throw new GuestAgentError('the guest agent channel is closed', 'closed');
      return run();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doSync(timeoutMs: number): Promise<void> {
    this.state_ = 'syncing';
    const id = randomInt(1, 2 ** 31 - 1);
    this.framer.discardUntilDelimiter();
    const reply = this.await((item) => isObject(item) && item['return'] === id, timeoutMs, 'guest-sync-delimited');
    this.write({ execute: 'guest-sync-delimited', arguments: { id } });
    await reply;
    this.state_ = 'ready';
  }

  private async call<C extends QgaCommand>(command: C, args: unknown, timeoutMs: number): Promise<QgaReply<C>> {
    const msg = args === undefined ? { execute: command } : { execute: command, arguments: args };
    if (command === 'guest-shutdown') {
      // No reply on success; an error reply (if any) arrives later and is skipped by the next resync.
      this.write(msg);
      this.state_ = 'unsynced';
      return undefined as QgaReply<C>;
    }
    const reply = this.await(() => true, timeoutMs, command);
    this.write(msg);
    const item = await reply;
    if (!isObject(item)) throw this.protocol(`guest agent replied to ${command} with something that is not an object`);
    if (isObject(item['error'])) {
      const desc = typeof item['error']['desc'] === 'string' ? item['error']['desc'].slice(0, 500) : 'unknown error';
      throw new GuestAgentError(`guest agent: ${command} failed: ${desc}`, 'command');
    }
    const parsed = QGA_REPLIES[command].safeParse(item['return']);
    if (!parsed.success) throw this.protocol(`guest agent replied to ${command} with an unexpected value`);
    return parsed.data as QgaReply<C>;
  }

  private protocol(message: string): GuestAgentError {
    this.state_ = 'unsynced';
    return new GuestAgentError(message, 'protocol');
  }

  private await(accept: (item: unknown) => boolean, timeoutMs: number, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        if (this.state_ !== 'closed') this.state_ = 'unsynced';
        reject(new GuestAgentError(`the guest agent did not answer ${what} within ${timeoutMs} ms (is qemu-ga running in the guest?)`, 'timeout'));
      }, timeoutMs);
      this.waiter = {
        accept: (item) => {
          if (item instanceof Error || !accept(item)) return false;
          clearTimeout(timer);
          this.waiter = null;
          resolve(item);
          return true;
        },
        fail: (error) => { clearTimeout(timer); this.waiter = null; reject(error); },
      };
    });
  }

  private write(msg: object): void {
    this.socket.write(`${JSON.stringify(msg)}\n`);
  }

  private closed(): void {
    if (this.state_ === 'closed') return;
    this.state_ = 'closed';
    this.waiter?.fail(new GuestAgentError('the guest agent channel closed', 'closed'));
    for (const l of this.closeListeners) l();
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
