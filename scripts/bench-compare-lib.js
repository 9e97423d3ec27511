// The pure parts of `npm run bench:compare` (scripts/bench-compare.js): arguments, run order and the statistics.
import { parseArgs } from 'node:util';
import { median } from './bench-common.js';

export const USAGE = `Usage: npm run bench:compare -- BASE-REF [--boot N] [--snapshot N] [--idle-rounds N] [--idle-vms N] [--idle-seconds S] [--only boot,snapshot,idle] [--smoke] [--out FILE]

Measures this working tree (as built in out/: run \`npm run build\` first) against BASE-REF (built in a temporary
git worktree), interleaved in one run, and prints head ÷ base for each figure.`;

const MEASURES = ['boot', 'snapshot', 'idle'];

/** Small by default: a comparison runs two of everything on a shared machine. */
const DEFAULTS = { boot: 3, snapshot: 3, idleRounds: 2, idleVms: 2, idleSeconds: 3 };
const SMOKE = { boot: 1, snapshot: 1, idleRounds: 1, idleVms: 1, idleSeconds: 1 };

function count(text, flag, min) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) throw new Error(`--${flag} must be a whole number ≥ ${min} (got "${text}")`);
  return n;
}

/** The command line, checked: a usage error is thrown as an Error whose message says what is wrong. */
export function parseCompareArgs(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        boot: { type: 'string' },
        snapshot: { type: 'string' },
        'idle-rounds': { type: 'string' },
        'idle-vms': { type: 'string' },
        'idle-seconds': { type: 'string' },
        only: { type: 'string' },
        smoke: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new Error(err.message.replace(/\. To specify.*$/s, ''));
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  if (parsed.positionals.length !== 1) throw new Error(parsed.positionals.length === 0 ? 'give the base ref to compare against (e.g. main or HEAD~1)' : `one base ref only (got ${parsed.positionals.join(' ')})`);
  const base = parsed.positionals[0];
  if (base.startsWith('-')) throw new Error(`not a git ref: "${base}"`);
  const d = v.smoke ? SMOKE : DEFAULTS;
  const only = v.only === undefined ? MEASURES : v.only.split(',').map((s) => s.trim());
  for (const m of only) if (!MEASURES.includes(m)) throw new Error(`--only: unknown measurement "${m}" (${MEASURES.join(', ')})`);
  return {
    help: false,
    base,
    boot: count(v.boot, 'boot', 1) ?? d.boot,
    snapshot: count(v.snapshot, 'snapshot', 1) ?? d.snapshot,
    idleRounds: count(v['idle-rounds'], 'idle-rounds', 1) ?? d.idleRounds,
    idleVms: count(v['idle-vms'], 'idle-vms', 1) ?? d.idleVms,
    idleSeconds: count(v['idle-seconds'], 'idle-seconds', 1) ?? d.idleSeconds,
    only: new Set(only),
    out: v.out,
  };
}

/**
 * Which tree goes first in round `i`: head, base, then base, head (A B B A …), so a machine that gets busier
 * or quieter during the run, and whatever the first of a pair leaves warm, weigh on both trees alike.
 */
export function roundOrder(i) {
  return i % 2 === 0 ? ['head', 'base'] : ['base', 'head'];
}

/** head ÷ base, where 0 ÷ 0 (an idle engine's CPU below the clock tick) is "the same", not NaN. */
function ratioOf(head, base) {
  if (base === 0) return head === 0 ? 1 : Infinity;
  return head / base;
}

/**
 * Paired samples (head[i] and base[i] ran in the same round) → medians, head ÷ base of the medians, and the
 * spread of the per-round ratios (min, median, max): how much one round swings, to read the ratio against.
 */
export function compareSamples(head, base) {
  if (head.length !== base.length || head.length === 0) throw new Error(`paired samples needed (head ${head.length}, base ${base.length})`);
  const pairs = head.map((h, i) => ratioOf(h, base[i]));
  const headMedian = median(head);
  const baseMedian = median(base);
  return {
    n: head.length,
    head: headMedian,
    base: baseMedian,
    ratio: ratioOf(headMedian, baseMedian),
    pairRatios: { min: Math.min(...pairs), median: median(pairs), max: Math.max(...pairs) },
    samples: { head, base },
  };
}

/** Below this many rounds, "every round slower" happens by chance too often (1 in 8 for three) to call. */
export const MIN_ROUNDS_FOR_VERDICT = 5;

/**
 * Worse only when the evidence says so: enough rounds, the ratio of the medians above 1 + tolerance and every
 * round with head slower than base. Anything else is within this run's noise.
 */
export function verdictOf(c, tolerance = 0.05) {
  if (c.n < MIN_ROUNDS_FOR_VERDICT) return `too few rounds to call (${c.n} < ${MIN_ROUNDS_FOR_VERDICT})`;
  if (c.ratio > 1 + tolerance && c.pairRatios.min > 1) return 'worse';
  if (c.ratio < 1 - tolerance && c.pairRatios.max < 1) return 'better';
  return 'same within noise';
}

/** One line per figure: the two medians, the ratio, the spread of the rounds and the verdict. */
export function formatComparison(label, unit, c) {
  const f = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
  return `${label}: head ${f(c.head)} ${unit}, base ${f(c.base)} ${unit}: head ÷ base ${c.ratio.toFixed(3)}× (rounds ${c.pairRatios.min.toFixed(2)}×–${c.pairRatios.max.toFixed(2)}×, n=${c.n}): ${verdictOf(c)}`;
}
