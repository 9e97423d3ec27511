#!/usr/bin/env node
// `npm run bench`: Hangar's boot overhead against bare QEMU, and the engine's idle memory.
//
// A: `hangar --library <tmp> start VM --wait-for-serial HANGAR-LINUX-READY`, timed from spawn to exit
//    (Node start, engine open, host probe, pre-flight, QEMU launch, QMP, serial attach, `cont`, boot).
// B: QEMU alone with the same argv (from `hangar argv VM`): the inherited-fd QMP monitor becomes
//    `-qmp unix:…`, `-S` is dropped, runtime paths point at a folder of its own; timed from spawn until
//    the marker appears in its serial log.
// C: a UI click on a warm engine (the target issue 20 judges): an engine running all along (the app or
//    `hangar engine` up) on a second library with its own copy of the VM, and a client connected to its control
//    socket all along (as the app's window is), following the VM's serial console; it sends vm.start and is timed
//    until the marker arrives in the serial events. The engine logs each start's split (lookup, pre-flight, probe,
//    argv, spawn: from receiving vm.start to QEMU's exec; then QEMU's start-up and what Hangar does after the exec),
//    read here from its control socket.
// D: the same `hangar start` CLI command as A through that warm engine (informational: a new Node process per start).
// Each round runs C, B and A side by side (C B A, then A B C in the next round, so drift hits every side), then the
// cold start without its plan and D; every
// figure is the median, and C and A are also given as per-pair ratios to the B beside them. Every VM is killed
// after its marker.
//
//   node scripts/bench.js            7 runs each, writes docs/benchmarks.md
//   node scripts/bench.js --smoke    1 run each (no warm-up start), writes nothing
//   node scripts/bench.js --runs N   N runs each
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bareArgv, controlSocketOf, engineClient, killQemuUnder, lineSocket, median, pairStats, qemuPidsUnder, qmpAnswered, removeRun, run, waitForFileText } from './bench-common.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hangarBin = join(root, 'bin', 'hangar.js');
const engineJs = join(root, 'out', 'main', 'engine.js');
const fixturesDir = process.env.HANGAR_FIXTURES_CACHE ?? join(root, 'test', 'fixtures', 'cache');
const linuxIso = join(fixturesDir, 'linux.iso');
const MARKER = 'HANGAR-LINUX-READY';
// Issue 20's targets, as ratios to bare QEMU measured in the same run (absolute times move with the machine).
const TARGET_COLD = 1.02;
const TARGET_WARM = 1.01;
/** vm.start received → QEMU's exec on a warm engine. */
const TARGET_EXEC_MS = 30;
const PHASES = ['lookup', 'pre-flight', 'probe', 'argv', 'spawn'];
const SPLIT_LINE = /^start split "[^"]*": lookup (\S+) ms, pre-flight (\S+) ms, probe (\S+) ms, argv (\S+) ms, spawn (\S+) ms; received → exec (\S+) ms, exec → running (\S+) ms$/;
/** After the exec (src-main/engine/start-split.ts): QEMU's start-up (greeting, negotiate), then Hangar's steps at -S. */
const AFTER_STEPS = ['greeting', 'negotiate', 'attach', 'hooks', 'cont'];
const AFTER_LINE = /^start after exec "[^"]*": greeting (\S+) ms, negotiate (\S+) ms, attach (\S+) ms, hooks (\S+) ms, cont (\S+) ms$/;
const BOOT_TIMEOUT_MS = 300_000;

const { values: opts } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, runs: { type: 'string' }, out: { type: 'string' } },
});
const smoke = opts.smoke;
const runs = opts.runs ? Number(opts.runs) : smoke ? 1 : 7;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a whole number of rounds, not "${opts.runs}"`);
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

/** Wall time of `node ARGS`, spawn → exit (ms). */
async function timedNode(env, ...args) {
  const t0 = performance.now();
  const r = await run(process.execPath, args, env);
  if (r.code !== 0) throw new Error(`node ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return performance.now() - t0;
}

/**
 * Where a cold CLI's start-up goes, measured in this run: Node's own start (`node -e 0`, the floor every CLI
 * command pays), Node start plus loading the CLI bundle (`hangar --help`), and `hangar host --json` with an empty
 * probe cache (the host probe runs the QEMU binary several times) and with it filled. Medians of `n`, alternating,
 * each cold run on a fresh cache folder.
 */
