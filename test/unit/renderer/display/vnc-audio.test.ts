// @vitest-environment jsdom
// The audio hook on noVNC 1.7's real RFB class, against a scripted VNC server speaking QEMU 7.2's audio extension.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import RFB from '@novnc/novnc';
import { attachVncAudio } from '../../../../src-renderer/features/display/vnc-audio.js';
import { DEFAULT_AUDIO_FORMAT } from '../../../../src-shared/vnc-audio/vnc-audio-codec.js';

beforeAll(() => {
  // jsdom has no 2D canvas; noVNC's Display only needs these to exist for a connection without pixels.
  const ctx = new Proxy({}, { get: (_t, k) => (k === 'canvas' ? document.createElement('canvas') : k === 'getImageData' || k === 'createImageData' ? () => ({ data: new Uint8ClampedArray(4) }) : () => undefined) });
  HTMLCanvasElement.prototype.getContext = (() => ctx) as unknown as typeof HTMLCanvasElement.prototype.getContext;
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

/** noVNC's channel shape; `sent` is what the client wrote, `serve` feeds it bytes. */
class ScriptedChannel {
  binaryType = 'arraybuffer';
  protocol = '';
  readyState: string = 'connecting';
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  readonly sent: number[] = [];
  send(u8: Uint8Array) {
    this.sent.push(...u8);
  }
  close() {
    this.readyState = 'closed';
  }
  open() {
    this.readyState = 'open';
    this.onopen?.({});
  }
  serve(bytes: number[] | Uint8Array) {
    this.onmessage?.({ data: Uint8Array.from(bytes).buffer });
  }
  /** Index of `needle` in what the client sent, or -1. */
  sentIndexOf(needle: number[]): number {
    outer: for (let i = 0; i + needle.length <= this.sent.length; i++) {
      for (let j = 0; j < needle.length; j++) if (this.sent[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }
}

const u16 = (n: number) => [(n >> 8) & 255, n & 255];
const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const s32 = (n: number) => u32(n >>> 0);
const SERVER_INIT = [...u16(640), ...u16(480), 32, 24, 0, 1, ...u16(255), ...u16(255), ...u16(255), 16, 8, 0, 0, 0, 0, ...u32(4), ...'QEMU'.split('').map((c) => c.charCodeAt(0))];

const rfbs: RFB[] = [];
afterEach(() => {
  for (const r of rfbs.splice(0)) {
    try {
      r.disconnect();
    } catch {
      // closed
    }
  }
});

function connect(enabled: boolean) {
  const channel = new ScriptedChannel();
  const screen = document.createElement('div');
  document.body.appendChild(screen);
  const rfb = new RFB(screen, channel, { shared: true });
  rfbs.push(rfb);
  const got: Array<string | number[]> = [];
  const control = attachVncAudio(rfb, { onData: (pcm) => got.push([...pcm]), onBegin: () => got.push('begin'), onEnd: () => got.push('end') }, DEFAULT_AUDIO_FORMAT);
  control.setEnabled(enabled);
  const events: string[] = [];
  rfb.addEventListener('connect', () => events.push('connect'));
  rfb.addEventListener('disconnect', () => events.push('disconnect'));
  channel.open();
  channel.serve([...'RFB 003.008\n'].map((c) => c.charCodeAt(0)));
  channel.serve([1, 1]); // one security type: None
  channel.serve(u32(0)); // SecurityResult OK
  channel.serve(SERVER_INIT);
  return { channel, rfb, control, got, events };
}

describe('QEMU VNC audio on noVNC', () => {
  it('lists -259 in SetEncodings, then sets the format and enables once connected', () => {
    const { channel, events } = connect(true);
    expect(events).toEqual(['connect']);
    const setEnc = channel.sentIndexOf(s32(-259));
    expect(setEnc).toBeGreaterThan(0);
    const format = channel.sentIndexOf([255, 1, 0, 2, 3, 2, ...u32(44_100)]);
    const enable = channel.sentIndexOf([255, 1, 0, 0]);
    expect(format).toBeGreaterThan(setEnc);
    expect(enable).toBeGreaterThan(format);
  });

  it('takes the -259 acknowledgement and audio begin/data/end (split anywhere) without disturbing noVNC', () => {
    const { channel, got, events, control } = connect(true);
    channel.serve([0, 0, ...u16(1), 0, 0, 0, 0, ...u16(640), ...u16(480), ...s32(-259)]); // the ack rect
    const data = [255, 1, ...u16(2), ...u32(4), 1, 2, 3, 4];
    channel.serve([255, 1, ...u16(1), ...data.slice(0, 6)]);
    channel.serve(data.slice(6, 9));
    channel.serve([...data.slice(9), 255, 1, ...u16(0), 2]); // end, then a Bell (noVNC's own message) right after
    expect(got).toEqual(['begin', [1, 2, 3, 4], 'end']);
    expect(events).toEqual(['connect']);
    const before = channel.sent.length;
    control.setEnabled(false);
    expect(channel.sent.slice(before)).toEqual([255, 1, 0, 1]);
  });

  it('does not enable when muted, and drops the connection on a broken audio stream', () => {
    const { channel, events } = connect(false);
    expect(channel.sentIndexOf([255, 1, 0, 0])).toBe(-1);
    channel.serve([255, 1, ...u16(2), ...u32(64 * 1024 * 1024)]);
    expect(events).toContain('disconnect');
  });
});
