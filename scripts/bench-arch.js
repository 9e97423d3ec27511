#!/usr/bin/env node
// `node scripts/bench-arch.js`: the foreign test guests' boot time to their serial marker under Hangar, beside bare
// QEMU with the same argv (issue #21). Same method as scripts/bench.js, per architecture:
// A: `hangar start VM --wait-for-serial HANGAR-LINUX-READY`, spawn → exit (cold CLI: engine, probe, pre-flight,
//    QEMU with -S, QMP, serial attach, `cont`, boot).
// B: QEMU alone with `hangar argv VM` (QMP on a unix socket, no -S, runtime paths of its own), spawn → marker in
//    its serial log. Runs alternate A B A B …; each figure is the median. Every VM is killed after its marker.
//
//   node scripts/bench-arch.js            3 runs each, writes the "## Foreign architectures" section of docs/benchmarks.md
//   node scripts/bench-arch.js --smoke    1 run each, writes nothing
//   node scripts/bench-arch.js --runs N   N runs each
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { acceleratorOf, bareArgv, killQemuUnder, median, qemuPidsUnder, removeRun, run, waitForFileText } from './bench-common.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hangarBin = join(root, 'bin', 'hangar.js');
const fixturesDir = process.env.HANGAR_FIXTURES_CACHE ?? join(root, 'test', 'fixtures', 'cache');
const MARKER = 'HANGAR-LINUX-READY';
/** Emulated guests on a loaded 2-core host: minutes, not seconds. */
const BOOT_TIMEOUT_MS = 600_000;

const { values: opts } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, runs: { type: 'string' }, out: { type: 'string' } } });
const runs = opts.runs ? Number(opts.runs) : opts.smoke ? 1 : 3;
const outFile = opts.out ?? join(root, 'docs', 'benchmarks.md');

/** The guests: the fixtures the integration tests boot, created as those tests create them. */
const GUESTS = [
  { arch: 'aarch64', fixture: 'aarch64.iso', what: 'UEFI (AAVMF) from the ISO', create: (f) => ['--arch', 'aarch64', '--iso', f, '--memory', '768', '--cpus', '2'] },
  { arch: 'riscv64', fixture: 'riscv64.img', what: 'OpenSBI + U-Boot from its disk (a qcow2 copy)', create: (f) => ['--arch', 'riscv64', '--disk', f, '--memory', '512', '--cpus', '2'], qcow2: true },
];

const log = (line) => process.stdout.write(`${line}\n`);

async function hangar(env, lib, ...args) {
  const r = await run(process.execPath, [hangarBin, '--library', lib, ...args], env);
  if (r.code !== 0) throw new Error(`hangar ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

async function timeHangar(env, lib, vm) {
  const t0 = performance.now();
  await hangar(env, lib, 'start', vm, '--wait-for-serial', MARKER, '--timeout', String(BOOT_TIMEOUT_MS / 1000));
  const ms = performance.now() - t0;
  await hangar(env, lib, 'stop', vm, '--force');
  return ms;
}

async function timeBare(binary, argv, bareDir, bareSerialLog, runtimeBase) {
  rmSync(bareDir, { recursive: true, force: true });
  mkdirSync(bareDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(join(bareDir, 'qemu.log'), 'a');
  const t0 = performance.now();
  const child = spawn(binary, argv, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  try {
    await waitForFileText(bareSerialLog, MARKER, { child, timeoutMs: BOOT_TIMEOUT_MS });
    return performance.now() - t0;
  } finally {
    const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
    child.kill('SIGKILL');
    await exited;
    killQemuUnder(runtimeBase);
  }
}

async function benchGuest(g, env, lib, work, runtimeBase) {
  let file = join(fixturesDir, g.fixture);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run fixtures\``);
  if (g.qcow2) {
    const copy = join(work, `${g.arch}.qcow2`);
    const r = spawnSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', file, copy], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`qemu-img convert failed: ${r.stderr}`);
    file = copy;
  }
  const id = (await hangar(env, lib, 'create', `bench ${g.arch}`, ...g.create(file))).trim();
  const info = JSON.parse(await hangar(env, lib, 'info', id, '--json'));
  const full = (await hangar(env, lib, 'argv', id)).trim().split('\n');
  const runtimeDir = join(runtimeBase, 'hangar', id.replace(/-/g, '').slice(0, 12));
  const bareDir = join(runtimeBase, 'bare');
  const bareSerialLog = join(bareDir, 'serial.log');
  const argv = bareArgv(full.slice(1), { runtimeDir, bareDir, replace: [[join(info.bundleDir, 'logs', 'serial.log'), bareSerialLog]] });
  const hangarMs = [];
  const bareMs = [];
  // Hangar first: its first start makes the machine's UEFI vars file, which the bare argv names too.
  for (let i = 0; i < runs; i++) {
    hangarMs.push(await timeHangar(env, lib, id));
    log(`${g.arch} run ${i + 1}/${runs}: hangar ${hangarMs.at(-1).toFixed(0)} ms`);
    bareMs.push(await timeBare(full[0], argv, bareDir, bareSerialLog, runtimeBase));
    log(`${g.arch} run ${i + 1}/${runs}: bare   ${bareMs.at(-1).toFixed(0)} ms`);
    const left = qemuPidsUnder(runtimeBase);
    if (left.length) throw new Error(`QEMU still running after ${g.arch} run ${i + 1}: ${left.join(', ')}`);
  }
  const h = median(hangarMs);
  const b = median(bareMs);
  log(`${g.arch}: hangar median ${h.toFixed(0)} ms, bare median ${b.toFixed(0)} ms, ratio ${(h / b).toFixed(3)}x`);
  return { ...g, binary: full[0], hangarMs, bareMs, hangarMedian: h, bareMedian: b, ratio: h / b };
}