async function startupProfile(env, lib, work, n) {
  const node = [];
  const load = [];
  const probeCold = [];
  const probeWarm = [];
  for (let i = 0; i < n; i++) {
    node.push(await timedNode(env, '-e', '0'));
    load.push(await timedHangar(env, lib, '--help'));
    const cache = mkdtempSync(join(work, 'probe-cache-'));
    const fresh = { ...env, XDG_CACHE_HOME: cache };
    probeCold.push(await timedHangar(fresh, lib, 'host', '--json'));
    probeWarm.push(await timedHangar(fresh, lib, 'host', '--json'));
    rmSync(cache, { recursive: true, force: true });
  }
  return { node: median(node), load: median(load), probeCold: median(probeCold), probeWarm: median(probeWarm), n };
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

/**
 * One `hangar start VM --wait-for-serial …`, timed spawn → exit; then forced off (not timed). `fast`: whether the CLI
 * spawned QEMU from the VM's start plan (src-main/cli/fast-start.ts marks its session record) instead of an engine.
 */
async function timeHangar(env, lib, vm, pidfile) {
  rmSync(pidfile, { force: true });
  const t0 = performance.now();
  const pidSeen = watchFirstSeen(pidfile, t0);
  await hangar(env, lib, 'start', vm, '--wait-for-serial', MARKER, '--timeout', String(BOOT_TIMEOUT_MS / 1000));
  const ms = performance.now() - t0;
  const qemuUp = pidSeen();
  const fast = JSON.parse(readFileSync(join(dirname(pidfile), 'session.json'), 'utf8')).fastStart === true;
  await hangar(env, lib, 'stop', vm, '--force');
  return { ms, qemuUp, fast };
}

async function timeBare(binary, argv, bareDir, bareSerialLog, runtimeBase) {
  rmSync(bareDir, { recursive: true, force: true });
  mkdirSync(bareDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(join(bareDir, 'qemu.log'), 'a');
  const t0 = performance.now();
  const pidSeen = watchFirstSeen(join(bareDir, 'qemu.pid'), t0);
  const child = spawn(binary, argv, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  // Without -S the guest runs before QEMU's main loop first answers QMP: that answer is bare QEMU's "running".
  const running = qmpAnswered(join(bareDir, 'qmp.sock'), t0, { timeoutMs: BOOT_TIMEOUT_MS });
  try {
    await waitForFileText(bareSerialLog, MARKER, { child, timeoutMs: BOOT_TIMEOUT_MS, pollMs: 5 });
    const ms = performance.now() - t0;
    return { ms, qemuUp: pidSeen(), running: await running };
  } finally {
    const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
    child.kill('SIGKILL');
    await exited;
    killQemuUnder(runtimeBase);
  }
}

/**
 * A client connected to the warm engine's control socket all along, speaking the engine contract (requests,
 * responses, events) as the app's window does over its MessagePort and the browser host's page over its
 * WebSocket, and following the VM's serial console (vm.console.attach) as a window showing it does.
 */
async function uiClient(socketPath, vmId) {
  const { call, on, close } = await engineClient(socketPath);
  await call('vm.console.attach', { vm: vmId, tailBytes: 0 });
  /** Resolves when `text` has come in the VM's serial events (registered before the start, as the console is). */
  const serialText = (text) => {
    let seen = '';
    let off = () => undefined;
    const found = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${text}" not on the serial console within ${BOOT_TIMEOUT_MS} ms`)), BOOT_TIMEOUT_MS);
      off = on((m) => {
        if (m.type !== 'event' || m.event?.vmId !== vmId || m.event.type !== 'vm.serial') return;
        seen = (seen + m.event.data).slice(-(text.length + 65536));
        if (!seen.includes(text)) return;
        clearTimeout(timer);
        resolve(performance.now());
      });
    });
    return found.finally(() => off());
  };
  /** One UI click: vm.start sent → its answer (the guest running) → the marker; then forced off (not timed). */
  const timeStart = async (pidfile) => {
    rmSync(pidfile, { force: true });
    const marker = serialText(MARKER);
    const t0 = performance.now();
    const pidSeen = watchFirstSeen(pidfile, t0);
    await call('vm.start', { vm: vmId });
    const running = performance.now() - t0;
    const ms = (await marker) - t0;
    const qemuUp = pidSeen();
    await call('vm.forceOff', { vm: vmId });
    return { ms, qemuUp, running };
  };
  return { timeStart, close };
}

/**
 * A running engine (as when the app or `hangar engine` is up): the CLI then goes through its control socket. A
 * second connection listens for the start split each vm.start logs (`engine.log`, see src-main/engine/start-split.ts).
 */
async function startEngine(env, lib) {
  const child = spawn(process.execPath, [engineJs, '--library', lib], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const socketPath = await controlSocketOf(child);
  const listener = await lineSocket(socketPath);
  const splits = [];
  listener.on((m) => {
    if (m.type !== 'event' || m.event?.type !== 'engine.log') return;
    const f = SPLIT_LINE.exec(m.event.message);
    if (f) {
      const [lookup, preflight, probe, argv, spawnMs, toExec, execToRunning] = f.slice(1).map(Number);
      splits.push({ lookup, 'pre-flight': preflight, probe, argv, spawn: spawnMs, toExec, execToRunning });
      return;
    }
    // The after-exec line follows its start's split line.
    const a = AFTER_LINE.exec(m.event.message);
    if (a && splits.length > 0) Object.assign(splits.at(-1), Object.fromEntries(AFTER_STEPS.map((k, i) => [k, Number(a[i + 1])])));
  });
  /** The split of the next start, once the engine has logged it. */
  const splitAfter = async (count) => {
    const deadline = Date.now() + 10_000;
    const logged = () => splits.length > count && splits[count].cont !== undefined;
    while (!logged() && Date.now() < deadline) await sleep(5);
    if (!logged()) throw new Error('the engine logged no start split (and after-exec line) for the last start');
    return splits[count];
  };
  const stop = async () => {
    listener.close();
    const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    child.kill('SIGTERM');
    await exited;
  };
  return { socketPath, splits, splitAfter, stop };
}

/** Engine RSS with the library open and idle: the plain engine process, a client call, then a pause. */
async function engineIdleRss(env, lib) {
  const child = spawn(process.execPath, [engineJs, '--library', lib], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const client = await engineClient(await controlSocketOf(child));
    await client.call('library.list', {});
    client.close();
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

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/**
 * A note when other jobs shared the machine: the 1-minute load average above half its cores before the runs. Not
 * after: the runs' own guests and engine raise it (to 1–2 on a quiet 2-core machine).
 */
function underLoad(r) {
  const [before, after] = [r.loadBefore, r.loadAfter].map((l) => Number(l.split(' ')[0]));
  if (!(before > r.machine.cores / 2)) return '';
  return `
**Taken under load** (1-minute load average ${before} before the runs, ${after} after, on ${r.machine.cores} cores: other jobs shared the machine), so
the boots are slower and spread more than on a quiet machine; read the ratios with the individual runs, and rerun on
a quiet machine before judging the targets.
`;
}
const verdict = (value, target) => (value <= target ? 'meets' : 'misses');

function writeReport(r) {
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const ms1 = (ms) => `${ms.toFixed(1)} ms`;
  const ms0 = (ms) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(0)} ms`;
  const md = `# Benchmarks

Generated by \`npm run bench\` (\`scripts/bench.js\`) on ${r.date}. Not part of \`npm test\`; the
integration suite runs a one-run smoke of it (\`test/integration/bench-smoke.test.ts\`), and
\`test/integration/start-cache.test.ts\` checks in CI that a second start takes from the caches what the first computed.

## Machine

| | |
|---|---|
| CPU | ${r.machine.cpuModel} |
| Cores | ${r.machine.cores} |
| Memory | ${r.machine.memoryGiB} GiB |
| QEMU | ${r.machine.qemu} |
| Accelerator | ${r.machine.accelerator} |
| Node | ${r.machine.node} |
| Node start (\`node -e 0\`, median of ${r.profile.n}) | ${r.profile.node.toFixed(0)} ms |
| Kernel | ${r.machine.kernel} |
| Load average (1, 5, 15 min) | before the runs ${r.loadBefore}, after ${r.loadAfter} (${r.machine.cores} cores) |

## Results
${underLoad(r)}
Each ratio is Hangar ÷ bare QEMU with the same argv, both timed to the Linux fixture's serial marker, from
${r.runs} rounds. The judged warm figure is a UI click: a client already connected to a running engine (as the
app's window is) sends \`vm.start\`. Each round runs the UI click, a bare QEMU run and the cold CLI start side by side
(UI, bare, cold; then cold, bare, UI in the next round, so drift in the machine's load hits every side), then the
cold start without its plan and a warm-engine CLI start (informational). The
ratio of the medians is given with the median of the per-pair ratios and the median overhead per pair
(Hangar − bare, ms): a TCG boot's run-to-run spread is far larger than 1 %, and a pair shares its moment's load.

| Figure | Measured | Target |
|---|---|---|
| Start, warm engine, UI click (the app or \`hangar engine\` up; a connected client sends \`vm.start\`, timed to the marker in its serial events) | **${r.uiStats.ratioOfMedians.toFixed(3)}×** ratio of medians (${verdict(r.uiStats.ratioOfMedians, TARGET_WARM)}); per-pair median **${r.uiStats.medianRatio.toFixed(3)}×** (${verdict(r.uiStats.medianRatio, TARGET_WARM)}); overhead per pair, median ${ms0(r.uiStats.medianOverhead)}; median ${fmt(r.uiMedian)}, QEMU up at ${r.uiQemuUp.toFixed(0)} ms | ≤ ${TARGET_WARM.toFixed(2)}× |
| Start, cold CLI (no engine running: \`hangar start VM --wait-for-serial ${MARKER}\` of a VM started before; ${r.fromPlan} of ${r.runs} runs spawned QEMU from its start plan) | **${r.ratio.toFixed(3)}×** ratio of medians (${verdict(r.ratio, TARGET_COLD)}); per-pair median **${r.coldStats.medianRatio.toFixed(3)}×** (${verdict(r.coldStats.medianRatio, TARGET_COLD)}); overhead per pair, median ${ms0(r.coldStats.medianOverhead)}; median ${fmt(r.hangarMedian)}, QEMU up at ${r.hangarQemuUp.toFixed(0)} ms | ≤ ${TARGET_COLD.toFixed(2)}× |
| Start, cold CLI without a plan (\`HANGAR_FAST_START=0\`: the CLI starts a background engine, which starts the VM; a VM's first start, or one that must go through the engine) | ${r.coldEngineStats.ratioOfMedians.toFixed(3)}× ratio of medians; per-pair median ${r.coldEngineStats.medianRatio.toFixed(3)}×; overhead per pair, median ${ms0(r.coldEngineStats.medianOverhead)}; QEMU up at ${r.coldEngineQemuUp.toFixed(0)} ms | informational |
| Start, warm engine through the CLI (the same CLI command as cold, through the running engine's control socket: a new Node process per start) | ${r.warmRatio.toFixed(3)}×; median ${fmt(r.warmMedian)}, QEMU up at ${r.warmQemuUp.toFixed(0)} ms | informational (Node start + CLI) |
| Bare QEMU, spawn → marker | ${fmt(r.bareMedian)}, QEMU up at ${r.bareQemuUp.toFixed(0)} ms | — |
| Warm engine: vm.start received → QEMU's exec (the engine's own clock) | **${ms1(r.split.toExec)}** (${verdict(r.split.toExec, TARGET_EXEC_MS)}) | ≤ ${TARGET_EXEC_MS} ms |
| QEMU up (its pidfile) → guest running: UI click (\`vm.start\` answered) / bare (its main loop's first QMP answer) | ${r.uiUpToRunning.toFixed(0)} ms / ${r.bareUpToRunning.toFixed(0)} ms | — |
| CLI process: \`hangar --help\` (Node start + the CLI bundle) ÷ \`node -e 0\` | ${(r.profile.load / r.profile.node).toFixed(2)}× (${r.profile.load.toFixed(0)} ms ÷ ${r.profile.node.toFixed(0)} ms) | informational |
| Engine idle RSS (library open, one VM, no VM running) | ${r.rssMiB.toFixed(1)} MiB | informational |

The warm engine's start split for the UI clicks (medians of ${r.splits.length} starts; each phase ends where the next begins):

| Phase | What it covers | Median |
|---|---|---|
| lookup | the request admitted in the machine's turn, the machine found in the library | ${ms1(r.split.lookup)} |
| pre-flight | saved state, disks and ISOs present and not system files, image chains checked, memory, ports | ${ms1(r.split['pre-flight'])} |
| probe | the host probe (cached: the QEMU binaries stat'ed) | ${ms1(r.split.probe)} |
| argv | UEFI vars, the argv built | ${ms1(r.split.argv)} |
| spawn | runtime folder, log, the QMP socket bound, fork and exec | ${ms1(r.split.spawn)} |
| **received → exec** | | **${ms1(r.split.toExec)}** |
| exec → running (not in the target) | all of the below | ${ms1(r.split.execToRunning)} |
| … greeting | QEMU's own start-up until its monitor greets (bare QEMU pays it too) | ${ms1(r.split.greeting)} |
| … negotiate | \`qmp_capabilities\` answered: QEMU's main loop runs, its machine built (bare QEMU pays it too); the serial console is attached and the session record written meanwhile | ${ms1(r.split.negotiate)} |
| … attach | what is left of the serial attach after the negotiation | ${ms1(r.split.attach)} |
| … hooks | the start hooks (tray events, install, guest agent, snapshot), while QEMU waits at -S | ${ms1(r.split.hooks)} |
| … cont | \`cont\` → RESUME | ${ms1(r.split.cont)} |
| **Hangar's own after the exec** (attach + hooks + cont) | | **${ms1(r.hangarOwnAfterExec)}** |

Individual runs (odd rounds ran UI, bare, cold; even rounds cold, bare, UI; then cold without a plan and the warm CLI):

| Round | Hangar (warm engine, UI click) | Bare QEMU | UI ÷ bare | UI − bare | Hangar (cold CLI, plan) | cold ÷ bare | Hangar (cold CLI, no plan) | Hangar (warm engine, CLI) | UI: received → exec |
|---|---|---|---|---|---|---|---|---|---|
${r.ui.map((u, i) => `| ${i + 1} | ${fmt(u.ms)} (QEMU up at ${u.qemuUp?.toFixed(0) ?? '?'} ms) | ${fmt(r.bare[i])} (QEMU up at ${r.bareUps[i]?.toFixed(0) ?? '?'} ms) | ${r.uiStats.ratios[i].toFixed(3)}× | ${ms0(r.uiStats.overheads[i])} | ${fmt(r.hangar[i])} (QEMU up at ${r.hangarUps[i]?.toFixed(0) ?? '?'} ms) | ${r.coldStats.ratios[i].toFixed(3)}× | ${fmt(r.coldEngine[i].ms)} (QEMU up at ${r.coldEngine[i].qemuUp?.toFixed(0) ?? '?'} ms) | ${fmt(r.warm[i])} (QEMU up at ${r.warmUps[i]?.toFixed(0) ?? '?'} ms) | ${r.splits[i] ? ms1(r.splits[i].toExec) : '?'} |`).join('\n')}

## How it is measured

- Guest: \`test/fixtures/cache/linux.iso\` (the Linux fixture), created with
  \`hangar create --iso … --memory 256 --cpus 1\`; it prints \`${MARKER}\` on ttyS0 once init is up.
- Cold CLI: no engine running (\`HANGAR_ENGINE_IDLE_TIMEOUT=0\` here: each command's background engine exits when
  it is done). The VM was started and stopped once before the series, so the engine that saw its QEMU end wrote its
  start plan (\`src-main/engine/session/start-plan.ts\`: the argv of its next start, without \`-S\`, and a stamp of
  every file and setting it was computed from). The CLI (\`src-main/cli/fast-start.ts\`, loaded before the CLI
  bundle) takes the library lock, checks every stamp, spawns QEMU with the QMP socket on fd 3 as the engine does,
  records the session for the next engine to reattach, checks QMP answers, and exits when the marker is in the
  serial log (inotify). Timed from the CLI's spawn to its exit. The VM is then forced off with
  \`hangar stop --force\` (not timed; its engine writes the plan again).
- Cold CLI without a plan (\`HANGAR_FAST_START=0\`): the CLI starts a background engine (a process of its own:
  library lock, control socket, host probe from its on-disk cache), which runs the pre-flight checks, launches QEMU
  with \`-S\`, attaches the serial console, sends \`cont\`; the CLI exits when the marker arrives in its events.
- Warm engine: \`out/main/engine.js\` on a second library holding a VM made the same way, started once before the
  series and given one untimed start (as a user's first click would). UI click: a client connected to its control
  socket before the series, speaking the engine contract (\`src-shared/contract\`: requests, responses, events: the
  messages the app's window sends over its MessagePort and the browser host's page over its WebSocket; only the
  framing differs), following the VM's serial console (\`vm.console.attach\`, as a window showing the console
  does). Timed from writing \`vm.start\` to the marker arriving in its \`vm.serial\` events; "running" is when
  \`vm.start\` is answered (the engine answers after RESUME). Then forced off (not timed). This is the target's
  case: from the engine receiving \`vm.start\` (a click in the app), nothing of the client's own start-up counted.
  Warm CLI: the same \`hangar start\` as the cold runs, through this engine: a new Node process per start, so Node's
  start and the CLI's (see "CLI process") are in it; informational. A listener on the control socket reads the
  two lines every start logs (\`src-main/engine/start-split.ts\`: \`performance.now()\` at the request's arrival and
  at the end of each phase; the spawn phase ends when \`spawn()\` returns, by which time libuv has seen QEMU's exec
  succeed; after the exec: the QMP greeting, \`qmp_capabilities\` answered, serial attached, hooks, \`cont\` → RESUME).
- Bare QEMU: \`hangar argv VM\` minus the binary, with the \`-chardev socket,id=qmp,fd=3,…\` +
  \`-mon chardev=qmp,…\` pair replaced by \`-qmp unix:<tmp>/qmp.sock,server=on,wait=off\`, \`-S\`
  removed, and runtime paths moved to a folder of its own; the marker is found by polling its serial
  log (QEMU's \`logfile=\`) every 5 ms. Its "running" is when its main loop first answers QMP (the socket is
  polled every 2 ms until it takes the connection, then \`qmp_capabilities\`): without -S QEMU starts the guest
  just before its main loop, and QMP commands wait for that loop (its greeting comes earlier, from the monitor's
  own thread). Killed with SIGKILL after the marker.
- "QEMU up" is when QEMU's \`-pidfile\` appears, polled every 5 ms.
- Under TCG on a shared 2-core machine the run-to-run spread is large compared with the targets; read the ratios
  with the individual runs and the load average.

## Reading the result

Hangar's cost is almost all before QEMU starts ("QEMU up"); once QEMU runs, the guest boots as fast as bare QEMU
within the noise. A cold CLI start from the VM's plan pays Node's start (${r.profile.node.toFixed(0)} ms here) and the plan's
checks before QEMU's exec (QEMU up at ${r.hangarQemuUp.toFixed(0)} ms against bare's ${r.bareQemuUp.toFixed(0)} ms); without a plan it also loads the CLI
(\`hangar --help\` ${r.profile.load.toFixed(0)} ms in all) and starts a background engine (another Node process, which loads the
engine and probes the host) before the start itself (QEMU up at ${r.coldEngineQemuUp.toFixed(0)} ms). \`hangar host --json\` with an empty probe cache took
${r.profile.probeCold.toFixed(0)} ms and with it filled ${r.profile.probeWarm.toFixed(0)} ms: the probe's results are cached on disk
(\`~/.cache/hangar/qemu-probe.json\`, keyed by each binary's path, size and mtime). With a warm engine the CLI only
connects and asks: the engine keeps the probe (and the firmware list) while the QEMU binaries keep their size,
mtime and inode, and reads each disk image's header once while the file keeps its identity, size, mtime and ctime.

A UI click on a warm engine pays none of the Node start-ups: received → exec (${ms1(r.split.toExec)}), then QEMU's own
start-up, which bare QEMU pays too (QEMU up → running: ${r.uiUpToRunning.toFixed(0)} ms here against bare's ${r.bareUpToRunning.toFixed(0)} ms), of which
Hangar's own steps while QEMU waits at -S (serial attach, start hooks, \`cont\`) were ${ms1(r.hangarOwnAfterExec)}. The
warm CLI row adds a Node process per start (\`node -e 0\` ${r.profile.node.toFixed(0)} ms, \`hangar --help\` ${r.profile.load.toFixed(0)} ms): ${(r.warmMedian - r.uiMedian).toFixed(0)} ms over
the UI click's median in this run.
`;
  mkdirSync(dirname(outFile), { recursive: true });
  // The display, library, engine and foreign-arch benchmarks own their own "## Display" / "## Library" / "## Engine…" / "## Foreign…" sections: keep them.
  const previous = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  const kept = previous.split(/^(?=## (?:Display|Library|Engine|Foreign)\b)/m).slice(1).join('');
  writeFileSync(outFile, kept ? `${md.trimEnd()}\n\n${kept}` : md);
}

/** A VM made from the Linux fixture in `lib`: its id, bundle and runtime folder. */
async function benchVm(env, lib, runtimeBase) {
  const id = (await hangar(env, lib, 'create', 'bench linux', '--iso', linuxIso, '--memory', '256', '--cpus', '1')).trim();
  const info = JSON.parse(await hangar(env, lib, 'info', id, '--json'));
  const bundleDir = info.bundleDir ?? JSON.parse(await hangar(env, lib, 'list', '--json')).find((v) => v.id === id).bundleDir;
  return { id, bundleDir, runtimeDir: join(runtimeBase, 'hangar', id.replace(/-/g, '').slice(0, 12)) };
}

async function main() {
  if (!existsSync(join(root, 'out', 'main', 'cli.js')) || !existsSync(engineJs)) throw new Error('Hangar is not built: run `npm run build`');
  if (!existsSync(linuxIso)) throw new Error(`${linuxIso} is missing: run \`npm run fixtures\``);
  const loadBefore = loadAverage();
  const work = mkdtempSync(join(tmpdir(), 'hangar-bench-'));
  const runtimeBase = mkdtempSync('/tmp/hgb-');
  const lib = join(work, 'library');
  const warmLib = join(work, 'library-warm');
  // Idle timeout 0: the background engine a CLI starts exits once its command is done, so every cold run starts one.
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: lib, HANGAR_ENGINE_IDLE_TIMEOUT: '0' };
  let warmEngine = null;
  try {
    const host = JSON.parse(await hangar(env, lib, 'host', '--json'));
    const cold = await benchVm(env, lib, runtimeBase);
    const warmVm = await benchVm(env, warmLib, runtimeBase);
    const full = (await hangar(env, lib, 'argv', cold.id)).trim().split('\n');
    const binary = full[0];
    const bareDir = join(runtimeBase, 'bare');
    const bareSerialLog = join(bareDir, 'serial.log');
    const argv = bareArgv(full.slice(1), { runtimeDir: cold.runtimeDir, bareDir, replace: [[join(cold.bundleDir, 'logs', 'serial.log'), bareSerialLog]] });

    warmEngine = await startEngine(env, warmLib);
    // The engine's first start (as a user's first click): probes the host, reads the images; not timed. A smoke
    // only checks that every figure comes out, so it leaves this start out (its one UI run is then a first click).
    if (!smoke) {
      await hangar(env, warmLib, 'start', warmVm.id);
      await warmEngine.splitAfter(0);
      await hangar(env, warmLib, 'stop', warmVm.id, '--force');
    }

    // The cold VM has been started before, as a user's machine has: its start plan exists (written by the engine
    // as its QEMU ended). A smoke leaves this out: its one cold run then goes through an engine.
    if (!smoke) await timeHangar(env, lib, cold.id, join(cold.runtimeDir, 'qemu.pid'));

    const ui = await uiClient(warmEngine.socketPath, warmVm.id);
    const warmPidfile = join(warmVm.runtimeDir, 'qemu.pid');
    const hangarRuns = [];
    const bareRuns = [];
    const uiRuns = [];
    const warmRuns = [];
    const coldEngineRuns = [];
    const uiSplits = [];
    const show = (r) => `${r.ms.toFixed(0)} ms (QEMU up at ${r.qemuUp === null ? '?' : r.qemuUp.toFixed(0)} ms${r.running == null ? '' : `, running at ${r.running.toFixed(0)} ms`}${r.fast === undefined ? '' : r.fast ? ', from its plan' : ', through an engine'})`;
    // The same cold start with the plan turned off: what the engine's own cold path costs (informational).
    const noPlan = { ...env, HANGAR_FAST_START: '0' };
    const runUi = async (i) => {
      const seen = warmEngine.splits.length;
      uiRuns.push(await ui.timeStart(warmPidfile));
      const split = await warmEngine.splitAfter(seen);
      uiSplits.push(split);
      log(`run ${i + 1}/${runs}: ui     ${show(uiRuns.at(-1))}; received → exec ${split.toExec.toFixed(1)} ms (${PHASES.map((p) => `${p} ${split[p].toFixed(1)}`).join(', ')}); after exec ${AFTER_STEPS.map((p) => `${p} ${split[p].toFixed(1)}`).join(', ')}  load ${loadAverage()}`);
    };
    const runBare = async (i) => {
      bareRuns.push(await timeBare(binary, argv, bareDir, bareSerialLog, runtimeBase));
      log(`run ${i + 1}/${runs}: bare   ${show(bareRuns.at(-1))}  load ${loadAverage()}`);
    };
    const runCold = async (i) => {
      hangarRuns.push(await timeHangar(env, lib, cold.id, join(cold.runtimeDir, 'qemu.pid')));
      log(`run ${i + 1}/${runs}: cold   ${show(hangarRuns.at(-1))}  load ${loadAverage()}`);
    };
    for (let i = 0; i < runs; i++) {
      // The judged runs side by side, bare in the middle and the order reversed every round (UI, bare, cold; then
      // cold, bare, UI), so each judged figure runs as often before its bare run as after it.
      if (i % 2 === 0) {
        await runUi(i);
        await runBare(i);
        await runCold(i);
      } else {
        await runCold(i);
        await runBare(i);
        await runUi(i);
      }
      coldEngineRuns.push(await timeHangar(noPlan, lib, cold.id, join(cold.runtimeDir, 'qemu.pid')));
      log(`run ${i + 1}/${runs}: cold, no plan ${show(coldEngineRuns.at(-1))}  load ${loadAverage()}`);
      const seen = warmEngine.splits.length;
      warmRuns.push(await timeHangar(env, warmLib, warmVm.id, warmPidfile));
      await warmEngine.splitAfter(seen);
      log(`run ${i + 1}/${runs}: cli    ${show(warmRuns.at(-1))}  load ${loadAverage()}`);
      const left = qemuPidsUnder(runtimeBase);
      if (left.length) throw new Error(`QEMU still running after run ${i + 1}: ${left.join(', ')}`);
    }
    ui.close();
    await warmEngine.stop();
    warmEngine = null;
    const rssMiB = await engineIdleRss(env, lib);
    const profile = await startupProfile(env, lib, work, smoke ? 1 : 5);
    const loadAfter = loadAverage();
    log(`start-up: node -e 0 ${profile.node.toFixed(0)} ms, hangar --help ${profile.load.toFixed(0)} ms, host --json ${profile.probeCold.toFixed(0)} ms with an empty probe cache, ${profile.probeWarm.toFixed(0)} ms cached`);
    const hangarTimes = hangarRuns.map((r) => r.ms);
    const bareTimes = bareRuns.map((r) => r.ms);
    const uiTimes = uiRuns.map((r) => r.ms);
    const hangarMedian = median(hangarTimes);
    const bareMedian = median(bareTimes);
    const uiMedian = median(uiTimes);
    const upMedian = (rs) => median(rs.map((r) => r.qemuUp ?? NaN));
    const hangarQemuUp = upMedian(hangarRuns);
    const bareQemuUp = upMedian(bareRuns);
    const uiQemuUp = upMedian(uiRuns);
    const coldStats = pairStats(hangarTimes, bareTimes);
    const coldEngineStats = pairStats(coldEngineRuns.map((r) => r.ms), bareTimes);
    const coldEngineQemuUp = median(coldEngineRuns.map((r) => r.qemuUp ?? NaN));
    const fromPlan = hangarRuns.filter((r) => r.fast).length;
    if (coldEngineRuns.some((r) => r.fast)) throw new Error('a start with HANGAR_FAST_START=0 took the plan');
    if (!smoke && fromPlan !== hangarRuns.length) throw new Error(`only ${fromPlan} of ${hangarRuns.length} cold starts took the VM's start plan`);
    const ratio = coldStats.ratioOfMedians;
    const uiStats = pairStats(uiTimes, bareTimes);
    const warmMedian = median(warmRuns.map((r) => r.ms));
    const warmRatio = warmMedian / bareMedian;
    const warmQemuUp = upMedian(warmRuns);
    const split = Object.fromEntries([...PHASES, 'toExec', 'execToRunning', ...AFTER_STEPS].map((k) => [k, median(uiSplits.map((x) => x[k]))]));
    // QEMU up (its pidfile) → the guest running: QEMU's own start-up, plus (Hangar) what it does while QEMU waits at -S.
    const upToRunning = (rs) => median(rs.map((r) => (r.running == null || r.qemuUp == null ? NaN : r.running - r.qemuUp)));
    const uiUpToRunning = upToRunning(uiRuns);
    const bareUpToRunning = upToRunning(bareRuns);
    const hangarOwnAfterExec = split.attach + split.hooks + split.cont;
    log(`hangar median ${hangarMedian.toFixed(0)} ms, bare median ${bareMedian.toFixed(0)} ms`);
    log(`boot overhead ratio: ${ratio.toFixed(3)}x (target <= ${TARGET_COLD}x)`);
    log(`cold CLI per pair: median ratio ${coldStats.medianRatio.toFixed(3)}x, median overhead ${coldStats.medianOverhead.toFixed(0)} ms; ${fromPlan} of ${hangarRuns.length} from the start plan`);
    log(`cold CLI without the plan (through a background engine): ratio of medians ${coldEngineStats.ratioOfMedians.toFixed(3)}x, per pair ${coldEngineStats.medianRatio.toFixed(3)}x, overhead ${coldEngineStats.medianOverhead.toFixed(0)} ms, QEMU up at ${coldEngineQemuUp.toFixed(0)} ms`);
    log(`warm engine, UI click: ratio of medians ${uiStats.ratioOfMedians.toFixed(3)}x, per-pair median ${uiStats.medianRatio.toFixed(3)}x, overhead per pair median ${uiStats.medianOverhead.toFixed(0)} ms (UI ${uiMedian.toFixed(0)} ms, bare ${bareMedian.toFixed(0)} ms) (target <= ${TARGET_WARM}x)`);
    log(`warm engine through the CLI (informational: Node start + CLI): ${warmMedian.toFixed(0)} ms, ratio ${warmRatio.toFixed(3)}x`);
    log(`warm engine, vm.start received -> QEMU exec: ${split.toExec.toFixed(1)} ms (target <= ${TARGET_EXEC_MS} ms): ${PHASES.map((p) => `${p} ${split[p].toFixed(1)} ms`).join(', ')}; exec -> running ${split.execToRunning.toFixed(1)} ms`);
    log(`after exec (medians): ${AFTER_STEPS.map((p) => `${p} ${split[p].toFixed(1)} ms`).join(', ')}; Hangar's own (attach + hooks + cont) ${hangarOwnAfterExec.toFixed(1)} ms`);
    log(`QEMU up -> running: UI click ${uiUpToRunning.toFixed(0)} ms, bare ${bareUpToRunning.toFixed(0)} ms (medians)`);
    log(`spawn -> QEMU pidfile: cold ${hangarQemuUp.toFixed(0)} ms, ui ${uiQemuUp.toFixed(0)} ms, warm CLI ${warmQemuUp.toFixed(0)} ms, bare ${bareQemuUp.toFixed(0)} ms (medians)`);
    log(`node start ${profile.node.toFixed(0)} ms; load average before ${loadBefore}, after ${loadAfter}`);
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
        hangarUps: hangarRuns.map((r) => r.qemuUp),
        warm: warmRuns.map((r) => r.ms),
        warmUps: warmRuns.map((r) => r.qemuUp),
        warmMedian,
        warmRatio,
        warmQemuUp,
        bareUps: bareRuns.map((r) => r.qemuUp),
        bareRunning: bareRuns.map((r) => r.running),
        ui: uiRuns,
        uiStats,
        coldStats,
        coldEngine: coldEngineRuns,
        coldEngineStats,
        coldEngineQemuUp,
        fromPlan,
        uiMedian,
        uiQemuUp,
        uiUpToRunning,
        bareUpToRunning,
        hangarOwnAfterExec,
        split,
        splits: uiSplits,
        loadBefore,
        loadAfter,
        profile,
      });
      log(`wrote ${outFile}`);
    }
  } finally {
    if (warmEngine) await warmEngine.stop().catch(() => undefined);
    removeRun(runtimeBase, work);
  }
}

main().catch((err) => fail(err.stack ?? String(err)));
