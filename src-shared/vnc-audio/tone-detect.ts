/**
 * Finds a known tone in decoded samples (the sound tests' detector): Goertzel power at one frequency, and the
 * frequency from zero crossings. Pure arithmetic, no DOM or Node.
 */

/** Power of `samples` at `hz` (Goertzel), normalised by the sample count squared, so it does not grow with length. */
export function goertzelPower(samples: ArrayLike<number>, sampleRate: number, hz: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const w = (2 * Math.PI * hz) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (samples[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n);
}

/** The frequency a periodic signal crosses zero at: crossings / 2 per second, after removing the mean (DC). */
export function zeroCrossingFrequency(samples: ArrayLike<number>, sampleRate: number): number {
  const n = samples.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += samples[i] ?? 0;
  mean /= n;
  let crossings = 0;
  let prev = (samples[0] ?? 0) - mean;
  for (let i = 1; i < n; i++) {
    const cur = (samples[i] ?? 0) - mean;
    if ((prev < 0 && cur >= 0) || (prev >= 0 && cur < 0)) crossings++;
    if (cur !== 0) prev = cur;
  }
  return crossings / 2 / (n / sampleRate);
}

export interface ToneReport {
  /** Goertzel power at the expected frequency. */
  power: number;
  /** The strongest power at the off frequencies compared (half, 1.5× and twice off by a third). */
  offPower: number;
  /** Frequency from zero crossings. */
  crossingHz: number;
  /** Root mean square of the samples (silence is 0). */
  rms: number;
  found: boolean;
}

/**
 * Is a tone of `hz` the dominant sound? It must be audible (rms), its Goertzel power must beat nearby off
 * frequencies by `ratio`, and the zero-crossing frequency must be within `tolerance` (relative) of it.
 */
export function detectTone(samples: ArrayLike<number>, sampleRate: number, hz: number, options: { ratio?: number; tolerance?: number; minRms?: number } = {}): ToneReport {
  const ratio = options.ratio ?? 10;
  const tolerance = options.tolerance ?? 0.05;
  const minRms = options.minRms ?? 0.01;
  let sq = 0;
  for (let i = 0; i < samples.length; i++) sq += (samples[i] ?? 0) ** 2;
  const rms = samples.length ? Math.sqrt(sq / samples.length) : 0;
  const power = goertzelPower(samples, sampleRate, hz);
  // Not multiples of hz: a square wave has power at 3×, 5×... of its own frequency.
  const offPower = Math.max(...[0.5, 0.75, 1.33, 2].map((k) => goertzelPower(samples, sampleRate, hz * k)));
  const crossingHz = zeroCrossingFrequency(samples, sampleRate);
  const found = rms >= minRms && power > offPower * ratio && Math.abs(crossingHz - hz) <= hz * tolerance;
  return { power, offPower, crossingHz, rms, found };
}
