import RFB from '@novnc/novnc';
import {
  audioDisableMessage, audioEnableMessage, audioSetFormatMessage, QEMU_AUDIO_ENCODING, QEMU_MESSAGE, readAudioServerMessage,
  type AudioFormat, type AudioServerMessage,
} from '../../../src-shared/vnc-audio/vnc-audio-codec.js';

/**
 * QEMU's VNC audio on noVNC 1.7, which has none (its issue #302): the sound travels in the display's own RFB
 * stream, so it works alike over the Electron MessagePort and the browser host's WebSocket, with no second
 * connection or channel to plumb through main, preload, serve and the bridge. This file is the only one that
 * touches noVNC internals (pinned 1.7.0: `_sendEncodings`, `_normalMsg`, `_decoders`, `_FBU`, `_sock`, `_fail`,
 * `RFB.messages.clientEncodings`); `test/unit/renderer/display/vnc-audio.test.ts` runs it on the real RFB class.
 *  - encodings: -259 is added to the list noVNC sends (QEMU then acks with an empty -259 rect: a no-op decoder);
 *  - server message 255: audio begin/end/data are read here (noVNC would fail on the unknown type);
 *  - enable/disable and the format go out on noVNC's send queue once connected (after its SetEncodings).
 */

export interface VncAudioSink {
  onData(pcm: Uint8Array, format: AudioFormat): void;
  onBegin?(): void;
  onEnd?(): void;
}

export interface VncAudioControl {
  /** Asks QEMU to stream (or stop): sent now when connected, else at connect. */
  setEnabled(on: boolean): void;
}

interface NoVncSock {
  rQlen(): number;
  rQpeekBytes(len: number, copy?: boolean): Uint8Array;
  rQskipBytes(len: number): void;
  sQpushBytes(bytes: Uint8Array): void;
  flush(): void;
}

interface RfbInternals {
  _sock: NoVncSock;
  _FBU: { rects: number };
  _decoders: Record<number, { decodeRect(): boolean }>;
  _sendEncodings(): void;
  _normalMsg(): boolean;
  _fail(details: string): void;
}

interface RfbStatics {
  messages: { clientEncodings(sock: unknown, encodings: number[]): void };
}

/** noVNC's internals have the 1.7 shape this file relies on (a stand-in RFB in tests, or another noVNC, does not). */
function hasInternals(rfb: unknown): rfb is RfbInternals {
  const r = rfb as Partial<RfbInternals>;
  const messages = (RFB as unknown as Partial<RfbStatics>).messages;
  return typeof r._sendEncodings === 'function' && typeof r._normalMsg === 'function' && typeof r._fail === 'function'
    && typeof r._decoders === 'object' && r._decoders !== null && typeof messages?.clientEncodings === 'function';
}

/** Hooks the audio extension into `rfb` (before it receives a byte); a no-op on an RFB without noVNC 1.7's internals. */
export function attachVncAudio(rfb: RFB, sink: VncAudioSink, format: AudioFormat): VncAudioControl {
  if (!hasInternals(rfb)) return { setEnabled: () => undefined };
  const inner = rfb;
  const messages = (RFB as unknown as RfbStatics).messages;
  let connected = false;
  let wanted = false;
  let sent = false;

  const sendEncodings = inner._sendEncodings.bind(inner);
  inner._sendEncodings = () => {
    const original = messages.clientEncodings;
    messages.clientEncodings = (sock, encodings) => original.call(messages, sock, [...encodings, QEMU_AUDIO_ENCODING]);
    try {
      sendEncodings();
    } finally {
      messages.clientEncodings = original;
    }
  };
  // QEMU's acknowledgement: a rect of encoding -259 with no payload.
  inner._decoders[QEMU_AUDIO_ENCODING] = { decodeRect: () => true };

  const normalMsg = inner._normalMsg.bind(inner);
  inner._normalMsg = () => {
    const sock = inner._sock;
    if (inner._FBU.rects > 0 || sock.rQlen() < 1 || sock.rQpeekBytes(1, false)[0] !== QEMU_MESSAGE) return normalMsg();
    let read: { message: AudioServerMessage; length: number } | null;
    try {
      read = readAudioServerMessage(sock.rQpeekBytes(sock.rQlen(), false));
    } catch (err) {
      inner._fail((err as Error).message);
      return false;
    }
    if (!read) return false; // wait for the rest
    sock.rQskipBytes(read.length);
    const m = read.message;
    if (m.kind === 'data') sink.onData(m.pcm, format);
    else if (m.kind === 'begin') sink.onBegin?.();
    else sink.onEnd?.();
    return true;
  };

  const send = (bytes: Uint8Array) => {
    inner._sock.sQpushBytes(bytes);
    inner._sock.flush();
  };
  const apply = () => {
    if (!connected || wanted === sent) return;
    send(wanted ? audioEnableMessage() : audioDisableMessage());
    sent = wanted;
  };
  rfb.addEventListener('connect', () => {
    connected = true;
    // The format first: QEMU reads it when the capture starts (at enable).
    send(audioSetFormatMessage(format));
    apply();
  });
  rfb.addEventListener('disconnect', () => {
    connected = false;
    sent = false;
  });
  return {
    setEnabled(on) {
      wanted = on;
      apply();
    },
  };
}
