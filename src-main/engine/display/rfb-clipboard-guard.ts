import type { VmDocument } from '../../../src-shared/vm-document/index.js';

export type ClipboardPolicy = VmDocument['clipboard'];

export const hostToGuest = (p: ClipboardPolicy): boolean => p === 'host-to-guest' || p === 'both';
export const guestToHost = (p: ClipboardPolicy): boolean => p === 'guest-to-host' || p === 'both';

/** The client stream cannot be followed (or holds what QEMU would refuse anyway): the display must be closed. */
export class RfbGuardError extends Error {}

/** The extended clipboard pseudo-encoding (0xc0a1e5ce as a signed 32-bit number). */
export const EXTENDED_CLIPBOARD_ENCODING = -1063131698;
// Extended clipboard action flags (the high byte of the first payload word).
const EXT_CAPS = 1 << 24;
const EXT_REQUEST = 1 << 25;
const EXT_PEEK = 1 << 26;
const EXT_NOTIFY = 1 << 27;
const EXT_PROVIDE = 1 << 28;
/** QEMU refuses cut text above 1 MiB (and disconnects). */
const MAX_CUT_TEXT = 1 << 20;

const EMPTY: Buffer = Buffer.alloc(0);

type Phase = 'version' | 'security' | 'vnc-auth' | 'client-init' | 'messages';

/**
 * Follows what a VNC client sends to QEMU (RFB 3.7/3.8, security None or VNC auth: what QEMU on a unix socket
 * offers) and applies the VM's clipboard policy to it:
 * - host → guest: cut text the client sends (plain ClientCutText, and the extended clipboard's notify/provide)
 *   is dropped unless the policy allows host → guest;
 * - guest → host: QEMU 7.2 sends the guest's clipboard only to a client that announced the extended clipboard
 *   pseudo-encoding (ui/vnc-clipboard.c registers the clipboard peer then), so that encoding is taken out of the
 *   client's SetEncodings unless the policy allows guest → host; the client's extended requests are dropped too.
 * So nothing in QEMU's stream to the client needs parsing. A policy that stops guest → host on a connection that
 * already negotiated it cannot be applied to that connection: `setPolicy` then says it must be closed.
 * Bytes are passed on as soon as their message is known, so keys and pointer moves are not held back.
 */
export class RfbClipboardGuard {
  private phase: Phase = 'version';
  private held: Buffer = EMPTY;
  /** Bytes of the current message still to pass through, or to drop. */
  private pass = 0;
  private drop = 0;
  private extNegotiated = false;

  constructor(private policy: ClipboardPolicy) {}

  /** True once QEMU was told this client speaks the extended clipboard (so the guest's clipboard reaches it). */
  get extendedClipboard(): boolean {
    return this.extNegotiated;
  }

  get currentPolicy(): ClipboardPolicy {
    return this.policy;
  }

  /** Applies a new policy to the rest of the stream; false when the connection must be closed to honour it. */
  setPolicy(policy: ClipboardPolicy): boolean {
    this.policy = policy;
    return !(this.extNegotiated && !guestToHost(policy));
  }

  /** Client bytes in, the bytes to send QEMU out (maybe none). Throws RfbGuardError when the stream cannot be followed. */
  push(chunk: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (data.length > 0) {
      if (this.pass > 0 || this.drop > 0) {
        const n = Math.min(data.length, this.pass || this.drop);
        if (this.pass > 0) {
          out.push(Buffer.from(data.subarray(0, n)));
          this.pass -= n;
        } else this.drop -= n;
        data = data.subarray(n);
        continue;
      }
      // Views, not copies (a copy per message would make a chunk of many small messages quadratic); nothing here
      // writes into them, and the transports hand each chunk over fresh.
      this.held = this.held.length ? Buffer.concat([this.held, data]) : data;
      data = this.parse(out);
    }
    // One write for QEMU per chunk, not one per message.
    return out.length > 1 ? [Buffer.concat(out)] : out;
  }

  /**
   * Takes the next unit from `held` if it is complete: passes, rewrites or starts dropping it. Returns what is
   * left after the unit's known part (to be handled by the pass/drop counters), or nothing while incomplete.
   */
  private parse(out: Buffer[]): Buffer {
    const h = this.held;
    const need = (n: number) => h.length >= n;
    const take = (n: number, forward: boolean): Buffer => {
      if (forward) out.push(h.subarray(0, n));
      this.held = EMPTY;
      return h.subarray(n);
    };
    switch (this.phase) {
      case 'version': {
        if (!need(12)) return EMPTY;
        const v = h.subarray(0, 12).toString('latin1');
        if (!/^RFB 003\.00[78]\n$/.test(v)) throw new RfbGuardError(`unsupported RFB version ${JSON.stringify(v)} (3.7 or 3.8 needed)`);
        this.phase = 'security';
        return take(12, true);
      }
      case 'security': {
        if (!need(1)) return EMPTY;
        const type = h[0]!;
        if (type === 1) this.phase = 'client-init';
        else if (type === 2) this.phase = 'vnc-auth';
        else throw new RfbGuardError(`security type ${type} cannot be followed (None or VNC authentication only)`);
        return take(1, true);
      }
      case 'vnc-auth':
        if (!need(16)) return EMPTY;
        this.phase = 'client-init';
        return take(16, true);
      case 'client-init':
        if (!need(1)) return EMPTY;
        this.phase = 'messages';
        return take(1, true);
      case 'messages':
        return this.message(out);
    }
  }

