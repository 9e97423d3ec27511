import {
  audioEnableMessage, audioSetFormatMessage, DEFAULT_AUDIO_FORMAT, QEMU_AUDIO_ENCODING, QEMU_MESSAGE, readAudioServerMessage,
} from '../../src-shared/vnc-audio/vnc-audio-codec.js';
import { s16leToChannels } from '../../src-shared/vnc-audio/vnc-audio-codec.js';

/**
 * A minimal RFB client for the sound tests: the handshake (no security), SetEncodings with only QEMU's audio
 * pseudo-encoding, set-format and enable, then every decoded sample of the left channel. It never asks for
 * pixels, so QEMU sends nothing but the audio acknowledgement, audio messages, bells and cut text.
 * Transport-free: `feed` takes bytes from the server, `write` sends to it.
 */
export class VncAudioClient {
  readonly left: number[] = [];
  readonly events: string[] = [];
  name = '';
  private buf = new Uint8Array(0);
  private phase: 'version' | 'security' | 'result' | 'init' | 'normal' = 'version';

  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  /** Samples per second of `left` (the format asked for). */
  readonly rate = DEFAULT_AUDIO_FORMAT.rate;

  feed(bytes: Uint8Array): void {
    const joined = new Uint8Array(this.buf.length + bytes.length);
    joined.set(this.buf);
    joined.set(bytes, this.buf.length);
    this.buf = joined;
    while (this.step());
  }

  private take(n: number): Uint8Array {
    const out = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return out;
  }

  private step(): boolean {
    const b = this.buf;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    switch (this.phase) {
      case 'version':
        if (b.length < 12) return false;
        this.take(12);
        this.write(new TextEncoder().encode('RFB 003.008\n'));
        this.phase = 'security';
        return true;
      case 'security': {
        if (b.length < 1 || b.length < 1 + b[0]!) return false;
        const types = [...this.take(1 + b[0]!).slice(1)];
        if (!types.includes(1)) throw new Error(`the VNC server offers no "None" security (${types.join(',')})`);
        this.write(Uint8Array.of(1));
        this.phase = 'result';
        return true;
      }
      case 'result':
        if (b.length < 4) return false;
        if (view.getUint32(0) !== 0) throw new Error('VNC security handshake failed');
        this.take(4);
        this.write(Uint8Array.of(1)); // ClientInit: shared
        this.phase = 'init';
        return true;
      case 'init': {
        if (b.length < 24) return false;
        const nameLen = view.getUint32(20);
        if (b.length < 24 + nameLen) return false;
        this.name = new TextDecoder().decode(this.take(24 + nameLen).slice(24));
        const enc = new Uint8Array(8);
        const ev = new DataView(enc.buffer);
        enc[0] = 2;
        ev.setUint16(2, 1);
        ev.setInt32(4, QEMU_AUDIO_ENCODING);
        this.write(enc);
        this.write(audioSetFormatMessage(DEFAULT_AUDIO_FORMAT));
        this.write(audioEnableMessage());
        this.phase = 'normal';
        return true;
      }
      case 'normal':
        return this.message(b, view);
    }
  }

  private message(b: Uint8Array, view: DataView): boolean {
    if (b.length < 1) return false;
    switch (b[0]) {
      case 0: { // FramebufferUpdate: only pseudo-encodings without payload come (no pixels were asked for)
        if (b.length < 4) return false;
        const rects = view.getUint16(2);
        if (b.length < 4 + 12 * rects) return false;
        for (let i = 0; i < rects; i++) {
          const enc = view.getInt32(4 + 12 * i + 8);
          if (enc !== QEMU_AUDIO_ENCODING) throw new Error(`unexpected rect encoding ${enc}`);
          this.events.push('ack');
        }
        this.take(4 + 12 * rects);
        return true;
      }
      case 2:
        this.take(1);
        return true;
      case 3: {
        if (b.length < 8) return false;
        const len = view.getUint32(4);
        if (b.length < 8 + len) return false;
        this.take(8 + len);
        return true;
      }
      case QEMU_MESSAGE: {
        const r = readAudioServerMessage(b);
        if (!r) return false;
        this.take(r.length);
        if (r.message.kind === 'data') {
          const [l] = s16leToChannels(r.message.pcm, DEFAULT_AUDIO_FORMAT.channels);
          for (const v of l!) this.left.push(v);
        } else {
          this.events.push(r.message.kind);
        }
        return true;
      }
      default:
        throw new Error(`unexpected server message type ${String(b[0])}`);
    }
  }
}
