import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { explainVirshFailure } from './virsh.js';

/** How ssh reaches a qemu+ssh:// host: login and port as the URI gives them (the contract's URI schema refused options). */
export interface SshTarget {
  host: string;
  port?: string;
  user?: string;
  /** `host:port` for messages. */
  label: string;
}

export function sshTargetOf(uri: string): SshTarget {
  const u = new URL(uri);
  if (u.protocol !== 'qemu+ssh:') throw new Error(`not a qemu+ssh:// URI: ${uri}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, ...(u.port ? { port: u.port } : {}), ...(u.username ? { user: decodeURIComponent(u.username) } : {}), label: u.host };
}

/** Local and remote ends of a forward: ssh's `-L` splits on `:`, so neither may carry one (nor a control character). */
export function checkForwardPath(path: string, what: string): string {
  if (!path.startsWith('/') || /[:\0-\x1f\x7f]/.test(path)) throw new EngineError('unsupported', `${what} "${path}" is not a socket path Hangar forwards (absolute, without ":" or control characters)`);
  return path;
}

const MASTER_READY_MS = 30_000;

/**
 * One OpenSSH ControlMaster per qemu+ssh:// connection, a child of the engine (ended by pid in close()): the
 * display tunnels (`-O forward -L <0700 dir>/x.sock:<remote socket>`) and the serial followers ride on it, so a
 * display costs no new login. BatchMode: a prompt fails at once. Nothing listens on TCP on either side.
 */
export class SshMaster {
  private child: ChildProcess | null = null;
  private starting: Promise<void> | null = null;
  private readonly forwards = new Map<string, string>();
  private readonly exitListeners = new Set<(reason: string) => void>();
  private generation = 0;
  readonly target: SshTarget;

  constructor(
    private readonly uri: string,
    private readonly env: NodeJS.ProcessEnv,
    /** A private (0700) folder of the engine's runtime folder: the control socket and the forwarded sockets. */
    readonly dir: string,
  ) {
    this.target = sshTargetOf(uri);
  }

  get ctlPath(): string {
    return join(this.dir, 'ctl');
  }

  /** The master's pid while it runs (tests check nothing is left behind). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  private program(): string {
    // The engine's own ssh program (tests: throwaway key and known_hosts), as virsh gets it; never from a client.
    return this.env['HANGAR_LIBVIRT_SSH'] || 'ssh';
  }

  private base(): string[] {
    const t = this.target;
    return ['-S', this.ctlPath, '-o', 'BatchMode=yes', ...(t.port ? ['-p', t.port] : []), ...(t.user ? ['-l', t.user] : [])];
  }

  onExit(listener: (reason: string) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Starts the master unless it runs; resolves once its control socket exists (after authentication). */
  ensure(): Promise<void> {
    if (this.alive && !this.starting) return Promise.resolve();
    this.starting ??= this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  private async start(): Promise<void> {
    await rm(this.ctlPath, { force: true });
    const gen = ++this.generation;
    const args = [
      ...this.base(), '-M', '-N', '-T',
      '-o', 'ControlPersist=no', '-o', 'ExitOnForwardFailure=yes', '-o', 'StreamLocalBindUnlink=yes',
      '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=3', '-o', 'ConnectTimeout=20',
      '--', this.target.host,
    ];
    const child = spawn(this.program(), args, { env: { ...this.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => void (stderr = (stderr + b.toString('utf8')).slice(-4000)));
    child.once('exit', (code, signal) => {
      if (gen !== this.generation) return;
      this.forwards.clear();
      this.child = null;
      const why = stderr.trim().split('\n').pop() || (signal ? `ssh ended by ${signal}` : `ssh exited with ${code}`);
      for (const l of [...this.exitListeners]) l(`the SSH connection to ${this.target.label} was lost (${why})`);
    });
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        watcher.close();
        if (err) reject(err);
        else resolve();
      };
      // The control socket appears once ssh has logged in: watched, not polled.
      const watcher = watch(this.dir, (_e, file) => {
        if (file === 'ctl') done();
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(new EngineError('timeout', `the SSH connection to ${this.target.label} did not open within ${MASTER_READY_MS / 1000} s: is the host reachable?`));
      }, MASTER_READY_MS);
      child.once('error', (e: NodeJS.ErrnoException) => done(new EngineError('io', e.code === 'ENOENT' ? 'ssh is not installed: install openssh-client' : `cannot run ssh: ${e.message}`)));
      child.once('exit', () => done(explainVirshFailure(this.uri, stderr || 'ssh: Connection closed by remote host')));
    });
  }

  /** True when the master answers on its control socket now (a killed master leaves a dead socket file). */
  async check(): Promise<boolean> {
    if (!this.alive) return false;
    return this.mux(['-O', 'check']).then(
      () => true,
      () => false,
    );
  }

  private mux(extra: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const c = spawn(this.program(), [...this.base(), ...extra, '--', this.target.host], { env: { ...this.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr!.on('data', (b: Buffer) => void (err += b.toString('utf8')));
      c.once('error', reject);
      c.once('exit', (code) => (code === 0 ? resolve() : reject(new EngineError('io', `ssh ${extra.join(' ')} to ${this.target.label} failed: ${err.trim() || `exit ${code}`}`))));
    });
  }

  /**
   * A local unix socket (in the private folder, 0600 as ssh binds it) that reaches `remote` on the host: a unix
   * socket path or `127.0.0.1:PORT`. One per remote end, reused while the master lives.
   */
  async forward(name: string, remote: string): Promise<string> {
    await this.ensure();
    const local = checkForwardPath(join(this.dir, name), 'the local socket');
    if (this.forwards.get(local) === remote) return local;
    const old = this.forwards.get(local);
    if (old !== undefined) {
      await this.mux(['-O', 'cancel', '-L', `${local}:${old}`]).catch(() => undefined);
      this.forwards.delete(local);
    }
    await rm(local, { force: true });
    await this.mux(['-O', 'forward', '-L', `${local}:${remote}`]);
    this.forwards.set(local, remote);
    return local;
  }

  /** Runs a command on the host over the master. ssh hands it to the remote user's shell: callers quote every word (shQuote). */
  exec(words: readonly string[]): ChildProcess {
    return spawn(this.program(), [...this.base(), '-T', '--', this.target.host, ...words], { env: { ...this.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs a command on the host and resolves with its stdout. */
  run(words: readonly string[], timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = this.exec(words);
      const out: Buffer[] = [];
      let err = '';
      const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
      c.stdout!.on('data', (b: Buffer) => out.push(b));
      c.stderr!.on('data', (b: Buffer) => void (err += b.toString('utf8')));
      c.once('error', (e) => (clearTimeout(timer), reject(e)));
      c.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
        else reject(new EngineError('io', `${words[0]} on ${this.target.label} failed: ${err.trim().split('\n').pop() || `exit ${code}`}`));
      });
    });
  }

  /** Ends the master (and with it every forward and follower riding on it). */
  close(): void {
    this.generation++;
    this.forwards.clear();
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    for (const l of [...this.exitListeners]) l(`the connection to ${this.target.label} was closed`);
    this.exitListeners.clear();
  }
}

/** One word for a POSIX shell: single-quoted, `'` spelled `'\''` (ssh always hands remote commands to a shell). */
export function shQuote(word: string): string {
  if (/[\0\n\r]/.test(word)) throw new EngineError('invalid-args', 'a remote command word may not contain line breaks or NUL');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
