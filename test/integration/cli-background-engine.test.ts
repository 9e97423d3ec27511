// The CLI's engine lifetime: a command never depends on another command staying alive, because the engine
// a CLI starts runs in the background (detached) until it has been idle for HANGAR_ENGINE_IDLE_TIMEOUT.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, readlinkSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { spawnHangar as hangar, type CliRun } from '../helpers/cli-runner.js';
import { builtEntry, qemuPidsUnder, repoRoot, startEngineProcess, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { backgroundEnginePids, stopBackgroundEngines, waitForNoBackgroundEngine } from '../helpers/background-engines.js';
import { LOCK_FILE_NAME } from '../../src-main/engine/storage/library-lock.js';

/** Starts `hangar …` and resolves `ready` once its stdout contains `text`; `done` with its result. */
function startHangar(t: TestEnv, text: string, ...args: string[]): { ready: Promise<void>; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'hangar.js'), '--library', t.libraryDir, ...args], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let seen!: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    seen = resolve;
    child.once('exit', (code) => reject(new Error(`hangar ${args.join(' ')} exited (${code}) before printing ${text}: ${stderr}`)));
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes(text)) seen();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { ready, done };
}

function lockOf(t: TestEnv): { pid: number; controlSocket: string; background?: boolean } {
  return JSON.parse(readFileSync(join(t.libraryDir, LOCK_FILE_NAME), 'utf8'));
}

/** Session and process-group ids of a process (fields 6 and 5 of /proc/<pid>/stat). */
function sessionOf(pid: number): { pgrp: number; sid: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(f[2]), sid: Number(f[3]) };
}

/** Inodes of TCP sockets in LISTEN state (v4 and v6). */
function tcpListenInodes(): Set<string> {
  const out = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A') out.add(f[9]!);
    }
  }
  return out;
}

function socketInodesOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return m ? [m[1]!] : [];
    } catch {
      return [];
    }
  });
}

describe('hangar CLI: the engine outlives the command that started it', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env), { orphanMessage: 'no QEMU process may outlive the suite' });

  it('stop (foreground) succeeds while console (background) follows the guest until it powers off', async () => {
    const id = (await hangar(t, 'create', 'bg-linux', '--iso', fixturePaths.linuxIso, '--memory', '256', '--cpus', '1')).stdout.trim();
    expect(await hangar(t, 'start', id, '--wait-for-serial', markers.linuxReady, '--timeout', '120')).toMatchObject({ code: 0, stderr: '' });
    // The console prints the serial log so far (with the ready marker), then follows.
    const consoleRun = startHangar(t, markers.linuxReady, 'console', id);
    await consoleRun.ready;
    const stop = await hangar(t, 'stop', id, '--timeout', '60');
    expect(stop).toMatchObject({ code: 0, stderr: '' });
    const followed = await consoleRun.done;
    expect(followed.code).toBe(0);
    expect(followed.stderr).toBe('');
    expect(followed.stdout).toContain(markers.linuxPoweroff);
    expect(JSON.parse((await hangar(t, 'info', id, '--json')).stdout).state.kind).toBe('stopped');
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
  });

  it('runs the engine detached with only its 0600 unix socket, a 0600 log, and exits after the idle timeout', async () => {
    // The first test's engine (default timeout) is still serving: this one starts afresh with a short timeout.
    stopBackgroundEngines([t.root]);
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
    // Long enough for the second CLI below to start and connect while the engine still runs (a node start took over
    // 2 s with another QEMU test file running beside this one), short enough not to hold the test up.
    const env = { ...t.env, HANGAR_ENGINE_IDLE_TIMEOUT: '6' };
    const te = { ...t, env };
    expect(await hangar(te, 'list', '--json')).toMatchObject({ code: 0, stderr: '' });
    const listedAt = Date.now();
    const lock = lockOf(t);
    expect(lock.background).toBe(true);
    expect(backgroundEnginePids([t.root])).toEqual([lock.pid]);
    // Its own session and process group: a terminal's hang-up or Ctrl+C in the CLI's group does not reach it.
    expect(sessionOf(lock.pid)).toEqual({ pgrp: lock.pid, sid: lock.pid });
    expect(statSync(lock.controlSocket).mode & 0o777).toBe(0o600);
    const logs = readdirSync(join(t.runtimeBase, 'hangar')).filter((f) => f.endsWith('.log'));
    expect(logs).toHaveLength(1);
    const log = join(t.runtimeBase, 'hangar', logs[0]!);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    const listening = tcpListenInodes();
    expect(socketInodesOf(lock.pid).filter((i) => listening.has(i)), 'no TCP listener').toEqual([]);
    // A second command within the timeout reaches the same engine.
    expect((await hangar(te, 'host', '--json')).code).toBe(0);
    expect(lockOf(t).pid).toBe(lock.pid);

    expect(await waitForNoBackgroundEngine([t.root], 30_000)).toEqual([]);
    expect(Date.now() - listedAt).toBeGreaterThanOrEqual(2000);
    expect(existsSync(join(t.libraryDir, LOCK_FILE_NAME))).toBe(false);
    expect(existsSync(lock.controlSocket)).toBe(false);
    expect(readFileSync(log, 'utf8')).toMatch(/exiting: idle; running machines keep running\n$/);
  });

  it('eight CLIs started at once on a library with no engine all succeed and end with one engine', async () => {
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
    const runs = await Promise.all(Array.from({ length: 8 }, () => hangar(t, 'list', '--json')));
    for (const r of runs) expect(r).toMatchObject({ code: 0, stderr: '' });
    // Engines that lost the lock told their CLI so and exit on their own: wait for them to be gone.
    const end = Date.now() + 15_000;
    while (backgroundEnginePids([t.root]).length > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const engines = backgroundEnginePids([t.root]);
    expect(engines).toHaveLength(1);
    expect(lockOf(t).pid).toBe(engines[0]);
    process.kill(engines[0]!, 'SIGTERM');
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
  });
});

