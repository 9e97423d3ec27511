import { connect, type Socket } from 'node:net';

/** Whether a guest's screen changed since the last look (the thumbnails' question). */
export interface ScreenChanges {
  /** True once the watcher has QEMU's picture of the screen as it is now; false when it cannot tell (capture anyway). */
  readonly ready: Promise<boolean>;
  /** Whether the screen changed since the previous call (always true when the watcher cannot tell); watches on. */
  takeChanged(): boolean;
  close(): void;
}

// RFB client → server message types and the encodings this client accepts.
const SET_PIXEL_FORMAT = 0;
const SET_ENCODINGS = 2;
const UPDATE_REQUEST = 3;
const ENCODING_RAW = 0;
const ENCODING_DESKTOP_SIZE = -223;
/** A server name longer than this is not QEMU's. */
const MAX_NAME = 64 * 1024;

/**
 * Asks QEMU's own VNC server whether the screen changed, instead of taking a screendump to find out. A second,
 * shared RFB connection on the VM's vnc.sock, 8 bits per pixel, Raw encoding: after the first full picture it
 * keeps one incremental FramebufferUpdateRequest outstanding, and QEMU (which tracks dirty regions per client)
 * answers it only when something on the screen changed. The answer's pixels are skipped, not kept; no new
 * request is sent until the thumbnails have asked (takeChanged), so a busy screen costs one update per round.
 */
export class VncScreenChanges implements ScreenChanges {
  readonly ready: Promise<boolean>;
  /** FramebufferUpdate messages received (the first, full one included). */
  updates = 0;
  private resolveReady!: (ok: boolean) => void;
  private readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private stage: 'version' | 'security' | 'security-result' | 'server-init' | 'messages' = 'version';
  private width = 0;
  private height = 0;
  private skip = 0;
  private rectsLeft = 0;
  private inUpdate = false;
  private sawRect = false;
  private baseline = true;
  private outstanding = false;
  private changed = false;
  private broken = false;

  constructor(socketPath: string) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.socket = connect(socketPath);
    this.socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      try {
        this.pump();
      } catch {
        this.fail();
      }
    });
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => this.fail());
  }

  takeChanged(): boolean {
    if (this.broken) return true;
    const changed = this.changed;
    this.changed = false;
    if (this.stage === 'messages' && !this.outstanding) this.request(true);
    return changed;
  }

  close(): void {
    this.fail();
  }

  private fail(): void {
    this.broken = true;
    this.resolveReady(false);
    this.socket.destroy();
  }

  private request(incremental: boolean): void {
    const m = Buffer.alloc(10);
    m.writeUInt8(UPDATE_REQUEST, 0);
    m.writeUInt8(incremental ? 1 : 0, 1);
    m.writeUInt16BE(this.width, 6);
    m.writeUInt16BE(this.height, 8);
    this.outstanding = true;
    this.socket.write(m);
  }

  private take(n: number): Buffer | null {
    if (this.buf.length < n) return null;
    const head = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return head;
  }

  private pump(): void {
    while (!this.broken) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length);
        if (n === 0) return;
        this.skip -= n;
        this.buf = this.buf.subarray(n);
        continue;
      }
      if (this.inUpdate) {
        if (this.rectsLeft === 0) {
          this.inUpdate = false;
          this.updateDone();
          continue;
        }
        const r = this.take(12);
        if (!r) return;
        this.rectsLeft--;
        const [w, h, encoding] = [r.readUInt16BE(4), r.readUInt16BE(6), r.readInt32BE(8)];
        if (encoding === ENCODING_RAW) this.skip = w * h;
        else if (encoding === ENCODING_DESKTOP_SIZE) [this.width, this.height] = [w, h];
        else throw new Error(`encoding ${encoding} was not asked for`);
        this.sawRect = true;
        continue;
      }
      if (!this.step()) return;
    }
  }

  /** One handshake step or server message header; false when more bytes are needed. */
  private step(): boolean {
    switch (this.stage) {
      case 'version': {
        const v = this.take(12);
        if (!v) return false;
        if (!v.toString('latin1').startsWith('RFB 003.')) throw new Error('not an RFB server');
        this.socket.write('RFB 003.008\n');
        this.stage = 'security';
        return true;
      }
      case 'security': {
        const n = this.buf[0];
        if (n === undefined || this.buf.length < 1 + n) return false;
        const types = [...this.take(1 + n)!.subarray(1)];
        if (!types.includes(1)) throw new Error('the VNC server wants authentication');
        this.socket.write(Buffer.from([1]));
        this.stage = 'security-result';
        return true;
      }
      case 'security-result': {
        const r = this.take(4);
        if (!r) return false;
        if (r.readUInt32BE(0) !== 0) throw new Error('refused');
        this.socket.write(Buffer.from([1])); // ClientInit: shared, never disconnect the user's own display
        this.stage = 'server-init';
        return true;
      }
      case 'server-init': {
        if (this.buf.length < 24) return false;
        const nameLength = this.buf.readUInt32BE(20);
        if (nameLength > MAX_NAME) throw new Error('server name too long');
        const init = this.take(24 + nameLength);
        if (!init) return false;
        [this.width, this.height] = [init.readUInt16BE(0), init.readUInt16BE(2)];
        // 8 bits per pixel true colour (BGR233): a quarter of the bytes to skip of QEMU's default 32.
        const pf = Buffer.alloc(20);
        pf.writeUInt8(SET_PIXEL_FORMAT, 0);
        pf.set([8, 8, 0, 1], 4);
        pf.writeUInt16BE(7, 8);
        pf.writeUInt16BE(7, 10);
        pf.writeUInt16BE(3, 12);
        pf.set([0, 3, 6], 14);
        const enc = Buffer.alloc(12);
        enc.writeUInt8(SET_ENCODINGS, 0);
        enc.writeUInt16BE(2, 2);
        enc.writeInt32BE(ENCODING_RAW, 4);
        enc.writeInt32BE(ENCODING_DESKTOP_SIZE, 8);
        this.socket.write(Buffer.concat([pf, enc]));
        this.stage = 'messages';
        this.request(false); // the whole screen once: the baseline later changes are told against
        return true;
      }
      case 'messages': {
        const type = this.buf[0];
        if (type === undefined) return false;
        if (type === 0) {
          const h = this.take(4);
          if (!h) return false;
          this.rectsLeft = h.readUInt16BE(2);
          this.inUpdate = true;
          this.sawRect = false;
          return true;
        }
        if (type === 1) {
          if (this.buf.length < 6) return false;
          const colours = this.buf.readUInt16BE(4);
          return this.take(6 + 6 * colours) !== null;
        }
        if (type === 2) return this.take(1) !== null;
        if (type === 3) {
          const h = this.take(8);
          if (!h) return false;
          this.skip = h.readUInt32BE(4);
          return true;
        }
        throw new Error(`unknown server message ${type}`);
      }
    }
  }

  private updateDone(): void {
    this.updates++;
    this.outstanding = false;
    if (this.baseline) {
      this.baseline = false;
      this.request(true);
      this.resolveReady(true);
      return;
    }
    // A changed screen waits for takeChanged; an empty answer is no change, so watch on at once.
    if (this.sawRect) this.changed = true;
    else this.request(true);
  }
}
