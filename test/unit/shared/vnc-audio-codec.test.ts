import { describe, expect, it } from 'vitest';
import {
  audioDisableMessage, audioEnableMessage, audioSetFormatMessage, MAX_AUDIO_CHUNK, readAudioServerMessage, s16leToChannels, VncAudioError,
} from '../../../src-shared/vnc-audio/vnc-audio-codec.js';

describe('QEMU VNC audio messages', () => {
  it('encodes enable, disable and set-format as QEMU 7.2 reads them', () => {
    expect([...audioEnableMessage()]).toEqual([255, 1, 0, 0]);
    expect([...audioDisableMessage()]).toEqual([255, 1, 0, 1]);
    // 255, 1, op 2, format s16 (3), 2 channels, 44100 = 0x0000ac44
    expect([...audioSetFormatMessage({ channels: 2, rate: 44_100 })]).toEqual([255, 1, 0, 2, 3, 2, 0, 0, 0xac, 0x44]);
  });

  it('refuses a format QEMU would disconnect for', () => {
    expect(() => audioSetFormatMessage({ channels: 2, rate: 96_000 })).toThrow(/48000/);
    expect(() => audioSetFormatMessage({ channels: 3 as 2, rate: 44_100 })).toThrow(/1 or 2/);
    expect(() => audioSetFormatMessage({ channels: 1, rate: 0 })).toThrow(/whole number/);
  });

  it('reads begin, end and data, and waits for a whole message', () => {
    expect(readAudioServerMessage(new Uint8Array([255, 1, 0]))).toBeNull();
    expect(readAudioServerMessage(new Uint8Array([255, 1, 0, 1, 9]))).toEqual({ message: { kind: 'begin' }, length: 4 });
    expect(readAudioServerMessage(new Uint8Array([255, 1, 0, 0]))).toEqual({ message: { kind: 'end' }, length: 4 });
    const data = new Uint8Array([255, 1, 0, 2, 0, 0, 0, 4, 1, 2, 3, 4, 77]);
    expect(readAudioServerMessage(data.subarray(0, 7))).toBeNull();
    expect(readAudioServerMessage(data.subarray(0, 11))).toBeNull();
    const r = readAudioServerMessage(data);
    expect(r?.length).toBe(12);
    expect(r?.message.kind === 'data' && [...r.message.pcm]).toEqual([1, 2, 3, 4]);
  });

  it('refuses what is not an audio message, and a data length beyond the cap before buffering it', () => {
    expect(() => readAudioServerMessage(new Uint8Array([0, 1, 0, 0]))).toThrow(VncAudioError);
    expect(() => readAudioServerMessage(new Uint8Array([255, 2, 0, 0]))).toThrow(/submessage 2/);
    expect(() => readAudioServerMessage(new Uint8Array([255, 1, 0, 7]))).toThrow(/operation 7/);
    const big = MAX_AUDIO_CHUNK + 1;
    expect(() => readAudioServerMessage(new Uint8Array([255, 1, 0, 2, big >>> 24, (big >>> 16) & 255, (big >>> 8) & 255, big & 255]))).toThrow(/bytes/);
  });

  it('turns interleaved s16le into channels in [-1, 1)', () => {
    // frames: (L=0x7fff, R=-32768), (L=0, R=16384), plus one stray byte
    const pcm = new Uint8Array([0xff, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00, 0x40, 0x11]);
    const [l, r] = s16leToChannels(pcm, 2);
    expect([...l!]).toEqual([32767 / 32768, 0]);
    expect([...r!]).toEqual([-1, 0.5]);
  });
});
