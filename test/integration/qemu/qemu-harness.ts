import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { rename } from 'node:fs/promises';

/** A minimal inline QMP client for tests: newline-delimited JSON, one command at a time. */
export class TinyQmp {
  private buffer = '';
  private waiters: Array<(msg: Record<string, unknown>) => void> = [];
  private queue: Array<Record<string, unknown>> = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('event' in msg) continue; // events are not what these tests look at
        const w = this.waiters.shift();
        if (w) w(msg);
        else this.queue.push(msg);
      }
    });
  }

  /** Retries while QEMU has created the socket file but is not listening yet (ECONNREFUSED). */
  static async connect(path: string, timeoutMs = 20_000): Promise<TinyQmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await new Promise<TinyQmp>((resolve, reject) => {
          const s = connect(path, () => resolve(new TinyQmp(s)));
          s.once('error', reject);
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  next(timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('QMP: no answer in time')), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    const reply = await this.next();
    if ('error' in reply) throw new Error(`QMP ${command}: ${JSON.stringify(reply['error'])}`);
    return reply['return'];
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface Started {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Spawns QEMU (no shell), optionally handing it an already-listening QMP socket as fd 3. */
export async function startQemu(binary: string, argv: string[], inheritQmpAt?: string): Promise<Started> {
  let stderr = '';
  let child: ChildProcess;
  if (inheritQmpAt) {
    const tmp = `${inheritQmpAt}.tmp`;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tmp, () => resolve());
    });
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    child = spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe', fd] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    // Closing a libuv pipe server unlinks its path: move the socket (now QEMU's) out of the way first.
    await rename(tmp, inheritQmpAt);
    server.close();
  } else {
    child = spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  child.stdout!.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return { child, stderr: () => stderr, exited };
}

/** Waits for QEMU's QMP socket, failing early (with QEMU's words) if QEMU exits instead. */
export async function waitForSocket(path: string, started: Started, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (started.child.exitCode !== null) throw new Error(`QEMU exited with ${started.child.exitCode}: ${started.stderr()}`);
    if (Date.now() > deadline) throw new Error(`QMP socket ${path} did not appear: ${started.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
