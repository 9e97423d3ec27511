import { connect, type Socket } from 'node:net';
import { DISPLAY_CLOSE_CODES, type DisplayControl } from './display-protocol.js';
import { RfbClipboardGuard, RfbGuardError, type ClipboardPolicy } from './rfb-clipboard-guard.js';

/**
 * The engine's end of one display port: Electron's MessagePortMain (`on('message', e => e.data)`,
 * `on('close')`), typed structurally so the engine never imports electron. Node's worker_threads
 * MessagePort fits after a small adapter (its listener gets the data itself).
 */
export interface DisplayPortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start?(): void;
  close?(): void;
}

export interface VncRelayOptions {
  /** Pause reading QEMU's socket when this many bytes are posted but not acknowledged (default 1 MiB). */
  highWaterBytes?: number;
  /** Resume once unacknowledged bytes fall to this (default 256 KiB). */
  lowWaterBytes?: number;
  /** The VM's clipboard policy, applied to what the viewer sends (rfb-clipboard-guard.ts); none: bytes pass untouched. */
  clipboard?: ClipboardPolicy;
  /** Asked when the VNC socket closes: a clearer reason than "the VM closed its display" (null: that one). */
  explainClose?: () => Promise<string | null>;
}

export interface VncRelayStats {
  /** Bytes posted to the viewer. */
  posted: number;
  /** Bytes the viewer acknowledged. */
  acked: number;
  /** Bytes written to QEMU. */
  written: number;
  /** Times reading was paused for backpressure. */
  pauses: number;
  paused: boolean;
}

const isBytes = (d: unknown): d is Uint8Array => d instanceof Uint8Array;
const isControl = (d: unknown, type: string): d is Record<string, unknown> =>
  typeof d === 'object' && d !== null && !ArrayBuffer.isView(d) && (d as { type?: unknown }).type === type;

/**
 * One viewer ⇄ QEMU's VNC unix socket, raw RFB bytes both ways (each viewer has its own VNC
 * connection, so QEMU serves several at once). Backpressure: bytes posted minus bytes the viewer
 * acknowledged are "in flight"; above the high-water mark the socket is paused until acks bring it
 * back under the low-water mark. No TCP anywhere.
 */
export class VncRelay {
  private socket: Socket | null = null;
  private readonly pendingToQemu: Buffer[] = [];
  private readonly closeListeners: Array<(code: number, reason: string) => void> = [];
  private readonly high: number;
  private readonly low: number;
  private closedWith: { code: number; reason: string } | null = null;
  private readonly counters = { posted: 0, acked: 0, written: 0, pauses: 0 };
  private paused = false;
  private readonly guard: RfbClipboardGuard | null;
  private readonly explainClose: (() => Promise<string | null>) | undefined;

