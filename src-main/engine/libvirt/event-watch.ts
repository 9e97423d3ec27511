import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { effectiveUri } from './virsh.js';

/** One lifecycle event line of `virsh event --all --loop --timestamp`. */
export interface LifecycleEvent {
  domain: string;
  /** libvirt's event and detail words: `Started Booted`, `Suspended Paused`, `Stopped Destroyed`, `Undefined Removed`… */
  event: string;
  detail: string;
}

const LINE = /^(?:\S+ \S+: )?event '([^']+)' for domain '(.*)': (\S+)(?: (.*))?$/;

/** Parses one line; other event kinds (reboot, device-removed…) and noise give null. */
export function parseEventLine(line: string): LifecycleEvent | null {
  const m = LINE.exec(line.trim());
  if (!m || m[1] !== 'lifecycle') return null;
  return { domain: m[2]!, event: m[3]!, detail: m[4] ?? '' };
}

/**
 * The connection's one long-running `virsh event` child: every lifecycle change of every domain arrives as a
 * line, so the engine never polls libvirt. When the child ends (libvirtd restarted, the SSH link dropped),
 * `onEnd` says why; the next call on the connection starts a new one.
 */
export class EventWatch {
  private child: ChildProcess | null = null;

  constructor(
    private readonly uri: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly onEvent: (e: LifecycleEvent) => void,
    private readonly onEnd: (reason: string) => void,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.child) return;
    const child = spawn('virsh', ['-q', '-c', effectiveUri(this.uri, this.env), 'event', '--all', '--loop', '--timestamp'], {
      env: { ...this.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-2000)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const e = parseEventLine(line);
      if (e) this.onEvent(e);
    });
    child.on('error', () => undefined); // 'close' follows and reports it
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.onEnd(stderr.replace(/^error: /gm, '').trim() || `virsh event ended (${signal ?? `exit ${code}`})`);
    });
  }

  stop(): void {
    const child = this.child;
    this.child = null;
    child?.kill('SIGTERM');
  }
}
