import { Duplex } from 'node:stream';

/**
 * A scripted QMP peer (plays QEMU) over an in-memory duplex pair. Tests hand `clientStream` to a QmpClient,
 * then either register auto-replies with handle() or take commands one by one with nextCommand() and answer
 * them in any order, interleave events, send garbage or split chunks, and disconnect whenever they like.
 */

export interface ReceivedCommand {
  readonly execute: string;
  readonly id: unknown;
  readonly arguments: Readonly<Record<string, unknown>> | undefined;
  readonly line: string;
}

export type FakeReply = { readonly return: unknown } | { readonly error: { readonly class: string; readonly desc: string } };

/** Returns the reply to send, or undefined to leave the command to nextCommand(). */
export type FakeHandler = (command: ReceivedCommand, peer: FakeQmpPeer) => FakeReply | undefined;

export interface FakeQmpPeerOptions {
  /** The greeting object, or false to send none (the test sends it itself, or tests a missing greeting). */
  readonly greeting?: Record<string, unknown> | false;
  /** Answer qmp_capabilities with `{return:{}}` (default true). */
  readonly autoCapabilities?: boolean;
  /** End our side when the client ends its side, like QEMU does (default true). */
  readonly closeOnClientEnd?: boolean;
}

export const FAKE_GREETING = {
  QMP: { version: { qemu: { micro: 22, minor: 2, major: 7 }, package: 'fake 7.2' }, capabilities: ['oob'] },
};

/** Two connected Duplex ends: bytes written to one are read from the other; ending one ends the other's reading. */
export function createDuplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const readEnded = [false, false];
  const make = (self: number): Duplex => {
    const other = 1 - self;
    const endOther = (): void => {
      if (readEnded[other]) return;
      readEnded[other] = true;
      ends[other]?.push(null);
    };
    return new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        const peer = ends[other];
        if (peer && !peer.destroyed && !readEnded[other]) peer.push(Buffer.from(chunk));
        callback();
      },
      final(callback) {
        endOther();
        callback();
      },
      destroy(error, callback) {
        // An abrupt close looks like EOF to the other side, as a reset unix socket would.
        endOther();
        callback(error);
      },
    });
  };
  ends.push(make(0), make(1));
  return [ends[0] as Duplex, ends[1] as Duplex];
}

export class FakeQmpPeer {
  readonly clientStream: Duplex;
  readonly peerStream: Duplex;
  /** Every command received, in arrival order (including auto-answered ones). */
  readonly received: ReceivedCommand[] = [];

  readonly #handlers = new Map<string, FakeHandler>();
  readonly #queue: ReceivedCommand[] = [];
  readonly #takers: { name: string | undefined; resolve(command: ReceivedCommand): void }[] = [];
  #buffer = Buffer.alloc(0);
  #clientEnded = false;
  readonly #clientEndWaiters: (() => void)[] = [];

  constructor(options: FakeQmpPeerOptions = {}) {
    [this.clientStream, this.peerStream] = createDuplexPair();
    if (options.autoCapabilities ?? true) this.handle('qmp_capabilities', () => ({ return: {} }));
    this.peerStream.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.peerStream.on('end', () => {
      this.#clientEnded = true;
      for (const waiter of this.#clientEndWaiters.splice(0)) waiter();
      if ((options.closeOnClientEnd ?? true) && !this.peerStream.writableEnded) this.peerStream.end();
    });
    this.peerStream.on('error', () => {});
    const greeting = options.greeting ?? FAKE_GREETING;
    if (greeting !== false) this.sendJson(greeting);
  }

  /** Auto-answer every future `name` command (return undefined from the handler to pass one through). */
  handle(name: string, handler: FakeHandler): this {
    this.#handlers.set(name, handler);
    return this;
  }

  /** The next command not answered by a handler (optionally: the next one with this name). */
  nextCommand(name?: string): Promise<ReceivedCommand> {
    const index = this.#queue.findIndex((c) => name === undefined || c.execute === name);
    if (index >= 0) return Promise.resolve(this.#queue.splice(index, 1)[0] as ReceivedCommand);
    return new Promise((resolve) => this.#takers.push({ name, resolve }));
  }

  reply(command: ReceivedCommand, value: unknown = {}): void {
    this.sendJson({ return: value, id: command.id });
  }

  replyError(command: ReceivedCommand, errorClass: string, desc: string): void {
    this.sendJson({ error: { class: errorClass, desc }, id: command.id });
  }

  sendEvent(event: string, data?: unknown): void {
    const now = Date.now();
    const timestamp = { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 };
    this.sendJson(data === undefined ? { timestamp, event } : { timestamp, event, data });
  }

  sendJson(message: unknown): void {
    this.sendRaw(`${JSON.stringify(message)}\r\n`);
  }

  /** Bytes exactly as given, as one chunk. */
  sendRaw(data: string | Buffer): void {
    if (!this.peerStream.writableEnded && !this.peerStream.destroyed) this.peerStream.write(data);
  }

  /** The same bytes split at the given byte offsets, each piece as its own chunk. */
  sendSplit(data: string | Buffer, offsets: ReadonlyArray<number>): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let start = 0;
    for (const offset of [...offsets, bytes.length]) {
      this.sendRaw(bytes.subarray(start, offset));
      start = offset;
    }
  }

  /** Close our side cleanly (EOF to the client). */
  end(): void {
    this.peerStream.end();
  }

  /** Drop the connection abruptly. */
  destroy(): void {
    this.peerStream.destroy();
  }

  /** Resolves when the client has ended its side of the stream. */
  clientEnded(): Promise<void> {
    if (this.#clientEnded) return Promise.resolve();
    return new Promise((resolve) => this.#clientEndWaiters.push(resolve));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (let nl = this.#buffer.indexOf(0x0a); nl >= 0; nl = this.#buffer.indexOf(0x0a)) {
      const line = this.#buffer.subarray(0, nl).toString('utf8');
      this.#buffer = this.#buffer.subarray(nl + 1);
      if (line.trim() !== '') this.#onLine(line);
    }
  }

  #onLine(line: string): void {
    const parsed = JSON.parse(line) as { execute: string; id?: unknown; arguments?: Record<string, unknown> };
    const command: ReceivedCommand = { execute: parsed.execute, id: parsed.id, arguments: parsed.arguments, line };
    this.received.push(command);
    const reply = this.#handlers.get(command.execute)?.(command, this);
    if (reply) {
      this.sendJson({ ...reply, id: command.id });
      return;
    }
    const takerIndex = this.#takers.findIndex((t) => t.name === undefined || t.name === command.execute);
    if (takerIndex >= 0) {
      const [taker] = this.#takers.splice(takerIndex, 1);
      taker?.resolve(command);
    } else {
      this.#queue.push(command);
    }
  }
}

/** A client stream plus peer, greeted and ready for `client.connect(peer.clientStream)`. */
export function createFakeQmpPeer(options?: FakeQmpPeerOptions): FakeQmpPeer {
  return new FakeQmpPeer(options);
}