function writeSection(results, host, loadAvg) {
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const section = `## Foreign architectures

Generated by \`node scripts/bench-arch.js\` on ${new Date().toISOString().slice(0, 10)} (${cpus().length} cores, ${acceleratorOf(host)}; load average ${loadAvg} when the runs ended).
The aarch64 and riscv64 test guests (\`test/fixtures/cache\`, built from Debian's packages) to their serial marker \`${MARKER}\`,
emulated on this x86_64 host. Hangar: \`hangar start VM --wait-for-serial ${MARKER}\` with no engine running, spawn → exit.
Bare QEMU: the same argv (\`hangar argv VM\`, QMP on a unix socket, no \`-S\`), spawn → marker in its serial log. A and B
alternate; medians of ${results[0]?.hangarMs.length ?? 0}.

| Guest | Boots | Hangar | Bare QEMU | Hangar ÷ bare | Runs (Hangar / bare) |
|---|---|---|---|---|---|
${results.map((r) => `| ${r.arch} (\`${r.binary.split('/').pop()}\`) | ${r.what} | ${s(r.hangarMedian)} | ${s(r.bareMedian)} | **${r.ratio.toFixed(3)}×** | ${r.hangarMs.map(s).join(', ')} / ${r.bareMs.map(s).join(', ')} |`).join('\n')}

Under TCG every guest instruction is emulated, so the boot itself (${s(Math.min(...results.map((r) => r.bareMedian)))} or more in this run) dwarfs Hangar's start-up (under a
second, see the Results above); the spread between runs on a shared, loaded 2-core machine is larger than the difference.
`;
  const previous = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '# Benchmarks\n';
  const parts = previous.split(/^(?=## )/m);
  const at = parts.findIndex((p) => p.startsWith('## Foreign architectures'));
  if (at >= 0) parts[at] = `${section}\n`;
  else parts.push(`${parts.at(-1)?.endsWith('\n\n') ? '' : '\n'}${section}`);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, parts.join(''));
}

async function main() {
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) throw new Error('Hangar is not built: run `npm run build`');
  const work = mkdtempSync(join(tmpdir(), 'hangar-bench-arch-'));
  const runtimeBase = mkdtempSync('/tmp/hgx-');
  const lib = join(work, 'library');
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: lib, HANGAR_ENGINE_IDLE_TIMEOUT: '0' };
  try {
    const host = JSON.parse(await hangar(env, lib, 'host', '--json'));
    const results = [];
    for (const g of GUESTS) results.push(await benchGuest(g, env, lib, work, runtimeBase));
    if (!opts.smoke) {
      writeSection(results, host, readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '));
      log(`wrote ${outFile}`);
    }
  } finally {
    removeRun(runtimeBase, work);
  }
}

main().catch((err) => {
  process.stderr.write(`bench-arch: ${err.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
