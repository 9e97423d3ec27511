/**
 * QEMU guest agent framing (no I/O). Replies are JSON objects, one a line. Bytes can sit in the channel from an
 * agent that died mid-reply or a reply that came after its timeout, so a resync (`guest-sync-delimited`) makes the
 * agent send 0xFF first: everything before it is dropped, and the reply after it names the random id sent.
 */
export const QGA_DELIMITER = 0xff;

export class QgaFramer {
  private buf: Buffer = Buffer.alloc(0);
  private discarding = false;

  constructor(private readonly maxLineBytes = 1024 * 1024) {}

  /** Drop every byte until the next 0xFF (set before sending guest-sync-delimited). */
  discardUntilDelimiter(): void {
    this.discarding = true;
    this.buf = Buffer.alloc(0);
  }

  /** The complete JSON values in `chunk` (a line that is not JSON is reported as an Error item). */
  push(chunk: Buffer): Array<unknown> {
    let data = chunk;
    if (this.discarding) {
      const at = data.indexOf(QGA_DELIMITER);
      if (at < 0) return [];
      this.discarding = false;
      data = data.subarray(at + 1);
    }
    // A stray 0xFF outside a resync is not JSON; drop it rather than fail the line it precedes.
    this.buf = Buffer.concat([this.buf, data.filter((b) => b !== QGA_DELIMITER)]);
    const out: unknown[] = [];
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) break;
      const line = this.buf.subarray(0, nl).toString('utf8').trim();
      this.buf = this.buf.subarray(nl + 1);
      if (line === '') continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        out.push(new Error(`guest agent sent a line that is not JSON: ${line.slice(0, 80)}`));
      }
    }
    if (this.buf.length > this.maxLineBytes) {
      this.buf = Buffer.alloc(0);
      out.push(new Error(`guest agent sent a line longer than ${this.maxLineBytes} bytes`));
    }
    return out;
  }
}
