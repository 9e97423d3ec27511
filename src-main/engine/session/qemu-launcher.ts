import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The fd number QEMU finds its pre-bound QMP listening socket on (stdio 0–2, then this). */
export const QMP_INHERITED_FD = 3;

export const RUNTIME_FILES = ['qmp.sock', 'qmp.sock.tmp', 'vnc.sock', 'serial.sock', 'qemu.pid'] as const;

export interface LaunchRequest {
  binary: string;
  argv: string[];
  runtimeDir: string;
  logsDir: string;
  /** Called as soon as spawn() returns: libuv has forked and QEMU's exec has succeeded (the start split's end). */
  onExec?: () => void;
}

export interface Launched {
  child: ChildProcess;
  pid: number;
  qmpPath: string;
  logPath: string;
}

/** Keeps one previous QEMU log so a crash report survives the next start. */
async function rotateLog(logPath: string): Promise<void> {
  try {
    const s = await stat(logPath);
    if (s.size > 0) await rename(logPath, `${logPath}.1`);
  } catch {
    // no previous log
  }
}

/**
 * Spawns QEMU detached (it outlives the engine), its stdout/stderr appended to logs/qemu.log.
 * The QMP socket is bound by us *before* QEMU starts and handed over as fd 3, so the engine can
 * connect at once: no polling for a socket file to appear, no race with QEMU's bind.
 */
export async function launchQemu(req: LaunchRequest): Promise<Launched> {
  const qmpPath = join(req.runtimeDir, 'qmp.sock');
  const tmpPath = join(req.runtimeDir, 'qmp.sock.tmp');
  const logPath = join(req.logsDir, 'qemu.log');
  // The runtime folder and the log side by side: each step is a trip through the thread pool (the start split's spawn).
  const [runtime, opened] = await Promise.allSettled([
    mkdir(req.runtimeDir, { recursive: true, mode: 0o700 }).then(() => Promise.all(RUNTIME_FILES.map((f) => rm(join(req.runtimeDir, f), { force: true })))),
    mkdir(req.logsDir, { recursive: true }).then(() => rotateLog(logPath)).then(() => open(logPath, 'a', 0o600)),
  ]);
  if (runtime.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close();
    throw runtime.reason;
  }
  if (opened.status === 'rejected') throw opened.reason;
  const log = opened.value;
  const server: Server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tmpPath, () => resolve());
    });
    // libuv exposes the listening fd; QEMU's socket chardev accepts `fd=N` for a listening socket.
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const child = spawn(req.binary, req.argv, {
      detached: true,
      stdio: ['ignore', log.fd, log.fd, fd],
    });
    if (child.pid !== undefined) req.onExec?.();
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', (err) => reject(new Error(`could not run ${req.binary}: ${err.message}`)));
    });
    child.unref();
    // Rename before closing: closing a libuv pipe server unlinks its path, and we want the
    // socket (now owned by QEMU) to stay reachable under its final name.
    await rename(tmpPath, qmpPath);
    return { child, pid, qmpPath, logPath };
  } finally {
    server.close();
    await log.close();
  }
}

