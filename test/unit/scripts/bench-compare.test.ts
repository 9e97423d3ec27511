// The pure parts of scripts/bench-compare.js: its arguments, the A B B A order, and head ÷ base with its spread.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .js script without types
import * as lib from '../../../scripts/bench-compare-lib.js';

interface Comparison {
  n: number;
  head: number;
  base: number;
  ratio: number;
  pairRatios: { min: number; median: number; max: number };
}
const { parseCompareArgs, roundOrder, compareSamples, verdictOf, formatComparison } = lib as {
  parseCompareArgs(argv: string[]): Record<string, unknown>;
  roundOrder(i: number): string[];
  compareSamples(head: number[], base: number[]): Comparison;
  verdictOf(c: Comparison, tolerance?: number): string;
  formatComparison(label: string, unit: string, c: Comparison): string;
};

describe('parseCompareArgs', () => {
  it('takes one base ref and small defaults', () => {
    const o = parseCompareArgs(['main']);
    expect(o).toMatchObject({ help: false, base: 'main', boot: 3, snapshot: 3, idleRounds: 2, idleVms: 2, idleSeconds: 3 });
    expect([...(o['only'] as Set<string>)]).toEqual(['boot', 'snapshot', 'idle']);
  });

  it('reads counts, --only, --smoke and --out', () => {
    expect(parseCompareArgs(['HEAD~1', '--boot', '5', '--idle-vms', '4', '--out', '/tmp/r.json'])).toMatchObject({ base: 'HEAD~1', boot: 5, idleVms: 4, out: '/tmp/r.json' });
    expect([...(parseCompareArgs(['main', '--only', 'boot, idle'])['only'] as Set<string>)]).toEqual(['boot', 'idle']);
    expect(parseCompareArgs(['main', '--smoke'])).toMatchObject({ boot: 1, snapshot: 1, idleRounds: 1, idleVms: 1, idleSeconds: 1 });
    expect(parseCompareArgs(['main', '--smoke', '--boot', '2'])).toMatchObject({ boot: 2, snapshot: 1 });
    expect(parseCompareArgs(['--help'])).toEqual({ help: true });
  });

  it('refuses what it cannot run, saying what is wrong', () => {
    expect(() => parseCompareArgs([])).toThrow('give the base ref to compare against (e.g. main or HEAD~1)');
    expect(() => parseCompareArgs(['main', 'other'])).toThrow('one base ref only (got main other)');
    expect(() => parseCompareArgs(['main', '--boot', '0'])).toThrow('--boot must be a whole number ≥ 1 (got "0")');
    expect(() => parseCompareArgs(['main', '--boot', '2.5'])).toThrow('--boot must be a whole number ≥ 1 (got "2.5")');
    expect(() => parseCompareArgs(['main', '--idle-seconds', 'x'])).toThrow(/^--idle-seconds must be a whole number/);
    expect(() => parseCompareArgs(['main', '--only', 'boot,display'])).toThrow('--only: unknown measurement "display" (boot, snapshot, idle)');
    expect(() => parseCompareArgs(['main', '--fast'])).toThrow(/Unknown option '--fast'$/);
  });
});

describe('roundOrder', () => {
  it('alternates which tree goes first: A B, B A, A B …', () => {
    expect([0, 1, 2, 3].map(roundOrder)).toEqual([['head', 'base'], ['base', 'head'], ['head', 'base'], ['base', 'head']]);
  });
});

describe('compareSamples', () => {
  it('gives head ÷ base of the medians and the spread of the per-round ratios', () => {
    const c = compareSamples([110, 100, 130], [100, 100, 100]);
    expect(c).toMatchObject({ n: 3, head: 110, base: 100 });
    expect(c.ratio).toBeCloseTo(1.1, 10);
    expect(c.pairRatios.min).toBeCloseTo(1.0, 10);
    expect(c.pairRatios.median).toBeCloseTo(1.1, 10);
    expect(c.pairRatios.max).toBeCloseTo(1.3, 10);
  });

  it('pairs rounds, not sorted lists (a slow round on both sides cancels out)', () => {
    const c = compareSamples([100, 200], [100, 200]);
    expect(c.pairRatios).toEqual({ min: 1, median: 1, max: 1 });
    expect(c.ratio).toBe(1);
  });

  it('reads 0 ÷ 0 (an idle engine below the clock tick) as the same, and x ÷ 0 as worse', () => {
    const same = compareSamples([0, 0], [0, 0]);
    expect(same.ratio).toBe(1);
    expect(same.pairRatios).toEqual({ min: 1, median: 1, max: 1 });
    expect(verdictOf(compareSamples([0, 0, 0, 0, 0], [0, 0, 0, 0, 0]))).toBe('same within noise');
    expect(verdictOf(compareSamples([0.3, 0.3, 0.3, 0.3, 0.3], [0, 0, 0, 0, 0]))).toBe('worse');
  });

  it('refuses unpaired samples', () => {
    expect(() => compareSamples([1, 2], [1])).toThrow('paired samples needed (head 2, base 1)');
    expect(() => compareSamples([], [])).toThrow(/paired samples needed/);
  });
});

describe('verdictOf', () => {
  const base5 = [100, 100, 100, 100, 100];
  it('says worse only when the ratio is past the tolerance and every round was slower', () => {
    expect(verdictOf(compareSamples([120, 118, 125, 121, 119], base5))).toBe('worse');
    // Ratio of medians 1.2, but one round had head faster: noise, not a regression.
    expect(verdictOf(compareSamples([120, 90, 125, 121, 119], base5))).toBe('same within noise');
    expect(verdictOf(compareSamples([103, 104, 102, 103, 103], base5))).toBe('same within noise');
    expect(verdictOf(compareSamples([103, 104, 102, 103, 103], base5), 0.01)).toBe('worse');
    expect(verdictOf(compareSamples([80, 85, 82, 81, 84], base5))).toBe('better');
  });

  it('calls nothing from fewer than 5 rounds (three slower rounds happen by chance 1 in 8)', () => {
    expect(verdictOf(compareSamples([120, 118, 125], [100, 100, 100]))).toBe('too few rounds to call (3 < 5)');
  });

  it('is printed with the medians, the ratio and the spread', () => {
    expect(formatComparison('boot', 'ms', compareSamples([1100, 1000, 1300], [1000, 1000, 1000]))).toBe('boot: head 1100 ms, base 1000 ms: head ÷ base 1.100× (rounds 1.00×–1.30×, n=3): too few rounds to call (3 < 5)');
    expect(formatComparison('idle rss', 'MiB', compareSamples([60.5], [60]))).toBe('idle rss: head 60.50 MiB, base 60.00 MiB: head ÷ base 1.008× (rounds 1.01×–1.01×, n=1): too few rounds to call (1 < 5)');
  });
});
