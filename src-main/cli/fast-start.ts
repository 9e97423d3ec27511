// `hangar start VM` when no engine runs and the VM's start plan still holds (engine/session/start-plan-file.ts):
// this process spawns QEMU itself, as the engine would have, and leaves the session for the next engine to reattach.
// A cold CLI start then costs one Node start and a few stats before QEMU's exec, not two Node starts and the engine
// (issue 20). Anything unusual returns null and the CLI goes the engine's way, which explains any problem.
// Node built-ins only (bin/hangar.js loads this before the CLI bundle).
import type { ChildProcess } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { planKey, hangarCacheDir, readStartPlan, type StartPlan } from '../engine/session/start-plan-file.js';
import { engineSocketPath, resolveLibraryDir, runtimeDirPath, vmRuntimeDirPath } from '../engine/storage/library-paths.js';
import { LOCK_FILE_NAME } from '../engine/storage/library-lock.js';
import { EXIT } from './exit-codes.js';
import { launchQemu } from '../engine/session/qemu-launcher.js';
import { qemuComplaint, readLogTail } from '../engine/session/log-tail.js';

export interface FastStartArgs {
  library?: string;
  vm: string;
  waitFor?: string;
  timeoutS: number;
}

/**
 * `[--library DIR] start VM [--wait-for-serial TEXT] [--timeout S]` and nothing else (a disposable run, another
 * connection, help, a bad number: the CLI's own parsing deals with those).
 */
export function fastStartArgs(args: readonly string[]): FastStartArgs | null {
  const rest = [...args];
  let library: string | undefined;
  if (rest[0] === '--library' && rest.length > 1) library = rest.splice(0, 2)[1];
  else if (rest[0]?.startsWith('--library=')) library = rest.shift()!.slice('--library='.length);
  if (library === '') return null;
  if (rest.shift() !== 'start') return null;
  const vm = rest.shift();
  if (vm === undefined || vm.startsWith('-') || vm.trim() === '') return null;
  const opts = new Map<string, string>();
  while (rest.length > 0) {
    const a = rest.shift()!;
    const eq = a.indexOf('=');
    const [flag, value] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, rest.shift()];
    if ((flag !== '--wait-for-serial' && flag !== '--timeout') || value === undefined || opts.has(flag)) return null;
    opts.set(flag, value);
  }
  const waitFor = opts.get('--wait-for-serial');
  if (waitFor === '') return null;
  const timeoutS = opts.has('--timeout') ? Number(opts.get('--timeout')) : 300;
  if (!Number.isFinite(timeoutS) || timeoutS < 0.1) return null;
  return { ...(library !== undefined ? { library } : {}), vm, ...(waitFor !== undefined ? { waitFor } : {}), timeoutS };
}

/** A real folder of ours that nobody else may enter (what ensurePrivateDir makes). */
function ownPrivateDir(path: string, uid: number): boolean {
  const s = lstatSync(path, { throwIfNoEntry: false });
  return !!s && s.isDirectory() && s.uid === uid && (s.mode & 0o077) === 0;
}

/**
 * Takes the library's engine lock (library-lock.ts's file, O_EXCL) for the few milliseconds of the spawn: no engine
 * can open meanwhile and take this VM's runtime folder for a leftover. null: an engine runs or is starting (or died
 * holding it): its start is the one to use.
 */
function takeLock(libraryDir: string, controlSocket: string): (() => void) | null {
  const path = join(libraryDir, LOCK_FILE_NAME);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch {
    return null;
  }
  writeFileSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), controlSocket }));
  closeSync(fd);
  return () => rmSync(path, { force: true });
}

interface Spawned {
  child: ChildProcess;
  qmpPath: string;
  logPath: string;
  serialPath: string;
  /** serial.log's size before the exec (QEMU appends to it): the marker is looked for after it. */
  serialFrom: number;
}

/** The engine's own launch (qemu-launcher.ts: runtime folder, rotated log, QMP socket handed over as fd 3). */
async function spawnQemu(plan: StartPlan): Promise<Spawned> {
  mkdirSync(plan.logsDir, { recursive: true });
  const serialPath = join(plan.logsDir, 'serial.log');
  closeSync(openSync(serialPath, 'a', 0o600));
  const serialFrom = statSync(serialPath).size;
  const { child, qmpPath, logPath } = await launchQemu({ binary: plan.binary, argv: plan.argv, runtimeDir: plan.runtimeDir, logsDir: plan.logsDir });
  // launchQemu lets the engine exit without it; this process waits for QEMU's exit too (a refusal, a crash), until done.
  child.ref();
  return { child, qmpPath, logPath, serialPath, serialFrom };
}

/** Resolves once QEMU's monitor has greeted and accepted qmp_capabilities (its machine is built and running). */
function qmpAnswers(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = '';
    let lines = 0;
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        text = text.slice(nl + 1);
        lines++;
        if (lines === 1) socket.write('{"execute":"qmp_capabilities"}\n');
        else {
          socket.end();
          resolve();
        }
      }
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('QEMU closed its monitor')));
  });
}

function exited(child: ChildProcess): Promise<'exited'> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve('exited') : child.once('exit', () => resolve('exited'))));
}

