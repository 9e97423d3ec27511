import { deflateSync, inflateSync } from 'node:zlib';

/** The extended clipboard pseudo-encoding, as noVNC announces it. */
export const EXT_CLIPBOARD = -1063131698;
const TEXT = 1;
const CAPS = 1 << 24;
const REQUEST = 1 << 25;
const NOTIFY = 1 << 27;
const PROVIDE = 1 << 28;

/**
 * A small VNC client for tests, playing noVNC's clipboard part: RFB 3.8 with no authentication, raw encoding only
 * (so QEMU's framebuffer updates are easy to skip), and the extended clipboard when asked to announce it
 * (notify → request → provide, both ways, deflated text as noVNC and QEMU send it).
 */
export class RfbClipboardClient {
  /** Text that came from the server (the guest's clipboard). */
  readonly received: string[] = [];
  private buf = Buffer.alloc(0);
  private phase: 'version' | 'security' | 'result' | 'init' | 'messages' = 'version';
  private bpp = 4;
  private hostText = '';
  private readyResolve!: () => void;
  /** Resolves once ServerInit arrived and SetEncodings was sent. */
  readonly ready: Promise<void> = new Promise((r) => (this.readyResolve = r));
  private updates = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly send: (bytes: Uint8Array) => void,
    private readonly announceExtended: boolean,
  ) {}

  /** Bytes from the server. */
  feed(chunk: Uint8Array): void {
    this.buf = Buffer.concat([this.buf, Buffer.from(chunk)]);
    while (this.step()) {
      // keep parsing while whole units are here
    }
  }

  /** Copies text on the "host": the extended clipboard's notify when negotiated, else plain ClientCutText (Latin-1). */
  copy(text: string, how: 'extended' | 'plain'): void {
    this.hostText = text;
    if (how === 'extended') this.sendExt(NOTIFY | TEXT);
    else {
      const t = Buffer.from(text, 'latin1');
      const head = Buffer.alloc(8);
      head[0] = 6;
      head.writeInt32BE(t.length, 4);
      this.send(Buffer.concat([head, t]));
    }
  }

  /** Resolves once QEMU answered a full framebuffer request sent now: every message sent before it was processed. */
  async barrier(timeoutMs = 30_000): Promise<void> {
    const want = this.updates + 1;
    this.send(Buffer.from([3, 0, 0, 0, 0, 0, 0, 1, 0, 1])); // FramebufferUpdateRequest, non-incremental, 1×1
    await this.until(() => this.updates >= want, 'a framebuffer update', timeoutMs);
  }

  /** Resolves with the first received text that `match` accepts. */
  async waitText(match: (t: string) => boolean, timeoutMs = 60_000): Promise<string> {
    await this.until(() => this.received.some(match), `clipboard text from the guest (got ${JSON.stringify(this.received)})`, timeoutMs);
    return this.received.find(match)!;
  }

  private until(probe: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (probe()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        if (!probe()) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private sendExt(flags: number, payload: Buffer = Buffer.alloc(0)): void {
    const head = Buffer.alloc(12);
    head[0] = 6;
    head.writeInt32BE(-(4 + payload.length), 4);
    head.writeUInt32BE(flags >>> 0, 8);
    this.send(Buffer.concat([head, payload]));
  }

  private consume(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private step(): boolean {
    const b = this.buf;
    switch (this.phase) {
      case 'version':
        if (b.length < 12) return false;
        this.consume(12);
        this.send(Buffer.from('RFB 003.008\n', 'latin1'));
        this.phase = 'security';
        return true;
      case 'security': {
        if (b.length < 1 || b.length < 1 + b[0]!) return false;
        const types = [...this.consume(1 + b[0]!).subarray(1)];
        if (!types.includes(1)) throw new Error(`the server offers no "None" security type: ${types.join(',')}`);
        this.send(Buffer.from([1]));
        this.phase = 'result';
        return true;
      }
      case 'result':
        if (b.length < 4) return false;
        if (this.consume(4).readUInt32BE(0) !== 0) throw new Error('security handshake failed');
        this.send(Buffer.from([1])); // ClientInit, shared
        this.phase = 'init';
        return true;
      case 'init': {
        if (b.length < 24 || b.length < 24 + b.readUInt32BE(20)) return false;
        const init = this.consume(24 + b.readUInt32BE(20));
        this.bpp = init[4]! / 8;
        const encs = this.announceExtended ? [0, EXT_CLIPBOARD] : [0];
        const msg = Buffer.alloc(4 + 4 * encs.length);
        msg[0] = 2;
        msg.writeUInt16BE(encs.length, 2);
        encs.forEach((e, i) => msg.writeInt32BE(e, 4 + 4 * i));
        this.send(msg);
        this.phase = 'messages';
        this.readyResolve();
        return true;
      }
      case 'messages':
        return this.message();
    }
  }

  private message(): boolean {
    const b = this.buf;
    if (b.length < 1) return false;
    switch (b[0]) {
      case 0: {
        // FramebufferUpdate: raw rectangles only (the only encoding announced)
        if (b.length < 4) return false;
        let off = 4;
        for (let i = 0; i < b.readUInt16BE(2); i++) {
          if (b.length < off + 12) return false;
          const w = b.readUInt16BE(off + 4);
          const h = b.readUInt16BE(off + 6);
          const enc = b.readInt32BE(off + 8);
          if (enc !== 0) throw new Error(`unexpected encoding ${enc}`);
          off += 12 + w * h * this.bpp;
          if (b.length < off) return false;
        }
        this.consume(off);
        this.updates++;
        this.wake();
        return true;
      }
      case 2: // Bell
        this.consume(1);
        return true;
      case 3: {
        if (b.length < 8) return false;
        const len = b.readInt32BE(4);
        const size = Math.abs(len);
        if (b.length < 8 + size) return false;
        const payload = this.consume(8 + size).subarray(8);
        if (len >= 0) this.received.push(payload.toString('latin1'));
        else this.onExtended(payload.readUInt32BE(0), payload.subarray(4));
        this.wake();
        return true;
      }
      default:
        throw new Error(`unexpected server message ${b[0]}`);
    }
  }

  private onExtended(flags: number, data: Buffer): void {
    if (flags & CAPS) return;
    if (flags & NOTIFY && flags & TEXT) this.sendExt(REQUEST | TEXT);
    if (flags & REQUEST && flags & TEXT) {
      const text = Buffer.from(this.hostText + '\0', 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(text.length);
      this.sendExt(PROVIDE | TEXT, deflateSync(Buffer.concat([len, text])));
    }
    if (flags & PROVIDE && flags & TEXT) {
      const raw = inflateSync(data);
      const n = raw.readUInt32BE(0);
      this.received.push(raw.subarray(4, 4 + n).toString('utf8').replace(/\0$/, ''));
    }
  }
}
