import { s16leToChannels, type AudioFormat } from '../../../src-shared/vnc-audio/vnc-audio-codec.js';

/**
 * A test's window into the page's sound (set by an e2e test's init script, absent otherwise): every decoded
 * chunk as it enters Web Audio, and the graph's AnalyserNode.
 */
export interface AudioTap {
  onPcm?(samples: Float32Array, rate: number): void;
  analyser?: AnalyserNode;
  context?: AudioContext;
}

declare global {
  var __hangarAudioTap: AudioTap | undefined;
}

/** Latency bounds of the schedule: start a little ahead, and drop back when it runs too far ahead. */
const LEAD_S = 0.08;
const MAX_AHEAD_S = 0.5;

/**
 * 16-bit PCM chunks → Web Audio: each chunk an AudioBuffer scheduled back to back, through a gain (volume, mute)
 * and an analyser. A gap (the guest went quiet) or a backlog restarts the schedule LEAD_S ahead, so latency stays
 * bounded. Nothing is created before the first chunk.
 */
export class PcmPlayer {
  private ctx: AudioContext | null = null;
  private gain: GainNode | null = null;
  private next = 0;
  private volume = 1;

  constructor(private readonly makeContext: () => AudioContext = () => new AudioContext()) {}

  push(pcm: Uint8Array, format: AudioFormat): void {
    const channels = s16leToChannels(pcm, format.channels);
    const frames = channels[0]?.length ?? 0;
    if (frames === 0) return;
    const ctx = this.context();
    globalThis.__hangarAudioTap?.onPcm?.(channels[0]!, format.rate);
    // A suspended context (no user gesture yet) does not advance: scheduling would only pile up.
    if (ctx.state !== 'running') return;
    const buffer = ctx.createBuffer(format.channels, frames, format.rate);
    channels.forEach((c, i) => buffer.copyToChannel(c, i));
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.gain!);
    const now = ctx.currentTime;
    if (this.next < now + 0.01 || this.next > now + MAX_AHEAD_S) this.next = now + LEAD_S;
    src.start(this.next);
    this.next += frames / format.rate;
  }

  /** 0..1. */
  setVolume(volume: number): void {
    this.volume = Math.min(1, Math.max(0, volume));
    if (this.gain) this.gain.gain.value = this.volume;
  }

  /** Call from a user gesture: browsers start audio contexts suspended until one. */
  resume(): void {
    if (this.ctx && this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
  }

  close(): void {
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
    this.gain = null;
  }

  private context(): AudioContext {
    if (this.ctx) return this.ctx;
    const ctx = this.makeContext();
    const gain = ctx.createGain();
    gain.gain.value = this.volume;
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 4096;
    gain.connect(analyser);
    analyser.connect(ctx.destination);
    this.ctx = ctx;
    this.gain = gain;
    const tap = globalThis.__hangarAudioTap;
    if (tap) {
      tap.analyser = analyser;
      tap.context = ctx;
    }
    return ctx;
  }
}
