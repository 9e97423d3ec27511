#!/usr/bin/env node
// `npm run bench` (part): the engine's own costs, each against a baseline measured in the same run.
//
// 1. Snapshots: save and load with RAM through Hangar (engine `snapshot.take` / `snapshot.restore` over the
//    control socket, timed round trip) vs bare QMP doing the same (`snapshot-save` / `snapshot-load` jobs,
//    wait for `concluded`, `job-dismiss`) on an identical QEMU that this script starts with the same argv
//    (`vm.argv`, QMP moved to `-qmp unix:`, `-S` dropped, its own runtime folder and copy of the disk).
//    The two alternate; the figure is the ratio of the medians. Target ≤ 1.05×.
// 2. Idle engine: 8 boot.img VMs started through `hangar serve`'s engine; spans of 10 s alternate with no page
//    open and with the library page open in Chromium (live thumbnails), A B A B: the engine's RSS
//    (/proc/<pid>/status VmRSS) and CPU (utime + stime from /proc/<pid>/stat), and the page's main-thread busy
//    time (CDP TaskDuration). Targets < 80 MB RSS and < 1 % of a core, with the page open too.
//
//   node scripts/bench-engine.js           7 snapshot rounds, 8 idle VMs for 10 s, writes the "## Engine" section of docs/benchmarks.md
//   node scripts/bench-engine.js --smoke   1 round (no warm-up round), 2 VMs for 1 s, writes nothing
//   node scripts/bench-engine.js --idle-only   only the idle figures (no page, then the library page open)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { acceleratorOf, bareArgv, controlSocketOf, engineClient, lineSocket, median, procRssKiB, qemuPidsUnder, removeRun, sampleIdle, waitForFileText } from './bench-common.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const engineJs = join(root, 'out', 'main', 'engine.js');
const serveJs = join(root, 'out', 'main', 'serve.js');
const CHROMIUM = process.env.HANGAR_CHROMIUM ?? '/usr/bin/chromium';
const fixturesDir = process.env.HANGAR_FIXTURES_CACHE ?? join(root, 'test', 'fixtures', 'cache');
const bootImg = join(fixturesDir, 'boot.img');
const linuxIso = join(fixturesDir, 'linux.iso');
const MARKER = 'HANGAR-BOOT-OK';
const LINUX_MARKER = 'HANGAR-LINUX-READY';
const TARGETS = { snapshotRatio: 1.05, rssMB: 80, cpuPercent: 1 };

const { values: opts } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, rounds: { type: 'string' }, vms: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' }, 'idle-only': { type: 'boolean', default: false } },
});
const smoke = opts.smoke;
const rounds = opts.rounds ? Number(opts.rounds) : smoke ? 1 : 7;
const idleVms = opts.vms ? Number(opts.vms) : smoke ? 2 : 8;
const idleSeconds = opts.seconds ? Number(opts.seconds) : smoke ? 1 : 10;
/** Idle spans per side (no page / page open), alternating. */
const IDLE_ROUNDS = smoke ? 1 : 2;
const outFile = opts.out ?? join(root, 'docs', 'benchmarks.md');
const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function qmpClient(path) {
  const sock = await lineSocket(path);
  let id = 0;
  const execute = (command, args) =>
    new Promise((resolve, reject) => {
      const n = `b${++id}`;
      const off = sock.on((m) => {
        if (m.id !== n) return;
        off();
        if (m.error) reject(new Error(`${command}: ${m.error.desc}`));
        else resolve(m.return);
      });
      sock.send(args ? { execute: command, arguments: args, id: n } : { execute: command, id: n });
    });
  /** A job: registered for its `concluded` event before it starts; then query-jobs for an error, and dismiss. */
  const job = async (command, args) => {
    const jobId = args['job-id'];
    const concluded = new Promise((resolve) => {
      const off = sock.on((m) => {
        if (m.event === 'JOB_STATUS_CHANGE' && m.data?.id === jobId && m.data.status === 'concluded') {
          off();
          resolve();
        }
      });
    });
    await execute(command, args);
    await concluded;
    const jobs = await execute('query-jobs');
    const err = jobs.find((j) => j.id === jobId)?.error;
    await execute('job-dismiss', { id: jobId });
    if (err) throw new Error(`${command}: ${err}`);
  };
  await new Promise((resolve) => {
    const off = sock.on((m) => {
      if (m.QMP) {
        off();
        resolve();
      }
    });
  });
  await execute('qmp_capabilities');
  return { execute, job, close: sock.close };
}

