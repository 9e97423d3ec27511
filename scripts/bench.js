#!/usr/bin/env node
// `npm run bench`: Hangar's boot overhead against bare QEMU, and the engine's idle memory.
//
// A: `hangar --library <tmp> start VM --wait-for-serial HANGAR-LINUX-READY`, timed from spawn to exit
//    (Node start, engine open, host probe, pre-flight, QEMU launch, QMP, serial attach, `cont`, boot).
// B: QEMU alone with the same argv (from `hangar argv VM`): the inherited-fd QMP monitor becomes
//    `-qmp unix:…`, `-S` is dropped, runtime paths point at a folder of its own; timed from spawn until
//    the marker appears in its serial log.
// Runs alternate A B A B …; each figure is the median. Every VM is killed after its marker.
//
//   node scripts/bench.js            5 runs each, writes docs/benchmarks.md
//   node scripts/bench.js --smoke    1 run each, writes nothing
//   node scripts/bench.js --runs N   N runs each
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bareArgv, killQemuUnder, median, qemuPidsUnder, removeRun, run, waitForFileText } from './bench-common.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hangarBin = join(root, 'bin', 'hangar.js');
const engineJs = join(root, 'out', 'main', 'engine.js');
const fixturesDir = process.env.HANGAR_FIXTURES_CACHE ?? join(root, 'test', 'fixtures', 'cache');
const linuxIso = join(fixturesDir, 'linux.iso');
const MARKER = 'HANGAR-LINUX-READY';
const TARGET_RATIO = 1.03;
const BOOT_TIMEOUT_MS = 300_000;

const { values: opts } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, runs: { type: 'string' }, out: { type: 'string' } },
});
const smoke = opts.smoke;
const runs = opts.runs ? Number(opts.runs) : smoke ? 1 : 5;
const outFile = opts.out ?? join(root, 'docs', 'benchmarks.md');

function log(line) {
  process.stdout.write(`${line}\n`);
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exitCode = 1;
}