describe('the engine of the app or of hangar serve takes the library over from a background engine', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env), { orphanMessage: 'no QEMU process may outlive the suite' });

  it('engine.js asks the background engine to hand over and serves the library once it has gone', async () => {
    expect(await hangar(t, 'list')).toMatchObject({ code: 0, stderr: '' });
    const background = lockOf(t);
    expect(background.background).toBe(true);
    const { child, socket } = await startEngineProcess(t);
    try {
      // It gave the lock up before it exits: wait for the process to be gone, not only the lock.
      expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
      const owner = lockOf(t);
      expect(owner.pid).toBe(child.pid);
      expect(owner.background).toBeUndefined();
      expect(owner.controlSocket).toBe(socket);
      const log = readdirSync(join(t.runtimeBase, 'hangar')).find((f) => f.endsWith('.log'))!;
      expect(readFileSync(join(t.runtimeBase, 'hangar', log), 'utf8')).toMatch(/asked to hand the library over; exiting once idle\n.*exiting: idle/);
      // A CLI now talks to that engine and starts none of its own.
      expect(await hangar(t, 'list')).toMatchObject({ code: 0, stderr: '' });
      expect(backgroundEnginePids([t.root])).toEqual([]);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('hangar serve takes an idle library over, and shares a busy one (holding it) until it stops', async () => {
    const serveJs = builtEntry('serve');
    const startServe = (): { child: ChildProcess; url: Promise<string> } => {
      const child = spawn(process.execPath, [serveJs, '--library', t.libraryDir], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const url = new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
          if (m) resolve(m[0]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
      });
      return { child, url };
    };
    const stopServe = async (child: ChildProcess): Promise<void> => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    };

    // Idle: serve's own engine (with its browser roots) replaces the background one.
    expect(await hangar(t, 'list')).toMatchObject({ code: 0 });
    const idle = lockOf(t);
    expect(idle.background).toBe(true);
    const first = startServe();
    await first.url;
    expect(lockOf(t).background).toBeUndefined();
    expect(lockOf(t).pid).not.toBe(idle.pid);
    expect(backgroundEnginePids([t.root])).toEqual([]);
    await stopServe(first.child);

    // Busy (a console follows a running VM): serve uses the background engine and keeps it while it runs.
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const id = (await hangar(t, 'create', 'serve-boot', '--disk', disk, '--memory', '64', '--cpus', '1')).stdout.trim();
    expect(await hangar(t, 'start', id, '--wait-for-serial', markers.bootOk, '--timeout', '60')).toMatchObject({ code: 0 });
    const consoleRun = startHangar(t, markers.bootOk, 'console', id);
    await consoleRun.ready;
    const busy = lockOf(t);
    expect(busy.background).toBe(true);
    const second = startServe();
    await second.url;
    expect(lockOf(t).pid).toBe(busy.pid);
    // The console's command ends; serve's held connection keeps the engine (which was asked to leave when idle).
    expect(await hangar(t, 'stop', id, '--force')).toMatchObject({ code: 0, stderr: '' });
    expect((await consoleRun.done).code).toBe(0);
    expect(backgroundEnginePids([t.root])).toEqual([busy.pid]);
    await stopServe(second.child);
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
  }, 120_000);
});
