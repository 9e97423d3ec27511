#!/usr/bin/env node
// `npm run bench:compare -- BASE-REF`: boot, snapshot and idle figures of this working tree (head, as built in out/)
// against BASE-REF, measured in the same run so load drift hits both alike.
//
// The base is checked out with `git worktree add --detach` into a temporary folder, given this tree's node_modules
// and test/fixtures/cache as symlinks, and built (`npm run build`). Each tree gets its own library, runtime folder and
// engine process (its own out/main/engine.js), and the rounds alternate A B B A:
//   boot       `hangar start VM --wait-for-serial HANGAR-BOOT-OK` through each tree's CLI and engine, spawn → exit
//              (boot.img, 64 MiB); `stop --force` after, untimed. One warm-up round, not counted.
//   snapshot   `snapshot.take` with RAM and `snapshot.restore` round trips over the control socket (boot.img on
//              qcow2, 128 MiB); the thumbnail and the delete untimed. One warm-up round, not counted.
//   idle       a fresh engine per tree and round with N boot.img VMs (32 MiB) started, 1 s to settle, then its
//              RSS (max of 1 s samples) and CPU (utime + stime) over S seconds; the other tree runs nothing meanwhile.
// Prints head ÷ base of the medians with the spread of the single rounds, and writes a JSON report
// (default out/bench-compare.json). The worktree, engines and QEMUs are removed however the run ends.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlSocketOf, engineClient, killQemuUnder, qemuPidsUnder, sampleIdle, waitForFileText } from './bench-common.js';
import { USAGE, compareSamples, formatComparison, parseCompareArgs, roundOrder, verdictOf } from './bench-compare-lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixturesDir = process.env.HANGAR_FIXTURES_CACHE ?? join(root, 'test', 'fixtures', 'cache');
const bootImg = join(fixturesDir, 'boot.img');
const MARKER = 'HANGAR-BOOT-OK';
const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Everything to undo, newest first; run once, on success, failure or a signal. */
const cleanups = [];
let cleaned = false;
async function cleanUp() {
  if (cleaned) return;
  cleaned = true;
  for (const undo of cleanups.reverse()) {
    try {
      await undo();
    } catch (err) {
      process.stderr.write(`bench-compare: clean-up: ${err.message ?? err}\n`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    process.stderr.write(`bench-compare: ${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

function git(...args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
}

/** One tree's engine on its own library; stopped at clean-up if the run does not stop it first. */
async function startEngine(tree, lib) {
  const child = spawn(process.execPath, [join(tree.dir, 'out', 'main', 'engine.js'), '--library', lib], { env: tree.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  cleanups.push(stop);
  const socket = await controlSocketOf(child, `${tree.name} engine`);
  const client = await engineClient(socket);
  return { child, client, stop: async () => (client.close(), stop()) };
}

function run(tree, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(tree.dir, 'bin', 'hangar.js'), ...args], { env: tree.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tree.name}: hangar ${args.join(' ')} failed (${code}): ${stderr.trim()}`))));
  });
}

/** A tree: its folder, its runtime folder (short: socket paths) and environment. */
function makeTree(name, dir, work) {
  const runtime = mkdtempSync(`/tmp/hgbc-${name[0]}-`);
  cleanups.push(() => {
    killQemuUnder(runtime);
    rmSync(runtime, { recursive: true, force: true });
  });
  const env = { ...process.env, XDG_RUNTIME_DIR: runtime, XDG_CACHE_HOME: join(work, `${name}-cache`), HANGAR_ENGINE_IDLE_TIMEOUT: '5' };
  delete env.HANGAR_LIBRARY;
  return { name, dir, runtime, env, work: join(work, name) };
}

/** `npm run build` in `dir`, asynchronously so a signal is handled (and the build stopped) while it runs. */
function build(dir) {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGTERM');
    };
    cleanups.push(stop);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`building the base failed (${signal ?? code}):\n${output.split('\n').slice(-20).join('\n')}`))));
  });
}

/** The base ref in a temporary worktree, with this tree's node_modules and fixtures, built. */
async function checkoutBase(commit, work) {
  const dir = join(work, 'base-tree');
  git('worktree', 'add', '--detach', dir, commit);
  cleanups.push(() => {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: root });
    rmSync(dir, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: root });
  });
  symlinkSync(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'test', 'fixtures'), { recursive: true });
  rmSync(join(dir, 'test', 'fixtures', 'cache'), { recursive: true, force: true });
  symlinkSync(realpathSync(fixturesDir), join(dir, 'test', 'fixtures', 'cache'));
  log(`building the base (${commit.slice(0, 10)}) in ${dir} …`);
  await build(dir);
  return dir;
}

