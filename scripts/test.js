#!/usr/bin/env node
// `npm test`: lint and typecheck (side by side) → build → unit → integration → hostile → e2e, stopping at the first failing
// stage (a test project in which no test ran fails too). Ends with one summary line "N passed, N failed" counting vitest tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noTestsRan } from './vitest-report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const vitestBin = join(root, 'node_modules/vitest/vitest.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'hangar-test-'));
const totals = { passed: 0, failed: 0 };

function header(title) {
  console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 70 - title.length))}`);
}

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (res.error) console.error(res.error.message);
  return res.status === 0;
}

/**
 * One stage: the vitest projects named `<project>*` (vitest.config.ts). It fails when its include glob matched no
 * test file or no test ran: a broken glob or a renamed folder must not look green (no --passWithNoTests).
 */
function vitest(project) {
  const json = join(tmp, `${project}.json`);
  const ok = run(process.execPath, [vitestBin, 'run', '--project', `${project}*`, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`]);
  const report = existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : null;
  totals.passed += report?.numPassedTests ?? 0;
  totals.failed += report?.numFailedTests ?? 0;
  const none = noTestsRan(project, report);
  if (none) {
    console.error(none);
    return false;
  }
  return ok;
}

/** A command run beside others: its output kept (stdout and stderr in arrival order) and printed when it ends. */
function runQuietly(cmd, args) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('error', (err) => out.push(Buffer.from(`${err.message}\n`)));
    child.on('close', (code) => resolve({ ok: code === 0, output: Buffer.concat(out).toString(), seconds: (Date.now() - started) / 1000 }));
  });
}

// The static checks only read the sources, each on one core: run side by side, they cost the slowest of them
// instead of their sum. The build is not among them: electron-vite writes a temporary config module next to
// electron.vite.config.ts, which eslint would find and then miss.
const checks = [
  { title: 'lint (eslint .)', args: ['run', '--silent', 'lint'] },
  { title: 'electron security lint (electronegativity)', args: ['run', '--silent', 'lint:electron'] },
  { title: 'typecheck (npm run typecheck)', args: ['run', '--silent', 'typecheck'] },
];

const stages = [
  { title: 'build (electron-vite build)', run: () => run(npm, ['run', '--silent', 'build']) },
  { title: "unit tests (vitest --project 'unit*')", run: () => vitest('unit') },
  { title: "integration tests (vitest --project 'integration*')", run: () => vitest('integration') },
  { title: "hostile input corpus (vitest --project 'hostile*')", run: () => vitest('hostile') },
  { title: "e2e tests (vitest --project 'e2e*')", run: () => vitest('e2e') },
];

const t0 = Date.now();
const elapsed = () => `${Math.round((Date.now() - t0) / 1000)} s`;
let failedStage = null;
const results = await Promise.all(checks.map((c) => runQuietly(npm, c.args)));
checks.forEach((c, i) => {
  header(c.title);
  process.stdout.write(results[i].output);
  console.log(`(${results[i].ok ? 'passed' : 'FAILED'} in ${results[i].seconds.toFixed(1)} s, side by side with the other checks)`);
  if (!results[i].ok && !failedStage) failedStage = c.title;
});
for (const stage of failedStage ? [] : stages) {
  header(`${stage.title} [at ${elapsed()}]`);
  if (!stage.run()) {
    failedStage = stage.title;
    break;
  }
}
rmSync(tmp, { recursive: true, force: true });

console.log('');
if (failedStage) console.log(`FAILED at stage: ${failedStage}`);
console.log(`took ${elapsed()}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(failedStage || totals.failed > 0 ? 1 : 0);