async function hangar(env, lib, ...args) {
  const r = await run(process.execPath, [hangarBin, '--library', lib, ...args], env);
  if (r.code !== 0) throw new Error(`hangar ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Wall time of one `hangar ...` process, spawn → exit (ms). */
async function timedHangar(env, lib, ...args) {
  const t0 = performance.now();
  await hangar(env, lib, ...args);
  return performance.now() - t0;
}

/**
 * Where a cold CLI's start-up goes, measured in this run: Node start and loading the CLI bundle
 * (`hangar --help`), and `hangar host --json` with an empty probe cache (the host probe runs the QEMU binary
 * several times) and with it filled. Medians of `n`, each cold run on a fresh cache folder.
 */
async function startupProfile(env, lib, work, n) {
  const load = [];
  const probeCold = [];
  const probeWarm = [];
  for (let i = 0; i < n; i++) {
    load.push(await timedHangar(env, lib, '--help'));
    const cache = mkdtempSync(join(work, 'probe-cache-'));
    const fresh = { ...env, XDG_CACHE_HOME: cache };
    probeCold.push(await timedHangar(fresh, lib, 'host', '--json'));
    probeWarm.push(await timedHangar(fresh, lib, 'host', '--json'));
    rmSync(cache, { recursive: true, force: true });
  }
  return { load: median(load), probeCold: median(probeCold), probeWarm: median(probeWarm), n };
}

/** Records when `path` first exists (QEMU writes its -pidfile early in its start-up), polled every 5 ms. */
function watchFirstSeen(path, t0) {
  let seen = null;
  const timer = setInterval(() => {
    if (existsSync(path)) {
      seen = performance.now() - t0;
      clearInterval(timer);
    }
  }, 5);
  return () => {
    clearInterval(timer);
    return seen;
  };
}

async function timeHangar(env, lib, vm, pidfile) {
  rmSync(pidfile, { force: true });
  const t0 = performance.now();
  const pidSeen = watchFirstSeen(pidfile, t0);
  await hangar(env, lib, 'start', vm, '--wait-for-serial', MARKER, '--timeout', String(BOOT_TIMEOUT_MS / 1000));
  const ms = performance.now() - t0;
  const qemuUp = pidSeen();
  await hangar(env, lib, 'stop', vm, '--force');
  return { ms, qemuUp };
}

async function timeBare(binary, argv, bareDir, bareSerialLog, runtimeBase) {
  rmSync(bareDir, { recursive: true, force: true });
  mkdirSync(bareDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(join(bareDir, 'qemu.log'), 'a');
  const t0 = performance.now();
  const pidSeen = watchFirstSeen(join(bareDir, 'qemu.pid'), t0);
  const child = spawn(binary, argv, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  try {
    await waitForFileText(bareSerialLog, MARKER, { child, timeoutMs: BOOT_TIMEOUT_MS, pollMs: 5 });
    const ms = performance.now() - t0;
    return { ms, qemuUp: pidSeen() };
  } finally {
    const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
    child.kill('SIGKILL');
    await exited;
    killQemuUnder(runtimeBase);
  }
}

/** A running engine (as when the app or `hangar engine` is up): the CLI then goes through its control socket. */
async function startEngine(env, lib) {
  const child = spawn(process.execPath, [engineJs, '--library', lib], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (/control socket (\S+)/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`engine exited early (${code})`)));
  });
  return async () => {
    const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    child.kill('SIGTERM');
    await exited;
  };
}

/** Engine RSS with the library open and idle: the plain engine process, a client call, then a pause. */
async function engineIdleRss(env, lib) {
  const child = spawn(process.execPath, [engineJs, '--library', lib], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const socketPath = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /control socket (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`engine exited early (${code})`)));
    });
    await new Promise((resolve, reject) => {
      const s = connect(socketPath);
      let buf = '';
      s.on('data', (d) => {
        buf += d;
        if (buf.includes('\n')) {
          s.end();
          resolve();
        }
      });
      s.once('error', reject);
      s.write(`${JSON.stringify({ type: 'request', id: 1, command: 'library.list', args: {} })}\n`);
    });
    await sleep(smoke ? 500 : 3000);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return kib / 1024;
  } finally {
    const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    child.kill('SIGTERM');
    await exited;
  }
}

function machineFacts(host) {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const accel = host.accelerators?.length ? host.accelerators : [];
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
    qemu: `${host.qemuVersion ?? 'unknown'} (${host.qemuBinary ?? '?'})`,
    accelerator: host.kvm?.usable ? 'kvm' : `tcg (KVM not usable: ${host.kvm?.reason ?? 'unknown'})`,
    accelerators: accel.join(', '),
    node: process.version,
    kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
  };
}

function writeReport(r) {
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const pass = r.ratio <= TARGET_RATIO;
  const md = `# Benchmarks

Generated by \`npm run bench\` (\`scripts/bench.js\`) on ${r.date}. Not part of \`npm test\`; the
integration suite runs a one-run smoke of it (\`test/integration/bench-smoke.test.ts\`).

## Machine

| | |
|---|---|
| CPU | ${r.machine.cpuModel} |
| Cores | ${r.machine.cores} |
| Memory | ${r.machine.memoryGiB} GiB |
| QEMU | ${r.machine.qemu} |
| Accelerator | ${r.machine.accelerator} |
| Node | ${r.machine.node} |
| Kernel | ${r.machine.kernel} |

## Results

| Figure | Measured | Target |
|---|---|---|
| Boot overhead: Hangar ÷ bare QEMU, to the Linux fixture's serial marker | **${r.ratio.toFixed(3)}×** (${pass ? 'meets' : 'misses'} the target) | ≤ ${TARGET_RATIO.toFixed(2)}× |
| Hangar: \`hangar start VM --wait-for-serial ${MARKER}\`, spawn → exit, median of ${r.runs} | ${fmt(r.hangarMedian)} | — |
| Bare QEMU, same argv, spawn → marker in its serial log, median of ${r.runs} | ${fmt(r.bareMedian)} | — |
| Difference of the medians | ${(r.hangarMedian - r.bareMedian).toFixed(0)} ms | — |
| Boot overhead with an engine already running (the app or \`hangar engine\` up; the CLI goes through its control socket) | **${r.warmRatio.toFixed(3)}×** (${r.warmRatio <= TARGET_RATIO ? 'meets' : 'misses'} the target); median ${fmt(r.warmMedian)}, QEMU up at ${r.warmQemuUp.toFixed(0)} ms | ≤ ${TARGET_RATIO.toFixed(2)}× |
| Engine idle RSS (library open, one VM, no VM running) | ${r.rssMiB.toFixed(1)} MiB | informational |

Where the difference comes from (medians; "QEMU up" is when QEMU's \`-pidfile\` appears, polled every 5 ms):

| | Hangar | Bare QEMU |
|---|---|---|
| spawn → QEMU up | ${r.hangarQemuUp.toFixed(0)} ms | ${r.bareQemuUp.toFixed(0)} ms |
| QEMU up → marker (guest boot) | ${fmt(r.hangarBoot)} | ${fmt(r.bareBoot)} |

Load average (1, 5, 15 min) when the runs ended: ${r.loadAvg} on ${r.machine.cores} cores.

Individual runs, in the order they ran (A B A B …):

| Run | Hangar (cold CLI) | Bare QEMU | Hangar (engine running) |
|---|---|---|---|
${r.hangar.map((h, i) => `| ${i + 1} | ${fmt(h)} (QEMU up at ${r.hangarUps[i]?.toFixed(0) ?? '?'} ms) | ${fmt(r.bare[i])} (QEMU up at ${r.bareUps[i]?.toFixed(0) ?? '?'} ms) | ${fmt(r.warm[i])} |`).join('\n')}

## How it is measured

- Guest: \`test/fixtures/cache/linux.iso\` (the Linux fixture), created with
  \`hangar create --iso … --memory 256 --cpus 1\`; it prints \`${MARKER}\` on ttyS0 once init is up.
- Hangar: the CLI with no engine running, so each run starts a background engine (a process of its own:
  library lock, control socket, host probe; \`HANGAR_ENGINE_IDLE_TIMEOUT=0\` here, so it exits after each
  command and every run starts a new one), which runs the pre-flight checks, launches QEMU with \`-S\` and the QMP
  socket on fd 3, attaches the serial console, sends \`cont\`, and exits when the marker arrives.
  The VM is then forced off with \`hangar stop --force\` (not timed).
- Bare QEMU: \`hangar argv VM\` minus the binary, with the \`-chardev socket,id=qmp,fd=3,…\` +
  \`-mon chardev=qmp,…\` pair replaced by \`-qmp unix:<tmp>/qmp.sock,server=on,wait=off\`, \`-S\`
  removed, and runtime paths moved to a folder of its own; the marker is found by polling its serial
  log (QEMU's \`logfile=\`) every 5 ms. Killed with SIGKILL after the marker.
- The two alternate so drift in machine load hits both alike. Under TCG on a shared 2-core machine the
  run-to-run spread is large compared with the target; read the ratio with the individual runs.

## Reading the result

Hangar's cost is almost all before QEMU starts ("spawn → QEMU up"); once QEMU runs, the guest boots as
fast as bare QEMU within the noise (the \`-S\`/\`cont\` hand-off, QMP and serial attach add no visible
time). Where that start-up goes, measured in this run (medians of ${r.profile.n}, spawn → exit of a CLI process):
Node start and loading the CLI bundle (\`hangar --help\`) ${r.profile.load.toFixed(0)} ms; \`hangar host --json\` with an
empty probe cache ${r.profile.probeCold.toFixed(0)} ms and with it filled ${r.profile.probeWarm.toFixed(0)} ms, so the host probe
(\`qemu-system-x86_64\` run several times: version, machines, accelerators, the KVM smoke test, firmware) costs
about ${(r.profile.probeCold - r.profile.probeWarm).toFixed(0)} ms when not cached. Every CLI process needs the probe, so its
results (versions, machines, the KVM smoke test's verdict) are cached on disk in \`~/.cache/hangar/qemu-probe.json\`,
keyed by each binary's path, size and mtime.
`;
  mkdirSync(dirname(outFile), { recursive: true });
  // The display, library, engine and foreign-arch benchmarks own their own "## Display" / "## Library" / "## Engine…" / "## Foreign…" sections: keep them.
  const previous = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  const kept = previous.split(/^(?=## (?:Display|Library|Engine|Foreign)\b)/m).slice(1).join('');
  writeFileSync(outFile, kept ? `${md.trimEnd()}\n\n${kept}` : md);
}

async function main() {
  if (!existsSync(join(root, 'out', 'main', 'cli.js')) || !existsSync(engineJs)) throw new Error('Hangar is not built: run `npm run build`');
  if (!existsSync(linuxIso)) throw new Error(`${linuxIso} is missing: run \`npm run fixtures\``);
  const work = mkdtempSync(join(tmpdir(), 'hangar-bench-'));
  const runtimeBase = mkdtempSync('/tmp/hgb-');
  const lib = join(work, 'library');
  // Idle timeout 0: the background engine a CLI starts exits once its command is done, so every cold run starts one.
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: lib, HANGAR_ENGINE_IDLE_TIMEOUT: '0' };
  try {
    const host = JSON.parse(await hangar(env, lib, 'host', '--json'));
    const id = (await hangar(env, lib, 'create', 'bench linux', '--iso', linuxIso, '--memory', '256', '--cpus', '1')).trim();
    const info = JSON.parse(await hangar(env, lib, 'info', id, '--json'));
    const bundleDir = info.bundleDir ?? JSON.parse(await hangar(env, lib, 'list', '--json')).find((v) => v.id === id).bundleDir;
    const full = (await hangar(env, lib, 'argv', id)).trim().split('\n');
    const binary = full[0];
    const runtimeDir = join(runtimeBase, 'hangar', id.replace(/-/g, '').slice(0, 12));
    const bareDir = join(runtimeBase, 'bare');
    const bareSerialLog = join(bareDir, 'serial.log');
    const argv = bareArgv(full.slice(1), { runtimeDir, bareDir, replace: [[join(bundleDir, 'logs', 'serial.log'), bareSerialLog]] });

    const hangarRuns = [];
    const bareRuns = [];
    const warmRuns = [];
    const show = (r) => `${r.ms.toFixed(0)} ms (QEMU up at ${r.qemuUp === null ? '?' : r.qemuUp.toFixed(0)} ms)`;
    for (let i = 0; i < runs; i++) {
      hangarRuns.push(await timeHangar(env, lib, id, join(runtimeDir, 'qemu.pid')));
      log(`run ${i + 1}/${runs}: hangar ${show(hangarRuns.at(-1))}`);
      bareRuns.push(await timeBare(binary, argv, bareDir, bareSerialLog, runtimeBase));
      log(`run ${i + 1}/${runs}: bare   ${show(bareRuns.at(-1))}`);
      const stopEngine = await startEngine(env, lib);
      try {
        warmRuns.push(await timeHangar(env, lib, id, join(runtimeDir, 'qemu.pid')));
      } finally {
        await stopEngine();
      }
      log(`run ${i + 1}/${runs}: warm   ${show(warmRuns.at(-1))}`);
      const left = qemuPidsUnder(runtimeBase);
      if (left.length) throw new Error(`QEMU still running after run ${i + 1}: ${left.join(', ')}`);
    }
    const rssMiB = await engineIdleRss(env, lib);
    const profile = await startupProfile(env, lib, work, smoke ? 1 : 5);
    log(`start-up: CLI load ${profile.load.toFixed(0)} ms, host --json ${profile.probeCold.toFixed(0)} ms with an empty probe cache, ${profile.probeWarm.toFixed(0)} ms cached`);
    const hangarTimes = hangarRuns.map((r) => r.ms);
    const bareTimes = bareRuns.map((r) => r.ms);
    const hangarMedian = median(hangarTimes);
    const bareMedian = median(bareTimes);
    const upMedian = (rs) => median(rs.map((r) => r.qemuUp ?? NaN));
    const hangarQemuUp = upMedian(hangarRuns);
    const bareQemuUp = upMedian(bareRuns);
    const loadAvg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const ratio = hangarMedian / bareMedian;
    const warmMedian = median(warmRuns.map((r) => r.ms));
    const warmRatio = warmMedian / bareMedian;
    const warmQemuUp = upMedian(warmRuns);
    log(`hangar median ${hangarMedian.toFixed(0)} ms, bare median ${bareMedian.toFixed(0)} ms`);
    log(`boot overhead ratio: ${ratio.toFixed(3)}x (target <= ${TARGET_RATIO}x)`);
    log(`with an engine already running: ${warmMedian.toFixed(0)} ms, ratio ${warmRatio.toFixed(3)}x`);
    log(`spawn -> QEMU pidfile: hangar ${hangarQemuUp.toFixed(0)} ms, bare ${bareQemuUp.toFixed(0)} ms (medians)`);
    log(`engine idle RSS: ${rssMiB.toFixed(1)} MiB`);
    if (!smoke) {
      writeReport({
        date: new Date().toISOString().slice(0, 10),
        machine: machineFacts(host),
        runs,
        hangar: hangarTimes,
        bare: bareTimes,
        hangarMedian,
        bareMedian,
        ratio,
        rssMiB,
        hangarQemuUp,
        bareQemuUp,
        hangarBoot: median(hangarRuns.map((r) => r.ms - (r.qemuUp ?? NaN))),
        bareBoot: median(bareRuns.map((r) => r.ms - (r.qemuUp ?? NaN))),
        hangarUps: hangarRuns.map((r) => r.qemuUp),
        warm: warmRuns.map((r) => r.ms),
        warmMedian,
        warmRatio,
        warmQemuUp,
        bareUps: bareRuns.map((r) => r.qemuUp),
        loadAvg,
        profile,
      });
      log(`wrote ${outFile}`);
    }
  } finally {
    removeRun(runtimeBase, work);
  }
}

main().catch((err) => fail(err.stack ?? String(err)));