async function benchBoot(trees, rounds) {
  const ctx = {};
  for (const t of Object.values(trees)) {
    const lib = join(t.work, 'boot-library');
    mkdirSync(t.work, { recursive: true });
    const engine = await startEngine(t, lib);
    const disk = join(t.work, 'boot.img');
    copyFileSync(bootImg, disk);
    const { id } = await engine.client.call('vm.create', { name: 'bench boot', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    ctx[t.name] = { engine, lib, id };
  }
  const samples = { head: [], base: [] };
  for (let i = 0; i <= rounds; i++) {
    for (const name of roundOrder(i)) {
      const t = trees[name];
      const { lib, id } = ctx[name];
      const t0 = performance.now();
      await run(t, ['--library', lib, 'start', id, '--wait-for-serial', MARKER, '--timeout', '300']);
      const ms = performance.now() - t0;
      await run(t, ['--library', lib, 'stop', id, '--force']);
      if (i > 0) samples[name].push(ms);
      log(`boot round ${i}${i === 0 ? ' (warm-up)' : ''}: ${name} ${ms.toFixed(0)} ms`);
    }
  }
  for (const c of Object.values(ctx)) await c.engine.stop();
  return compareSamples(samples.head, samples.base);
}

async function benchSnapshots(trees, rounds) {
  const ctx = {};
  for (const t of Object.values(trees)) {
    const lib = join(t.work, 'snap-library');
    mkdirSync(t.work, { recursive: true });
    const engine = await startEngine(t, lib);
    const disk = join(t.work, 'snap.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', bootImg, disk]);
    const { id, bundleDir } = await engine.client.call('vm.create', { name: 'bench snapshots', existingDisk: disk, memoryMiB: 128, cpus: 1 });
    await engine.client.call('vm.start', { vm: id });
    await waitForFileText(join(bundleDir, 'logs', 'serial.log'), MARKER, { timeoutMs: 300_000 });
    ctx[t.name] = { engine, id };
  }
  const take = { head: [], base: [] };
  const restore = { head: [], base: [] };
  for (let i = 0; i <= rounds; i++) {
    const taken = {};
    for (const name of roundOrder(i)) {
      const { engine, id } = ctx[name];
      const t0 = performance.now();
      const r = await engine.client.call('snapshot.take', { vm: id, name: `bench ${i}`, withRam: true });
      const ms = performance.now() - t0;
      taken[name] = r.snapshot.id;
      // Untimed: the PNG is made after the reply; let it finish before the other tree's take.
      await engine.client.call('snapshot.thumbnail', { vm: id, snapshot: r.snapshot.id });
      if (i > 0) take[name].push(ms);
    }
    for (const name of roundOrder(i)) {
      const { engine, id } = ctx[name];
      const t0 = performance.now();
      await engine.client.call('snapshot.restore', { vm: id, snapshot: taken[name] });
      const ms = performance.now() - t0;
      await engine.client.call('snapshot.delete', { vm: id, snapshot: taken[name] });
      if (i > 0) restore[name].push(ms);
    }
    if (i > 0) log(`snapshot round ${i}: take head ${take.head.at(-1).toFixed(0)} / base ${take.base.at(-1).toFixed(0)} ms, restore head ${restore.head.at(-1).toFixed(0)} / base ${restore.base.at(-1).toFixed(0)} ms`);
  }
  for (const c of Object.values(ctx)) {
    await c.engine.client.call('vm.forceOff', { vm: c.id });
    await c.engine.stop();
  }
  return { take: compareSamples(take.head, take.base), restore: compareSamples(restore.head, restore.base) };
}

/** One tree's idle engine: a fresh library and engine, `vms` VMs booted, then RSS and CPU over `seconds`. */
async function idleOnce(t, round, vms, seconds) {
  const lib = join(t.work, `idle-library-${round}`);
  mkdirSync(t.work, { recursive: true });
  const engine = await startEngine(t, lib);
  try {
    const started = [];
    for (let i = 0; i < vms; i++) {
      const disk = join(t.work, `idle-${round}-${i}.img`);
      copyFileSync(bootImg, disk);
      const { id, bundleDir } = await engine.client.call('vm.create', { name: `idle ${i}`, existingDisk: disk, memoryMiB: 32, cpus: 1 });
      await engine.client.call('vm.start', { vm: id });
      started.push({ id, bundleDir });
    }
    for (const { bundleDir } of started) await waitForFileText(join(bundleDir, 'logs', 'serial.log'), MARKER, { timeoutMs: 300_000 });
    await sleep(1000);
    const { rssKiB: rss, cpuSeconds, wall } = await sampleIdle(engine.child.pid, seconds);
    const cpuPercent = (100 * cpuSeconds) / wall;
    for (const { id } of started) await engine.client.call('vm.forceOff', { vm: id });
    return { rssMiB: Math.max(...rss) / 1024, cpuPercent };
  } finally {
    await engine.stop();
  }
}

async function benchIdle(trees, rounds, vms, seconds) {
  const rss = { head: [], base: [] };
  const cpu = { head: [], base: [] };
  for (let i = 0; i < rounds; i++) {
    for (const name of roundOrder(i)) {
      const r = await idleOnce(trees[name], i, vms, seconds);
      rss[name].push(r.rssMiB);
      cpu[name].push(r.cpuPercent);
      log(`idle round ${i + 1}: ${name} RSS ${r.rssMiB.toFixed(1)} MiB, CPU ${r.cpuPercent.toFixed(2)} % of a core`);
    }
  }
  return { rss: compareSamples(rss.head, rss.base), cpu: compareSamples(cpu.head, cpu.base) };
}

async function main() {
  let opts;
  try {
    opts = parseCompareArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench-compare: ${err.message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (opts.help) return log(USAGE);
  for (const f of ['engine.js', 'cli.js']) if (!existsSync(join(root, 'out', 'main', f))) throw new Error(`this tree is not built (out/main/${f}): run \`npm run build\` first`);
  if (!existsSync(bootImg)) throw new Error(`${bootImg} is missing: run \`npm run fixtures\``);
  const commit = git('rev-parse', '--verify', `${opts.base}^{commit}`);
  const head = { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  const work = mkdtempSync(join(tmpdir(), 'hangar-bench-compare-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const baseDir = await checkoutBase(commit, work);
  const trees = { head: makeTree('head', root, work), base: makeTree('base', baseDir, work) };
  log(`head ${head.commit.slice(0, 10)}${head.dirty ? ' (with uncommitted changes, as built)' : ''} vs base ${opts.base} = ${commit.slice(0, 10)}; rounds alternate A B B A`);
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadBefore = load();
  const results = {};
  if (opts.only.has('boot')) results.boot = await benchBoot(trees, opts.boot);
  if (opts.only.has('snapshot')) Object.assign(results, Object.fromEntries(Object.entries(await benchSnapshots(trees, opts.snapshot)).map(([k, v]) => [`snapshot ${k}`, v])));
  if (opts.only.has('idle')) Object.assign(results, Object.fromEntries(Object.entries(await benchIdle(trees, opts.idleRounds, opts.idleVms, opts.idleSeconds)).map(([k, v]) => [`idle ${k}`, v])));
  for (const t of Object.values(trees)) if (qemuPidsUnder(t.runtime).length) throw new Error(`QEMU still running under ${t.runtime}`);
  const units = { boot: 'ms', 'snapshot take': 'ms', 'snapshot restore': 'ms', 'idle rss': 'MiB', 'idle cpu': '% of a core' };
  log('');
  log(`head ÷ base (lower is better), load average ${loadBefore} before, ${load()} after, ${cpus().length} cores:`);
  for (const [k, c] of Object.entries(results)) log(`  ${formatComparison(k, units[k], c)}`);
  const report = {
    date: new Date().toISOString(),
    head,
    base: { ref: opts.base, commit },
    options: { ...opts, only: [...opts.only] },
    loadAverage: { before: loadBefore, after: load() },
    cores: cpus().length,
    results: Object.fromEntries(Object.entries(results).map(([k, c]) => [k, { unit: units[k], ...c, verdict: verdictOf(c) }])),
  };
  const outFile = opts.out ?? join(root, 'out', 'bench-compare.json');
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${outFile}`);
}

main()
  .catch((err) => {
    process.stderr.write(`bench-compare: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