  constructor(
    private readonly port: DisplayPortLike,
    private readonly socketPath: string,
    options: VncRelayOptions = {},
  ) {
    this.high = options.highWaterBytes ?? 1024 * 1024;
    this.low = Math.min(options.lowWaterBytes ?? 256 * 1024, this.high);
    this.guard = options.clipboard !== undefined ? new RfbClipboardGuard(options.clipboard) : null;
    this.explainClose = options.explainClose;
    port.on('message', (e) => this.fromViewer(e.data));
    port.on('close', () => this.close(DISPLAY_CLOSE_CODES.normal, 'the viewer closed the display', { notify: false }));
    port.start?.();
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  stats(): VncRelayStats {
    return { ...this.counters, paused: this.paused };
  }

  onClose(listener: (code: number, reason: string) => void): void {
    if (this.closedWith) listener(this.closedWith.code, this.closedWith.reason);
    else this.closeListeners.push(listener);
  }

  /**
   * A new clipboard policy for the rest of this display. A viewer that QEMU already sends the guest's clipboard
   * cannot be stopped from receiving it on this connection: such a display is closed (the viewer reconnects).
   */
  setClipboardPolicy(policy: ClipboardPolicy): void {
    if (this.guard && !this.guard.setPolicy(policy)) {
      this.close(DISPLAY_CLOSE_CODES.policyChanged, 'the clipboard policy changed; reconnect the display');
    }
  }

  /** Connects to QEMU; resolves once connected (the viewer then gets `{type:'open'}`), or once closed on failure. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closedWith) return resolve();
      const s = connect(this.socketPath);
      this.socket = s;
      s.setNoDelay?.(true);
      let connected = false;
      s.once('connect', () => {
        connected = true;
        if (this.closedWith) return resolve();
        for (const b of this.pendingToQemu.splice(0)) this.writeToQemu(b);
        this.post({ type: 'open' } satisfies DisplayControl);
        resolve();
      });
      s.on('data', (chunk: Buffer) => this.fromQemu(chunk));
      let failure: string | null = null;
      s.on('error', (err: NodeJS.ErrnoException) => {
        if (!connected) this.close(DISPLAY_CLOSE_CODES.unreachable, `the VM's display is unreachable (${err.code ?? err.message})`);
        // A write that meets the far end's death (EPIPE) says less than explainClose can: 'close' follows and asks it.
        else if (this.explainClose) failure = `the display connection failed: ${err.message}`;
        else this.close(DISPLAY_CLOSE_CODES.vmStopped, `the display connection failed: ${err.message}`);
        resolve();
      });
      s.on('close', () => {
        const plain = failure ?? 'the VM closed its display';
        if (!this.explainClose || this.closedWith) {
          this.close(DISPLAY_CLOSE_CODES.vmStopped, plain);
          return resolve();
        }
        resolve();
        this.explainClose().then(
          (why) => this.close(DISPLAY_CLOSE_CODES.vmStopped, why ?? plain),
          () => this.close(DISPLAY_CLOSE_CODES.vmStopped, plain),
        );
      });
    });
  }

  /** Ends the display: tells the viewer why (unless it is the one that left), closes port and socket. */
  close(code: number = DISPLAY_CLOSE_CODES.normal, reason = 'display closed', options: { notify?: boolean } = {}): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    if (options.notify !== false) this.post({ type: 'closed', code, reason } satisfies DisplayControl);
    try {
      this.port.close?.();
    } catch {
      // already closed
    }
    this.socket?.destroy();
    this.pendingToQemu.length = 0;
    for (const l of this.closeListeners.splice(0)) l(code, reason);
  }

  private post(message: unknown): void {
    try {
      this.port.postMessage(message);
    } catch {
      this.close(DISPLAY_CLOSE_CODES.normal, 'the viewer went away', { notify: false });
    }
  }

  private fromQemu(chunk: Buffer): void {
    if (this.closedWith) return;
    // Structured clone copies a view's whole ArrayBuffer: post a tight copy when the chunk is a slice of a bigger one.
    const tight = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.byteLength;
    const bytes = tight ? new Uint8Array(chunk.buffer, 0, chunk.byteLength) : new Uint8Array(chunk);
    this.counters.posted += bytes.byteLength;
    this.post(bytes);
    if (!this.paused && this.counters.posted - this.counters.acked > this.high) {
      this.paused = true;
      this.counters.pauses++;
      this.socket?.pause();
    }
  }

  private fromViewer(data: unknown): void {
    if (this.closedWith) return;
    if (isBytes(data)) {
      let parts = [Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
      if (this.guard) {
        try {
          parts = this.guard.push(data);
        } catch (err) {
          if (!(err instanceof RfbGuardError)) throw err;
          return this.close(DISPLAY_CLOSE_CODES.refused, `the display was closed: ${err.message}`);
        }
      }
      for (const buf of parts) {
        if (!this.socket || this.socket.connecting) this.pendingToQemu.push(Buffer.from(buf));
        else this.writeToQemu(buf);
      }
      return;
    }
    if (data instanceof ArrayBuffer) return this.fromViewer(new Uint8Array(data));
    if (isControl(data, 'ack')) {
      const n = data['bytes'];
      if (typeof n === 'number' && Number.isFinite(n) && n > 0) {
        this.counters.acked = Math.min(this.counters.posted, this.counters.acked + n);
        if (this.paused && this.counters.posted - this.counters.acked <= this.low) {
          this.paused = false;
          this.socket?.resume();
        }
      }
      return;
    }
    if (isControl(data, 'close')) this.close(DISPLAY_CLOSE_CODES.normal, 'closed by the viewer', { notify: false });
    // Anything else is ignored: the viewer is a page, not trusted to shape engine state.
  }

  private writeToQemu(buf: Buffer): void {
    this.counters.written += buf.byteLength;
    this.socket?.write(buf);
  }
}