  private message(out: Buffer[]): Buffer {
    const h = this.held;
    const wait = EMPTY;
    const fixed = (n: number): Buffer => {
      // Pass the message: what is here now, the rest as it comes.
      const now = Math.min(n, h.length);
      out.push(h.subarray(0, now));
      this.pass = n - now;
      this.held = EMPTY;
      return h.subarray(now);
    };
    const dropped = (n: number): Buffer => {
      const now = Math.min(n, h.length);
      this.drop = n - now;
      this.held = EMPTY;
      return h.subarray(now);
    };
    if (h.length < 1) return wait;
    const type = h[0]!;
    switch (type) {
      case 0: // SetPixelFormat
        return fixed(20);
      case 2: {
        // SetEncodings: u8 type, pad, u16 count, s32 × count
        if (h.length < 4) return wait;
        const n = h.readUInt16BE(2);
        if (h.length < 4 + 4 * n) return wait;
        const encodings: number[] = [];
        for (let i = 0; i < n; i++) encodings.push(h.readInt32BE(4 + 4 * i));
        const allowExt = guestToHost(this.policy);
        const kept = allowExt ? encodings : encodings.filter((e) => e !== EXTENDED_CLIPBOARD_ENCODING);
        if (kept.includes(EXTENDED_CLIPBOARD_ENCODING)) this.extNegotiated = true;
        const msg = Buffer.alloc(4 + 4 * kept.length);
        msg[0] = 2;
        msg.writeUInt16BE(kept.length, 2);
        kept.forEach((e, i) => msg.writeInt32BE(e, 4 + 4 * i));
        out.push(msg);
        this.held = EMPTY;
        return h.subarray(4 + 4 * n);
      }
      case 3: // FramebufferUpdateRequest
        return fixed(10);
      case 4: // KeyEvent
        return fixed(8);
      case 5: // PointerEvent
        return fixed(6);
      case 6: {
        // ClientCutText: u8 type, 3 pad, s32 length (negative: extended clipboard, then u32 flags)
        if (h.length < 8) return wait;
        const len = h.readInt32BE(4);
        const size = Math.abs(len);
        if (size > MAX_CUT_TEXT) throw new RfbGuardError(`cut text of ${size} bytes (QEMU accepts at most 1 MiB)`);
        if (len >= 0) return hostToGuest(this.policy) ? fixed(8 + size) : dropped(8 + size);
        if (size < 4) throw new RfbGuardError('extended clipboard message without its flags');
        if (h.length < 12) return wait;
        const flags = h.readUInt32BE(8);
        const sends = (flags & (EXT_NOTIFY | EXT_PROVIDE)) !== 0;
        const asks = (flags & (EXT_REQUEST | EXT_PEEK)) !== 0;
        const allowed = (!sends || hostToGuest(this.policy)) && (!asks || guestToHost(this.policy)) && (sends || asks || (flags & EXT_CAPS) !== 0);
        return allowed ? fixed(8 + size) : dropped(8 + size);
      }
      case 250: // XVP: u8 type, pad, u8 version, u8 code
        return fixed(4);
      case 251: {
        // SetDesktopSize: u8 type, pad, u16 w, u16 h, u8 screens, pad, 16 bytes per screen
        if (h.length < 8) return wait;
        return fixed(8 + 16 * h[6]!);
      }
      case 255: {
        // QEMU client messages: extended key event, audio
        if (h.length < 2) return wait;
        const sub = h[1]!;
        if (sub === 0) return fixed(12);
        if (sub === 1) {
          if (h.length < 4) return wait;
          const op = h.readUInt16BE(2);
          if (op === 0 || op === 1) return fixed(4);
          if (op === 2) return fixed(10);
          throw new RfbGuardError(`unknown QEMU audio message ${op}`);
        }
        throw new RfbGuardError(`unknown QEMU client message ${sub}`);
      }
      default:
        // QEMU disconnects on a message it does not know; so do we (it could not be followed past it).
        throw new RfbGuardError(`unknown client message type ${type}`);
    }
  }
}
