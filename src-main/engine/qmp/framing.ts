/**
 * QMP wire framing with no I/O: QEMU writes one JSON object per line. Lines are split on the LF byte before
 * decoding, so a chunk boundary inside a multi-byte UTF-8 character is harmless (0x0A never occurs inside one).
 */

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** How much of a bad line a diagnostic keeps, so a huge garbage line does not end up in logs whole. */
const EXCERPT_CHARS = 200;

export type QmpJsonObject = { readonly [key: string]: unknown };

export type FramedItem =
  | { readonly kind: 'message'; readonly message: QmpJsonObject }
  | { readonly kind: 'parse-error'; readonly error: string; readonly excerpt: string }
  | { readonly kind: 'line-too-long'; readonly error: string; readonly bytes: number };

export interface QmpFramerOptions {
  readonly maxLineBytes?: number;
}

export class QmpFramer {
  readonly #maxLineBytes: number;
  #parts: Buffer[] = [];
  #partBytes = 0;
  /** Set after an over-long line was reported: drop bytes until its newline arrives. */
  #discarding = false;
  #discardedBytes = 0;

  constructor(options: QmpFramerOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Feed bytes as they arrive; returns every item completed by this chunk, in order. */
  feed(chunk: Buffer): FramedItem[] {
    const items: FramedItem[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.#append(chunk.subarray(start), items);
        break;
      }
      this.#append(chunk.subarray(start, nl), items);
      this.#finishLine(items);
      start = nl + 1;
    }
    return items;
  }

  /** The stream ended: a leftover partial line is reported rather than silently dropped. */
  end(): FramedItem[] {
    const items: FramedItem[] = [];
    if (this.#discarding) {
      this.#finishLine(items);
    } else if (this.#partBytes > 0) {
      const text = this.#takeLine();
      if (text.trim() !== '') items.push({ kind: 'parse-error', error: 'stream ended inside a message', excerpt: excerpt(text) });
    }
    return items;
  }

  #append(bytes: Buffer, items: FramedItem[]): void {
    if (bytes.length === 0) return;
    if (this.#discarding) {
      this.#discardedBytes += bytes.length;
      return;
    }
    if (this.#partBytes + bytes.length > this.#maxLineBytes) {
      const bytesSoFar = this.#partBytes + bytes.length;
      this.#parts = [];
      this.#partBytes = 0;
      this.#discarding = true;
      this.#discardedBytes = bytesSoFar;
      // Reported now, not at the newline, so a peer that never sends one cannot hold memory hostage silently.
      items.push({
        kind: 'line-too-long',
        error: `QMP line exceeds ${this.#maxLineBytes} bytes; discarding it`,
        bytes: bytesSoFar,
      });
      return;
    }
    this.#parts.push(Buffer.from(bytes)); // copy: callers may reuse their chunk buffers
    this.#partBytes += bytes.length;
  }

  #finishLine(items: FramedItem[]): void {
    if (this.#discarding) {
      this.#discarding = false;
      this.#discardedBytes = 0;
      return;
    }
    const line = this.#takeLine();
    const item = parseLine(line);
    if (item) items.push(item);
  }

  #takeLine(): string {
    const text = Buffer.concat(this.#parts, this.#partBytes).toString('utf8');
    this.#parts = [];
    this.#partBytes = 0;
    return text;
  }
}

function parseLine(line: string): FramedItem | undefined {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'parse-error', error: `invalid JSON: ${(err as Error).message}`, excerpt: excerpt(text) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'parse-error', error: 'QMP message is not a JSON object', excerpt: excerpt(text) };
  }
  return { kind: 'message', message: value as QmpJsonObject };
}

function excerpt(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/** One command as a wire line. QEMU's parser is a stream parser; the newline just keeps logs and fakes simple. */
export function encodeCommand(message: QmpJsonObject): Buffer {
  return Buffer.from(`${JSON.stringify(message)}\n`, 'utf8');
}