async function startEngine(env, lib) {
  const child = spawn(process.execPath, [engineJs, '--library', lib], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, socket: await controlSocketOf(child) };
}

async function stopProcess(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

function qcow2Copy(dest) {
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', bootImg, dest]);
  return dest;
}

/**
 * `guest`: 'boot' = boot.img on a qcow2 copy, 128 MiB (the guest touches almost none of it: the fixed costs
 * show); 'linux' = the Linux fixture ISO with a new blank qcow2 disk, 256 MiB (its kernel and initramfs fill
 * part of the RAM: a save that moves real data).
 */
async function benchSnapshots(work, runtimeBase, guest) {
  const lib = join(work, `snap-library-${guest}`);
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: lib };
  const engine = await startEngine(env, lib);
  const c = await engineClient(engine.socket);
  let bare = null;
  try {
    let disk;
    let created;
    const marker = guest === 'linux' ? LINUX_MARKER : MARKER;
    if (guest === 'linux') {
      created = await c.call('vm.create', { name: 'bench snapshots linux', iso: linuxIso, diskSizeGiB: 1, memoryMiB: 256, cpus: 1 });
      const p = created.doc.disks[0].path;
      disk = p.startsWith('/') ? p : join(created.bundleDir, p);
    } else {
      disk = qcow2Copy(join(work, 'snap-hangar.qcow2'));
      created = await c.call('vm.create', { name: 'bench snapshots', existingDisk: disk, memoryMiB: 128, cpus: 1 });
    }
    const { id, bundleDir } = created;
    const { argv: full } = await c.call('vm.argv', { vm: id });
    // The same QEMU, bare: same argv but its own folder, serial log and (identical) disk.
    const bareDir = join(runtimeBase, `bare-${guest}`);
    mkdirSync(bareDir, { recursive: true, mode: 0o700 });
    const bareDisk = join(work, `snap-bare-${guest}.qcow2`);
    copyFileSync(disk, bareDisk);
    await c.call('vm.start', { vm: id });
    await waitForFileText(join(bundleDir, 'logs', 'serial.log'), marker);

    const runtimeDir = join(runtimeBase, 'hangar', id.replace(/-/g, '').slice(0, 12));
    const bareSerial = join(bareDir, 'serial.log');
    const argv = bareArgv(full.slice(1), { runtimeDir, bareDir, replace: [[join(bundleDir, 'logs', 'serial.log'), bareSerial], [disk, bareDisk]] });
    const logFd = openSync(join(bareDir, 'qemu.log'), 'a');
    const child = spawn(full[0], argv, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    bare = child;
    await waitForFileText(bareSerial, marker);
    const qmp = await qmpClient(join(bareDir, 'qmp.sock'));

    const hangarSave = [];
    const hangarLoad = [];
    const bareSave = [];
    const bareLoad = [];
    let taken0 = null;
    // A smoke only checks that every figure comes out: its one round is counted, with no warm-up before it.
    const warmUp = smoke ? 0 : 1;
    for (let i = 1 - warmUp; i <= rounds; i++) {
      // Round 0 warms both up (first snapshot of an image, page cache) and is not counted.
      let t0 = performance.now();
      const taken = await c.call('snapshot.take', { vm: id, name: `bench ${i}`, withRam: true });
      const hs = performance.now() - t0;
      // Untimed: the PNG is encoded after the reply; let it finish so it does not run during the bare save.
      await c.call('snapshot.thumbnail', { vm: id, snapshot: taken.snapshot.id });
      const devices = taken.snapshot.devices;
      // The take's answer leaves the new snapshot's vmstate size out (no image query after the save): list it.
      if (taken0 === null) taken0 = (await c.call('snapshot.list', { vm: id })).snapshots.find((s) => s.id === taken.snapshot.id);
      const tag = `bare-${i}`;
      t0 = performance.now();
      await qmp.job('snapshot-save', { 'job-id': `save-${i}`, tag, vmstate: devices[0], devices });
      const bs = performance.now() - t0;
      t0 = performance.now();
      await c.call('snapshot.restore', { vm: id, snapshot: taken.snapshot.id });
      const hl = performance.now() - t0;
      t0 = performance.now();
      await qmp.job('snapshot-load', { 'job-id': `load-${i}`, tag, vmstate: devices[0], devices });
      const bl = performance.now() - t0;
      await c.call('snapshot.delete', { vm: id, snapshot: taken.snapshot.id });
      await qmp.job('snapshot-delete', { 'job-id': `del-${i}`, tag, devices });
      if (i === 0) continue;
      hangarSave.push(hs);
      bareSave.push(bs);
      hangarLoad.push(hl);
      bareLoad.push(bl);
      log(`${guest} snapshot round ${i}/${rounds}: save hangar ${hs.toFixed(1)} ms, bare ${bs.toFixed(1)} ms; load hangar ${hl.toFixed(1)} ms, bare ${bl.toFixed(1)} ms`);
    }
    qmp.close();
    await c.call('vm.forceOff', { vm: id });
    const r = {
      hangarSave: median(hangarSave),
      bareSave: median(bareSave),
      hangarLoad: median(hangarLoad),
      bareLoad: median(bareLoad),
      runs: { hangarSave, bareSave, hangarLoad, bareLoad },
    };
    r.saveRatio = r.hangarSave / r.bareSave;
    r.loadRatio = r.hangarLoad / r.bareLoad;
    r.guest = guest;
    r.vmStateMiB = (taken0?.vmStateSize ?? 0) / 2 ** 20;
    log(`${guest}: snapshot save ratio: ${r.saveRatio.toFixed(3)}x (hangar ${r.hangarSave.toFixed(1)} ms, bare ${r.bareSave.toFixed(1)} ms; target <= ${TARGETS.snapshotRatio}x)`);
    log(`${guest}: snapshot load ratio: ${r.loadRatio.toFixed(3)}x (hangar ${r.hangarLoad.toFixed(1)} ms, bare ${r.bareLoad.toFixed(1)} ms; target <= ${TARGETS.snapshotRatio}x)`);
    return r;
  } finally {
    if (bare) await stopProcess(bare, 'SIGKILL');
    c.close();
    await stopProcess(engine.child);
  }
}

/** `hangar serve` on a library (it forks the engine); resolves with its URL, and the engine's pid and socket. */
function startServe(env, lib) {
  const child = spawn(process.execPath, [serveJs, '--library', lib, '--allow-dir', dirname(lib)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
      if (!m) return;
      // serve's engine records its pid and control socket in the library's lock file.
      const lock = JSON.parse(readFileSync(join(lib, '.hangar-engine.lock'), 'utf8'));
      resolve({ child, url: m[1], enginePid: lock.pid, socket: lock.controlSocket });
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (${code})`)));
  });
}

/** The page's main-thread busy time (CDP Performance.getMetrics TaskDuration), in seconds. */
async function pageBusySeconds(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
}

/**
 * 8 boot.img VMs running under `hangar serve`; the engine sampled with no page open (A) and with the library page
 * open in Chromium (B), alternating A B A B. With the page: its main-thread busy time over the same span too.
 */
async function benchIdle(work, runtimeBase) {
  const lib = join(work, 'idle-library');
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: lib };
  mkdirSync(lib, { recursive: true });
  const serve = await startServe(env, lib);
  const c = await engineClient(serve.socket);
  let browser = null;
  try {
    const ids = [];
    for (let i = 0; i < idleVms; i++) {
      const disk = join(work, `idle-${i}.img`);
      copyFileSync(bootImg, disk);
      const { id, bundleDir } = await c.call('vm.create', { name: `idle ${i}`, existingDisk: disk, memoryMiB: 32, cpus: 1 });
      await c.call('vm.start', { vm: id });
      ids.push({ id, bundleDir });
    }
    for (const { bundleDir } of ids) await waitForFileText(join(bundleDir, 'logs', 'serial.log'), MARKER);
    const running = (await c.call('library.list', {})).filter((v) => v.state.kind === 'running').length;
    if (running !== idleVms) throw new Error(`${running} of ${idleVms} VMs running`);
    await sleep(smoke ? 200 : 2000); // let start-up work (serial attach) settle

    const u = new URL(serve.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    const spans = { closed: [], open: [] };
    for (let round = 0; round < IDLE_ROUNDS; round++) {
      // A: no page open (no client but the bench's own socket).
      const a = await sampleIdle(serve.enginePid, idleSeconds);
      spans.closed.push(a);
      log(`idle, no page, round ${round + 1}: engine RSS max ${(Math.max(...a.rssKiB) / 1024).toFixed(1)} MiB, CPU ${((100 * a.cpuSeconds) / a.wall).toFixed(2)} %`);
      // B: the library page open, its thumbnails shown (the first look of every screen is not counted).
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addCookies([{ name: `hangar_token_${u.port}`, value: u.searchParams.get('token'), url: u.origin, httpOnly: true, sameSite: 'Strict' }]);
      const page = await context.newPage();
      await page.goto(`${u.origin}/`);
      await page.getByRole('img', { name: /^Screen of idle/ }).nth(idleVms - 1).waitFor({ timeout: 60_000 });
      await sleep(smoke ? 200 : 2000);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const busy0 = await pageBusySeconds(cdp);
      const b = await sampleIdle(serve.enginePid, idleSeconds);
      b.pageBusySeconds = (await pageBusySeconds(cdp)) - busy0;
      spans.open.push(b);
      log(`idle, library page open, round ${round + 1}: engine RSS max ${(Math.max(...b.rssKiB) / 1024).toFixed(1)} MiB, CPU ${((100 * b.cpuSeconds) / b.wall).toFixed(2)} %; page main thread busy ${((100 * b.pageBusySeconds) / b.wall).toFixed(2)} %`);
      await context.close();
      await sleep(smoke ? 200 : 1000); // the page's unsubscribe and the socket's close reach the engine
    }
    const summarize = (xs) => {
      const wall = xs.reduce((t, x) => t + x.wall, 0);
      const cpu = xs.reduce((t, x) => t + x.cpuSeconds, 0);
      const rss = Math.max(...xs.flatMap((x) => x.rssKiB));
      const busy = xs.reduce((t, x) => t + (x.pageBusySeconds ?? 0), 0);
      return { seconds: wall, cpuSeconds: cpu, cpuPercent: (100 * cpu) / wall, rssMB: (rss * 1024) / 1e6, rssMiB: rss / 1024, pagePercent: (100 * busy) / wall, pageSeconds: busy, perRound: xs.map((x) => ((100 * x.cpuSeconds) / x.wall).toFixed(2)) };
    };
    const r = {
      vms: idleVms,
      rounds: IDLE_ROUNDS,
      seconds: idleSeconds,
      closed: summarize(spans.closed),
      open: summarize(spans.open),
      qemuRssMiB: qemuPidsUnder(runtimeBase).reduce((sum, p) => sum + procRssKiB(p), 0) / 1024,
    };
    log(`idle engine with ${idleVms} VMs running: no page: RSS max ${r.closed.rssMB.toFixed(1)} MB, CPU ${r.closed.cpuPercent.toFixed(2)} %; library page open: RSS max ${r.open.rssMB.toFixed(1)} MB, CPU ${r.open.cpuPercent.toFixed(2)} % (targets < ${TARGETS.rssMB} MB, < ${TARGETS.cpuPercent} %); page main thread ${r.open.pagePercent.toFixed(2)} %`);
    for (const { id } of ids) await c.call('vm.forceOff', { vm: id });
    return r;
  } finally {
    await browser?.close().catch(() => undefined);
    c.close();
    await stopProcess(serve.child);
  }
}

/** The host probe's verdict (`hangar host --json` on a throwaway library), not a guess from /dev/kvm existing. */
function hostProbe(work, runtimeBase) {
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: join(work, 'probe-library') };
  const r = spawnSync(process.execPath, [join(root, 'bin', 'hangar.js'), 'host', '--json'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hangar host --json failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function machineFacts(host) {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const qemu = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const kvm = acceleratorOf(host);
  return { cpuModel, cores: cpus().length, memoryGiB: (totalmem() / 1024 ** 3).toFixed(1), qemu, kvm, node: process.version, kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim() };
}

/** Replaces (or appends) the section whose heading is `heading` in docs/benchmarks.md. */
function putSection(heading, section) {
  const previous = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '# Benchmarks\n';
  const parts = previous.split(/^(?=## )/m);
  const at = parts.findIndex((p) => p.startsWith(heading));
  if (at >= 0) parts[at] = `${section}\n`;
  else parts.push(`${previous.endsWith('\n\n') ? '' : '\n'}${section}`);
  writeFileSync(outFile, parts.join(''));
}

function writeIdleSection(idle, loadAvgBefore, loadAvgAfter, host) {
  const m = machineFacts(host);
  const meets = (ok) => (ok ? 'meets the target' : 'misses the target');
  const row = (what, x) => `| Engine, ${idle.vms} VMs running, ${what}: RSS (max of 1 s samples) / CPU over ${idle.rounds} × ${idle.seconds} s | **${x.rssMB.toFixed(1)} MB** (${meets(x.rssMB < TARGETS.rssMB)}) / **${x.cpuPercent.toFixed(2)} % of a core** (${x.cpuSeconds.toFixed(2)} s CPU; ${meets(x.cpuPercent < TARGETS.cpuPercent)}; per span ${x.perRound.join(', ')} %) | < ${TARGETS.rssMB} MB / < ${TARGETS.cpuPercent} % |`;
  const section = `## Engine idle with the window open

Generated by \`node scripts/bench-engine.js\` (part of \`npm run bench\`) on ${new Date().toISOString().slice(0, 10)}: ${m.cpuModel}, ${m.cores} cores,
${m.qemu}, ${m.kvm}, Node ${m.node}. Load average (1, 5, 15 min) before / after: ${loadAvgBefore} / ${loadAvgAfter} on ${m.cores} cores.

| Figure | Measured | Target |
|---|---|---|
${row('no page open', idle.closed)}
${row('the library page open in Chromium (live thumbnails)', idle.open)}
| The library page itself over the same spans: its main thread busy (CDP \`TaskDuration\`) | **${idle.open.pagePercent.toFixed(2)} %** (${idle.open.pageSeconds.toFixed(3)} s) | idle (no work when nothing changes) |
| The ${idle.vms} QEMU processes together (RSS, for scale) | ${idle.qemuRssMiB.toFixed(0)} MiB | — |

How it is measured: ${idle.vms} boot.img VMs (32 MiB each; a static screen once booted) started through \`hangar serve\`'s engine, each
waited for until its boot marker; then spans of ${idle.seconds} s alternate, no page (A) and the library page open (B), A B A B: the
engine's \`/proc/<pid>/status\` VmRSS every second and \`utime + stime\` from \`/proc/<pid>/stat\` over each span. For B, a new
Chromium context loads the page and waits until every row shows its thumbnail, 2 s more, then the span. The engine looks only at
the screens of the rows in view, and captures one (screendump, PNG) only when QEMU's VNC server reports that it changed
(src-main/engine/display/screen-changes.ts); a hidden page holds no subscription at all.
`;
  putSection('## Engine idle with the window open', section);
}

function writeSection(snaps, _idle, loadAvg, host) {
  const m = machineFacts(host);
  const meets = (ok) => (ok ? 'meets the target' : 'misses the target');
  const ms = (x) => `${x.toFixed(1)} ms`;
  const guestName = (g) => (g === 'linux' ? 'Linux fixture, 256 MiB' : 'boot.img, 128 MiB');
  const snapRows = snaps
    .flatMap((snap) => [
      `| Snapshot save with RAM (${guestName(snap.guest)}, vmstate ${snap.vmStateMiB.toFixed(1)} MiB): Hangar \`snapshot.take\` ÷ bare QMP \`snapshot-save\` job, medians of ${rounds} | **${snap.saveRatio.toFixed(3)}×** (${meets(snap.saveRatio <= TARGETS.snapshotRatio)}); ${ms(snap.hangarSave)} / ${ms(snap.bareSave)} | ≤ ${TARGETS.snapshotRatio.toFixed(2)}× |`,
      `| Snapshot load with RAM (${guestName(snap.guest)}): Hangar \`snapshot.restore\` ÷ bare QMP \`snapshot-load\` job, medians of ${rounds} | **${snap.loadRatio.toFixed(3)}×** (${meets(snap.loadRatio <= TARGETS.snapshotRatio)}); ${ms(snap.hangarLoad)} / ${ms(snap.bareLoad)} | ≤ ${TARGETS.snapshotRatio.toFixed(2)}× |`,
    ])
    .join('\n');
  const rawRuns = snaps
    .map((snap) => `${guestName(snap.guest)}: ${snap.runs.hangarSave.map((_, i) => `${snap.runs.hangarSave[i].toFixed(0)}/${snap.runs.bareSave[i].toFixed(0)}, ${snap.runs.hangarLoad[i].toFixed(0)}/${snap.runs.bareLoad[i].toFixed(0)}`).join('; ')}`)
    .join('. ');
  const [load1] = loadAvg.split(' ').map(Number);
  const busy =
    load1 > m.cores / 2
      ? `\n**Taken under load** (1-minute load average ${load1} on ${m.cores} cores: other jobs shared the machine), so the
snapshot ratios, made of short wall-clock spans, are rough; rerun on a quiet machine before reading them closely.\n`
      : '';
  // The range of single-round ratios, over every guest and both operations: how far one round swings.
  const spread = (all) => {
    const ratios = all.flatMap((snap) => snap.runs.hangarSave.flatMap((_, i) => [snap.runs.hangarSave[i] / snap.runs.bareSave[i], snap.runs.hangarLoad[i] / snap.runs.bareLoad[i]]));
    return `${Math.min(...ratios).toFixed(2)}× and ${Math.max(...ratios).toFixed(2)}×`;
  };
  const section = `## Engine: snapshots

Generated by \`node scripts/bench-engine.js\` (part of \`npm run bench\`) on ${new Date().toISOString().slice(0, 10)}: ${m.cpuModel}, ${m.cores} cores,
${m.memoryGiB} GiB, ${m.qemu}, ${m.kvm}, Node ${m.node}, kernel ${m.kernel}. Load average (1, 5, 15 min) at the end: ${loadAvg}.
${busy}
| Figure | Measured (ratio; Hangar / bare) | Target |
|---|---|---|
${snapRows}

Snapshot rounds (ms; save Hangar/bare, load Hangar/bare): ${rawRuns}.

How it is measured: Hangar's figure is the round trip of the engine command over the control socket, so it
includes what Hangar does around the QMP job: the VM lookup and state checks, the snapshot tree read and reconciled
with the images, the settings check of a RAM restore, \`snapshots.json\` written atomically (fsync of the file and
its folder), the events. The bare figure is the QMP job alone (\`snapshot-save\`/\`snapshot-load\` over the same
format nodes, wait for \`concluded\`, \`query-jobs\`, \`job-dismiss\`) on an identical QEMU started by the script
(same argv from \`vm.argv\`, QMP on \`-qmp unix:\`, its own copy of the disk), running beside Hangar's; the two
alternate, after one uncounted warm-up round; after each take the script fetches \`snapshot.thumbnail\` (untimed), so
the PNG Hangar encodes after the reply is done before the bare save runs. The idle engine has its own section below.

Reading the snapshot ratios: what Hangar adds is a fixed cost per operation, not proportional to the RAM saved. The
fsync'd \`snapshots.json\` write runs while QEMU saves or loads (a failed job writes the old tree back); the snapshot's
screenshot is a raw PPM \`screendump\` taken right after the save and turned into a PNG by the engine after the reply
(\`snapshot.thumbnail\` waits for it); the images' snapshot lists are read once per QEMU run and then kept up to date by
the service, so take and restore skip \`query-named-block-nodes\`; the run state after the job is the one before it
(QEMU restores it), so no \`query-status\`. In this run that fixed cost (difference of the medians, Hangar − bare) was
${snaps.map((snap) => `${ms(snap.hangarSave - snap.bareSave)} per take and ${ms(snap.hangarLoad - snap.bareLoad)} per restore on the ${guestName(snap.guest)} guest, whose bare jobs took ${ms(snap.bareSave)} / ${ms(snap.bareLoad)}`).join('; ')}.
Round to round the ratios swung between ${spread(snaps)} (single rounds, Hangar ÷ bare), which is why a median can land under 1×.
`;
  putSection('## Engine: snapshots', section);
}

async function main() {
  if (!existsSync(engineJs)) throw new Error('Hangar is not built: run `npm run build`');
  for (const f of [bootImg, linuxIso]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run fixtures\``);
  const work = mkdtempSync(join(tmpdir(), 'hangar-bench-engine-'));
  const runtimeBase = mkdtempSync('/tmp/hgbe-');
  try {
    const host = hostProbe(work, runtimeBase);
    log(`accelerator: ${acceleratorOf(host)}`);
    const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const snaps = opts['idle-only'] ? null : [await benchSnapshots(work, runtimeBase, 'linux'), await benchSnapshots(work, runtimeBase, 'boot')];
    if (snaps && !smoke) {
      writeSection(snaps, null, loadAvg(), host);
      log(`wrote ${outFile} (## Engine: snapshots)`);
    }
    const idleBefore = loadAvg();
    const idle = await benchIdle(work, runtimeBase);
    const left = qemuPidsUnder(runtimeBase);
    if (left.length) throw new Error(`QEMU still running: ${left.join(', ')}`);
    if (!smoke) {
      writeIdleSection(idle, idleBefore, loadAvg(), host);
      log(`wrote ${outFile} (## Engine idle with the window open)`);
    }
  } finally {
    removeRun(runtimeBase, work);
  }
}

main().catch((err) => {
  process.stderr.write(`bench-engine: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
