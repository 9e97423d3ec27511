// The start bench judges Hangar against bare QEMU from runs made in pairs: the ratio of the medians alone hides
// what a pair shares (the machine's load at that moment), so each pair's ratio and overhead are reported too.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .js script without types
import { pairStats } from '../../../scripts/bench-common.js';

type Stats = { ratioOfMedians: number; ratios: number[]; medianRatio: number; overheads: number[]; medianOverhead: number };
const stats = pairStats as (a: number[], b: number[]) => Stats;

describe('pairStats', () => {
  it('gives the ratio of the medians, each pair\'s ratio and overhead, and their medians', () => {
    // Load swings the pairs together: 8 s, 11 s, 9 s boots, Hangar 40–120 ms behind in each.
    const s = stats([8_040, 11_120, 9_060], [8_000, 11_000, 9_000]);
    expect(s.ratioOfMedians).toBeCloseTo(9_060 / 9_000, 10);
    expect(s.ratios.map((r) => r.toFixed(4))).toEqual(['1.0050', '1.0109', '1.0067']);
    expect(s.medianRatio).toBeCloseTo(9_060 / 9_000, 10);
    expect(s.overheads).toEqual([40, 120, 60]);
    expect(s.medianOverhead).toBe(60);
  });

  it('takes the middle two of an even count', () => {
    const s = stats([110, 220, 330, 440], [100, 200, 300, 400]);
    expect(s.medianOverhead).toBe(25);
    expect(s.medianRatio).toBeCloseTo(1.1, 10);
  });

  it('refuses runs that do not pair up', () => {
    expect(() => stats([1, 2], [1])).toThrow(/2 against 1 runs/);
    expect(() => stats([], [])).toThrow(/0 against 0 runs/);
  });
});