/** Resolves when `text` has been appended to `path` after byte `from` (inotify, no polling). */
function appearsIn(path: string, from: number, text: string): { found: Promise<void>; stop: () => void } {
  const needle = Buffer.from(text, 'utf8');
  let at = from;
  let carry = Buffer.alloc(0);
  let done = (): void => undefined;
  const found = new Promise<void>((resolve) => (done = resolve));
  const scan = (): void => {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(65536);
      for (let n = readSync(fd, buf, 0, buf.length, at); n > 0; n = readSync(fd, buf, 0, buf.length, at)) {
        at += n;
        const hay = Buffer.concat([carry, buf.subarray(0, n)]);
        if (hay.includes(needle)) return done();
        carry = hay.subarray(Math.max(0, hay.length - needle.length + 1));
      }
    } finally {
      closeSync(fd);
    }
  };
  const watcher = watch(path, () => scan());
  scan();
  return { found, stop: () => watcher.close() };
}

/** The plan to run, or why not; never throws (an unreadable folder is one more reason to let the engine start it). */
function usablePlan(libraryDir: string, base: string, query: string, env: NodeJS.ProcessEnv, uid: number): StartPlan | { refused: string } {
  try {
    const plan = readStartPlan(libraryDir, query, env, uid, planKey(hangarCacheDir(env), uid));
    if ('refused' in plan) return plan;
    // Sealed by our engine already; the binary's name is checked all the same (defence in depth).
    if (!/^qemu-system-[a-z0-9_]+$/.test(plan.binary.split('/').pop() ?? '')) return { refused: 'the plan names no QEMU binary' };
    // The engine's own folder for this VM, and no session in it (a leftover is the engine's to judge).
    if (vmRuntimeDirPath(base, plan.vmId) !== plan.runtimeDir || plan.logsDir !== join(plan.bundleDir, 'logs') || lstatSync(plan.runtimeDir, { throwIfNoEntry: false })) return { refused: 'the runtime folder is not free' };
    return plan;
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

function say(text: string): void {
  process.stderr.write(`hangar: ${text}\n`);
}

/**
 * Runs `hangar start` from the VM's start plan: an exit code, or null when the engine must do the start (no plan,
 * a stale one, an engine already running, anything unexpected before QEMU was spawned).
 */
export async function tryFastStart(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number | null> {
  const parsed = process.platform === 'linux' && env['HANGAR_FAST_START'] !== '0' ? fastStartArgs(args) : null;
  if (!parsed) return null;
  const explain = env['HANGAR_FAST_START'] === 'explain' ? say : (): void => undefined;
  const uid = process.getuid!();
  let libraryDir: string;
  let base: string;
  let controlSocket: string;
  try {
    libraryDir = realpathSync(resolveLibraryDir({ argvLibrary: parsed.library, env, platform: process.platform, homedir: homedir() }));
    base = runtimeDirPath({ env, uid });
    // Throws for a runtime folder too deep for a socket path: the engine's start says so properly.
    controlSocket = engineSocketPath(base, libraryDir);
  } catch (err) {
    explain(`fast start: ${(err as Error).message}`);
    return null;
  }
  if (!ownPrivateDir(base, uid)) {
    explain('fast start: the runtime folder is not private');
    return null;
  }
  if (!ownPrivateDir(libraryDir, uid)) {
    explain('fast start: the library is not a private folder of yours');
    return null;
  }
  const release = takeLock(libraryDir, controlSocket);
  if (!release) {
    explain('fast start: an engine owns the library');
    return null;
  }
  let spawned: Spawned;
  let plan: StartPlan;
  try {
    const read = usablePlan(libraryDir, base, parsed.vm, env, uid);
    if ('refused' in read) {
      explain(`fast start: ${read.refused}`);
      return null;
    }
    plan = read;
    process.umask(0o077);
    try {
      spawned = await spawnQemu(plan);
    } catch (err) {
      explain(`fast start: ${(err as Error).message}`);
      rmSync(plan.runtimeDir, { recursive: true, force: true });
      return null;
    }
    const record = { vmId: plan.vmId, pid: spawned.child.pid!, startedAt: new Date().toISOString(), bundleDir: plan.bundleDir, fastStart: true };
    writeFileSync(join(plan.runtimeDir, 'session.json'), JSON.stringify(record), { mode: 0o600 });
  } finally {
    release();
  }
  const { child } = spawned;
  const gone = exited(child);
  const up = await Promise.race([qmpAnswers(spawned.qmpPath).then(() => 'up' as const, () => gone), gone]);
  if (up === 'exited') {
    rmSync(plan.runtimeDir, { recursive: true, force: true });
    say(`QEMU refused to start "${plan.name}": ${qemuComplaint(await readLogTail(spawned.logPath))}`);
    return EXIT.qemu;
  }
  if (parsed.waitFor === undefined) {
    child.unref();
    return EXIT.ok;
  }
  const marker = appearsIn(spawned.serialPath, spawned.serialFrom, parsed.waitFor);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), parsed.timeoutS * 1000)));
  try {
    const outcome = await Promise.race([marker.found.then(() => 'found' as const), gone, timeout]);
    if (outcome === 'found') return EXIT.ok;
    if (outcome === 'exited') {
      say(`the VM stopped before "${parsed.waitFor}" appeared on its serial console`);
      return EXIT.qemu;
    }
    say(`"${parsed.waitFor}" did not appear on the serial console within ${parsed.timeoutS} s`);
    return EXIT.timeout;
  } finally {
    clearTimeout(timer);
    marker.stop();
    child.unref();
  }
}
