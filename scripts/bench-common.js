// Helpers shared by the benches: statistics, the bare-QEMU argv, and the QEMU processes of a run.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** Median of a list of numbers; NaN for an empty list. */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The argv of bare QEMU from Hangar's: the inherited-fd QMP chardev and its monitor become a
 * `-qmp unix:` socket in `bareDir`, `-S` goes, the runtime folder becomes `bareDir`, and each
 * `[from, to]` of `replace` (serial log, disk) is swapped in every argument.
 */
export function bareArgv(hangarArgv, { runtimeDir, bareDir, replace = [] }) {
  const out = [];
  for (let i = 0; i < hangarArgv.length; i++) {
    const a = hangarArgv[i];
    const next = hangarArgv[i + 1];
    if (a === '-S') continue;
    if (a === '-chardev' && /^socket,id=qmp,fd=\d+/.test(next ?? '')) {
      i++;
      continue;
    }
    if (a === '-mon' && /chardev=qmp\b/.test(next ?? '')) {
      i++;
      out.push('-qmp', `unix:${join(bareDir, 'qmp.sock')},server=on,wait=off`);
      continue;
    }
    let arg = a.split(runtimeDir).join(bareDir);
    for (const [from, to] of replace) arg = arg.split(from).join(to);
    out.push(arg);
  }
  if (!out.includes('-qmp')) throw new Error('no `-chardev socket,id=qmp,fd=…` / `-mon chardev=qmp` pair in the argv');
  return out;
}

/** QEMU processes whose command line names a path under `dir`. */
export function qemuPidsUnder(dir) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('qemu-system') && cmd.includes(dir)) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

/** SIGKILLs every QEMU under `dir` (bench clean-up; the VMs are throwaway). */
export function killQemuUnder(dir) {
  for (const pid of qemuPidsUnder(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/**
 * The accelerator the benches ran under, as Hangar's host probe decides it (`hangar host --json`): an existing
 * /dev/kvm is not a usable one (no permission, nested KVM that aborts QEMU), so never infer it from the file.
 */
export function acceleratorOf(host) {
  return host?.kvm?.usable ? 'KVM (usable, per the host probe)' : `TCG (KVM not usable: ${host?.kvm?.reason ?? 'the host probe gave no verdict'})`;
}

/**
 * Resolves when `text` is in the file (read every `pollMs`); rejects after `timeoutMs`, or at once if the
 * optional `child` (a bare QEMU) exits first.
 */
export function waitForFileText(path, text, { child = null, timeoutMs = 120_000, pollMs = 20 } = {}) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    let exited = null;
    child?.once('exit', (code, signal) => (exited = `${signal ?? code}`));
    const tick = () => {
      let content = '';
      try {
        content = readFileSync(path, 'latin1');
      } catch {
        // not created yet
      }
      if (content.includes(text)) return resolve();
      if (exited !== null) return reject(new Error(`bare QEMU exited (${exited}) before "${text}"`));
      if (Date.now() > deadline) return reject(new Error(`"${text}" not seen in ${path} within ${timeoutMs} ms`));
      setTimeout(tick, pollMs);
    };
    tick();
  });
}

/** A bench's clean-up: its QEMUs first (they hold files open), then its folders. */
export function removeRun(runtimeBase, ...dirs) {
  killQemuUnder(runtimeBase);
  for (const dir of [...dirs, runtimeBase]) rmSync(dir, { recursive: true, force: true });
}

/** Runs a command to completion, collecting its output. */
export function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
}

/** User + system CPU ticks a process has used (/proc/PID/stat). */
export function procCpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

export function procRssKiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** Watches an idle process for `seconds`: its RSS each second (KiB), the CPU seconds it used and the wall time. */
export async function sampleIdle(pid, seconds) {
  const clk = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const rssKiB = [];
  const ticks0 = procCpuTicks(pid);
  const t0 = performance.now();
  for (let s = 0; s < seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    rssKiB.push(procRssKiB(pid));
  }
  return { rssKiB, cpuSeconds: (procCpuTicks(pid) - ticks0) / clk, wall: (performance.now() - t0) / 1000 };
}

/** JSON lines over a unix socket: the engine's control socket and QMP both speak it. */
export function lineSocket(path) {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    const listeners = new Set();
    s.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) for (const l of [...listeners]) l(JSON.parse(line));
      }
    });
    s.once('connect', () =>
      resolve({
        send: (obj) => s.write(`${JSON.stringify(obj)}\n`),
        on: (l) => (listeners.add(l), () => listeners.delete(l)),
        close: () => s.destroy(),
      }),
    );
    s.once('error', reject);
  });
}

/** The control socket path a spawned `hangar engine` prints on its stdout once it listens; rejects if it exits first. */
export function controlSocketOf(child, what = 'engine') {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /control socket (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited early (${code})`)));
  });
}

/**
 * The engine's control socket: `call(command, args)` → the result, or a rejection with the engine's error;
 * `on(listener)` → every message that comes (events too), returning its remover.
 */
export async function engineClient(socketPath) {
  const sock = await lineSocket(socketPath);
  let id = 0;
  const call = (command, args) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      const off = sock.on((m) => {
        if (m.type !== 'response' || m.id !== n) return;
        off();
        if (m.ok) resolve(m.result);
        else reject(new Error(`${command}: ${m.error?.code}: ${m.error?.message}`));
      });
      sock.send({ type: 'request', id: n, command, args });
    });
  return { call, on: sock.on, close: sock.close };
}

/**
 * Hangar's times against bare QEMU's from runs made in pairs (a[i] beside b[i]): the ratio of the medians, each
 * pair's ratio and their median, and each pair's overhead (a − b, ms) and its median. Pairs drift together, so
 * the per-pair figures show what the noise between runs hides in the medians.
 */
export function pairStats(a, b) {
  if (a.length !== b.length || a.length === 0) throw new Error(`pairStats: ${a.length} against ${b.length} runs`);
  const ratios = a.map((x, i) => x / b[i]);
  const overheads = a.map((x, i) => x - b[i]);
  return {
    ratioOfMedians: median(a) / median(b),
    ratios,
    medianRatio: median(ratios),
    overheads,
    medianOverhead: median(overheads),
  };
}

/**
 * The time (ms from `t0`) bare QEMU's main loop first answers QMP at `path` (`-qmp unix:…,server=on,wait=off`):
 * the socket is polled every `pollMs` until it takes a connection, then `qmp_capabilities` is sent once the
 * greeting arrives (QEMU greets from its monitor thread during its start-up; commands wait for the main loop,
 * which without -S runs the guest). Resolves null if QEMU exits or `timeoutMs` passes first.
 */
export function qmpAnswered(path, t0, { pollMs = 2, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const attempt = () => {
      if (Date.now() > deadline) return resolve(null);
      const s = connect(path);
      let buf = '';
      let greeted = false;
      let done = false;
      const finish = (at) => {
        if (done) return;
        done = true;
        s.destroy();
        resolve(at);
      };
      s.on('error', () => {
        if (greeted) return finish(null);
        if (done) return;
        done = true;
        s.destroy();
        setTimeout(attempt, pollMs);
      });
      s.on('data', (d) => {
        buf += d;
        if (!greeted && buf.includes('"QMP"')) {
          greeted = true;
          s.write('{"execute":"qmp_capabilities","id":1}\n');
        } else if (greeted && buf.includes('"return"')) finish(performance.now() - t0);
      });
      s.once('close', () => finish(null));
    };
    attempt();
  });
}
