#!/usr/bin/env node
// `npm run bench`: every benchmark in one run, one after the other, and a summary of every figure with its target.
//
// The parts (each alternates its series A B A B … so drift in the machine's load hits both sides, and prints each
// figure with its target and same-run ratio; see each script's header):
//   start     scripts/bench.js          boot to the serial marker, Hangar (warm engine UI click, cold CLI, warm CLI) ÷ bare QEMU, start split
//   display   scripts/bench-display.js  the display relay ÷ reading QEMU's VNC socket directly, and ÷ websockify
//   library   scripts/bench-library.js  library first paint ÷ a baseline page, library.list at 1,000 machines
//   engine    scripts/bench-engine.js   snapshots ÷ bare QMP, the idle engine with and without the page open
//   foreign   scripts/bench-arch.js     aarch64 / riscv64 guests' boot ÷ bare QEMU
// Every part writes its section into one report of this run (a file in a temporary folder); the load average is
// read before and after the whole run and around each part, and the run's duration is noted.
//
//   npm run bench                        runs everything, prints the summary, leaves docs/benchmarks.md alone
//   npm run bench -- --write-docs        the same, then docs/benchmarks.md is this run's report (all sections)
//   npm run bench -- --only start,library   some parts (with --write-docs: their sections replace those in the docs)
//   npm run bench -- --smoke             each part's one-round smoke (writes nothing; checks the benches still run)
//   npm run bench -- --start-runs N      the start part's rounds (default 7; each boots the Linux fixture 4 times)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docs = join(root, 'docs', 'benchmarks.md');
const PARTS = [
  { name: 'start', script: 'bench.js' },
  { name: 'display', script: 'bench-display.js' },
  { name: 'library', script: 'bench-library.js', smoke: ['--vms', '50', '--loads', '1', '--keystrokes', '2', '--no-write'] },
  { name: 'engine', script: 'bench-engine.js' },
  { name: 'foreign', script: 'bench-arch.js' },
];

const { values: opts } = parseArgs({
  options: {
    'write-docs': { type: 'boolean', default: false },
    only: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    'start-runs': { type: 'string' },
  },
});
if (opts['start-runs'] !== undefined && !/^[1-9]\d*$/.test(opts['start-runs'])) throw new Error(`--start-runs: a whole number of rounds, not "${opts['start-runs']}"`);
const only = opts.only ? new Set(opts.only.split(',').map((s) => s.trim())) : null;
if (only) for (const n of only) if (!PARTS.some((p) => p.name === n)) throw new Error(`--only: no part "${n}" (parts: ${PARTS.map((p) => p.name).join(', ')})`);
const parts = PARTS.filter((p) => !only || only.has(p.name));
if (opts.smoke && opts['write-docs']) throw new Error('--smoke writes nothing: leave out --write-docs');

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;
const log = (line) => process.stdout.write(`${line}\n`);

/** Runs one part with its output shown as it comes; resolves with its exit code, its lines and its duration. */
function runPart(part, out) {
  const runs = part.name === 'start' && opts['start-runs'] && !opts.smoke ? ['--runs', opts['start-runs']] : [];
  const args = [join(root, 'scripts', part.script), ...(opts.smoke ? (part.smoke ?? ['--smoke']) : ['--out', out, ...runs])];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      process.stdout.write(`[${part.name}] ${String(d).replace(/\n(?=.)/g, `\n[${part.name}] `)}`);
    });
    child.once('close', (code) => resolve({ code: code ?? 1, lines: text.split('\n'), ms: performance.now() - t0 }));
  });
}

/** The lines of a part's output that state a figure against its target (each part prints them so). */
const targetLines = (lines) => lines.filter((l) => /target/i.test(l));

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'hangar-bench-all-'));
  const report = join(work, 'benchmarks.md');
  // --only with --write-docs: start from the current docs, so the parts not run keep their sections.
  if (only && opts['write-docs'] && existsSync(docs)) copyFileSync(docs, report);
  const loadBefore = loadAverage();
  const t0 = performance.now();
  const results = [];
  try {
    for (const part of parts) {
      const before = loadAverage();
      log(`== ${part.name} (scripts/${part.script}), load average ${before}`);
      const r = await runPart(part, report);
      results.push({ part, ...r, loadBefore: before, loadAfter: loadAverage() });
      if (r.code !== 0) log(`== ${part.name} failed (exit ${r.code})`);
    }
    const total = performance.now() - t0;
    const loadAfter = loadAverage();
    const failed = results.filter((r) => r.code !== 0);
    log('');
    log(`== summary: ${results.length} parts in ${minutes(total)}; load average before ${loadBefore}, after ${loadAfter}`);
    for (const r of results) {
      log(`${r.part.name} (${minutes(r.ms)}, load ${r.loadBefore} → ${r.loadAfter})${r.code !== 0 ? ' FAILED' : ''}`);
      for (const l of targetLines(r.lines)) log(`  ${l}`);
    }
    if (!opts.smoke && results.length > 0) {
      const rows = results.map((r) => `| ${r.part.name} (\`scripts/${r.part.script}\`) | ${minutes(r.ms)} | ${r.loadBefore} | ${r.loadAfter} |${r.code !== 0 ? ' failed |' : ' |'}`).join('\n');
      const section = `## The whole run

\`npm run bench${opts['write-docs'] ? ' -- --write-docs' : ''}\` (\`scripts/bench-all.js\`) ran ${results.length === PARTS.length ? 'every part' : `the parts ${results.map((r) => r.part.name).join(', ')}`} one after the other
in ${minutes(total)}; load average (1, 5, 15 min) before ${loadBefore}, after ${loadAfter}.

| Part | Duration | Load before | Load after | |
|---|---|---|---|---|
${rows}
`;
      // This run's section replaces the previous one (kept by --only), at the end of the report.
      const md = (existsSync(report) ? readFileSync(report, 'utf8') : '# Benchmarks\n').replace(/^## The whole run\s*$[\s\S]*?(?=^## |(?![\s\S]))/m, '');
      writeFileSync(report, `${md.trimEnd()}\n\n${section}`);
      if (opts['write-docs']) {
        if (failed.length > 0) log(`not writing ${docs}: ${failed.map((r) => r.part.name).join(', ')} failed (this run's report: ${report})`);
        else {
          copyFileSync(report, docs);
          log(`wrote ${docs} from this run`);
        }
      } else log(`this run's report: ${report} (npm run bench -- --write-docs makes it docs/benchmarks.md)`);
    }
    if (failed.length > 0) process.exitCode = 1;
  } finally {
    // Kept when a failed --write-docs run could not copy it; otherwise it lives only as long as this process.
    if (process.exitCode !== 1 && opts['write-docs']) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench-all: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
