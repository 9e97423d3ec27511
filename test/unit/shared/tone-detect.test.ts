import { describe, expect, it } from 'vitest';
import { detectTone, goertzelPower, zeroCrossingFrequency } from '../../../src-shared/vnc-audio/tone-detect.js';

const RATE = 44_100;
const sine = (hz: number, seconds: number, amp = 0.5) => Float32Array.from({ length: Math.round(RATE * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / RATE));
const square = (hz: number, seconds: number, amp = 0.4, dc = 0) =>
  Float32Array.from({ length: Math.round(RATE * seconds) }, (_, i) => dc + (Math.floor((2 * hz * i) / RATE) % 2 === 0 ? amp : -amp));

describe('tone detector', () => {
  it('finds a sine and a square wave at their frequency', () => {
    expect(detectTone(sine(1000, 0.5), RATE, 1000).found).toBe(true);
    const sq = detectTone(square(1000, 0.5, 0.4, 0.1), RATE, 1000); // with a DC offset, as an unsigned 8-bit source gives
    expect(sq.found).toBe(true);
    expect(sq.crossingHz).toBeGreaterThan(990);
    expect(sq.crossingHz).toBeLessThan(1010);
  });

  it('does not find a tone of another frequency, silence, or noise', () => {
    expect(detectTone(sine(800, 0.5), RATE, 1000).found).toBe(false);
    expect(detectTone(square(500, 0.5), RATE, 1000).found).toBe(false);
    expect(detectTone(square(2000, 0.5), RATE, 1000).found).toBe(false);
    expect(detectTone(new Float32Array(RATE / 2), RATE, 1000).found).toBe(false);
    let seed = 1;
    const noise = Float32Array.from({ length: RATE / 2 }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) - 0.5);
    expect(detectTone(noise, RATE, 1000).found).toBe(false);
  });

  it('Goertzel power peaks at the tone and zero crossings count its frequency', () => {
    const s = sine(440, 1);
    expect(goertzelPower(s, RATE, 440)).toBeGreaterThan(100 * goertzelPower(s, RATE, 600));
    expect(zeroCrossingFrequency(s, RATE)).toBeCloseTo(440, 0);
    expect(goertzelPower([], RATE, 440)).toBe(0);
    expect(zeroCrossingFrequency([1], RATE)).toBe(0);
  });
});
