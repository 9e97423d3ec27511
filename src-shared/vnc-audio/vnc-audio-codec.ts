/**
 * QEMU's VNC audio extension (RFB community spec "QEMU Audio"; QEMU 7.2 ui/vnc.c), as bytes: no I/O, no DOM.
 * A client that lists the pseudo-encoding -259 gets an empty FramebufferUpdate rect with that encoding as the
 * acknowledgement; it then sends QEMU client messages (type 255, submessage 1) to set the format and to enable
 * or disable the stream, and QEMU sends server messages (type 255, submessage 1): begin, end, and data
 * (u32 length + PCM in the chosen format, little-endian).
 */

export const QEMU_AUDIO_ENCODING = -259;
export const QEMU_MESSAGE = 255;
export const QEMU_AUDIO_SUBMESSAGE = 1;

/** Client operations (u16 after 255, 1). */
export const AUDIO_OP = { enable: 0, disable: 1, setFormat: 2 } as const;
/** Server operations (u16 after 255, 1). */
export const AUDIO_SERVER_OP = { end: 0, begin: 1, data: 2 } as const;
/** Sample formats of set-format (QEMU's numbering: u8, s8, u16, s16, u32, s32). */
export const AUDIO_FORMAT = { u8: 0, s8: 1, u16: 2, s16: 3, u32: 4, s32: 5 } as const;

/** QEMU refuses more than 48 kHz (and disconnects the client). */
export const MAX_AUDIO_RATE = 48_000;
/**
 * The largest data message a viewer accepts. QEMU sends one capture period at a time (a few KiB); anything far
 * beyond is a broken stream, refused rather than buffered without bound.
 */
export const MAX_AUDIO_CHUNK = 1024 * 1024;

/** The format the viewer asks for: 16-bit signed stereo, the format QEMU also starts every client with. */
export interface AudioFormat {
  channels: 1 | 2;
  rate: number;
}

export const DEFAULT_AUDIO_FORMAT: AudioFormat = { channels: 2, rate: 44_100 };

export function audioEnableMessage(): Uint8Array {
  return new Uint8Array([QEMU_MESSAGE, QEMU_AUDIO_SUBMESSAGE, 0, AUDIO_OP.enable]);
}

export function audioDisableMessage(): Uint8Array {
  return new Uint8Array([QEMU_MESSAGE, QEMU_AUDIO_SUBMESSAGE, 0, AUDIO_OP.disable]);
}

/** Set-format: 255, 1, u16 2, u8 format, u8 channels, u32 rate (big-endian, like all RFB numbers). */
export function audioSetFormatMessage(format: AudioFormat): Uint8Array {
  if (format.channels !== 1 && format.channels !== 2) throw new RangeError(`audio channels must be 1 or 2, not ${String(format.channels)}`);
  if (!Number.isInteger(format.rate) || format.rate < 1 || format.rate > MAX_AUDIO_RATE) {
    throw new RangeError(`audio rate must be a whole number from 1 to ${MAX_AUDIO_RATE} Hz, not ${String(format.rate)}`);
  }
  const m = new Uint8Array(10);
  const v = new DataView(m.buffer);
  m[0] = QEMU_MESSAGE;
  m[1] = QEMU_AUDIO_SUBMESSAGE;
  v.setUint16(2, AUDIO_OP.setFormat);
  m[4] = AUDIO_FORMAT.s16;
  m[5] = format.channels;
  v.setUint32(6, format.rate);
  return m;
}

export type AudioServerMessage = { kind: 'begin' } | { kind: 'end' } | { kind: 'data'; pcm: Uint8Array };

export class VncAudioError extends Error {}

/**
 * Reads one QEMU audio server message from `bytes` (which starts at its type byte, 255).
 * Returns the message and its length in bytes, or null when more bytes are needed. Throws VncAudioError on a
 * QEMU message that is not audio, an unknown operation, or a data length above MAX_AUDIO_CHUNK.
 */
export function readAudioServerMessage(bytes: Uint8Array): { message: AudioServerMessage; length: number } | null {
  if (bytes.length < 4) return null;
  if (bytes[0] !== QEMU_MESSAGE) throw new VncAudioError(`not a QEMU server message (type ${String(bytes[0])})`);
  if (bytes[1] !== QEMU_AUDIO_SUBMESSAGE) throw new VncAudioError(`unknown QEMU server submessage ${String(bytes[1])}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = view.getUint16(2);
  switch (op) {
    case AUDIO_SERVER_OP.begin:
      return { message: { kind: 'begin' }, length: 4 };
    case AUDIO_SERVER_OP.end:
      return { message: { kind: 'end' }, length: 4 };
    case AUDIO_SERVER_OP.data: {
      if (bytes.length < 8) return null;
      const size = view.getUint32(4);
      if (size > MAX_AUDIO_CHUNK) throw new VncAudioError(`audio data message of ${size} bytes (more than ${MAX_AUDIO_CHUNK})`);
      if (bytes.length < 8 + size) return null;
      return { message: { kind: 'data', pcm: bytes.slice(8, 8 + size) }, length: 8 + size };
    }
    default:
      throw new VncAudioError(`unknown QEMU audio operation ${op}`);
  }
}

/**
 * 16-bit signed little-endian interleaved PCM → one Float32Array per channel in [-1, 1).
 * A trailing partial frame is dropped (QEMU sends whole frames).
 */
export function s16leToChannels(pcm: Uint8Array, channels: number): Array<Float32Array<ArrayBuffer>> {
  const frames = Math.floor(pcm.length / (2 * channels));
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) out[c]![f] = view.getInt16((f * channels + c) * 2, true) / 32768;
  }
  return out;
}
