import { spawn } from 'node:child_process';
import { EngineError } from '../../../src-shared/contract/index.js';

/** Long enough for a slow SSH handshake or a domain start; a hung host is killed, never waited on forever. */
export const VIRSH_TIMEOUT_MS = 30_000;

export interface VirshOptions {
  /** The engine's environment (PATH, SSH_AUTH_SOCK for the user's agent, HANGAR_LIBVIRT_SSH). */
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * The URI virsh gets: for qemu+ssh, `no_tty=1` (libvirt then runs ssh with `-T -o BatchMode=yes`), so a
 * password prompt or an unknown host key fails at once instead of waiting on a terminal nobody sees. The
 * engine's own `HANGAR_LIBVIRT_SSH` (an ssh program, set by whoever starts the engine; clients cannot) becomes
 * `command=`: the tests' throwaway keys and known_hosts.
 */
export function effectiveUri(uri: string, env: NodeJS.ProcessEnv): string {
  const u = new URL(uri);
  if (u.protocol !== 'qemu+ssh:') return uri;
  u.searchParams.set('no_tty', '1');
  const ssh = env['HANGAR_LIBVIRT_SSH'];
  if (ssh) u.searchParams.set('command', ssh);
  return u.toString();
}

/** virsh's and ssh's failures in plain words, each with its fix. */
export function explainVirshFailure(uri: string, stderr: string): EngineError {
  const text = stderr.replace(/^error: /gm, '').trim();
  let host = uri;
  let login = uri;
  let portOpt = '';
  try {
    const u = new URL(uri);
    host = u.host;
    login = `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}`;
    portOpt = u.port ? `-p ${u.port} ` : '';
  } catch {
    // keep the URI as it is
  }
  const hostname = login.replace(/^.*@/, '');
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(text)) {
    return new EngineError('io', `${host}'s SSH host key is not in your known_hosts (or has changed): check it, then add it with \`ssh-keyscan ${portOpt}${hostname} >> ~/.ssh/known_hosts\` (or connect once with ssh ${portOpt}${login})`, { stderr: text });
  }
  if (/Permission denied \(|Too many authentication failures|authentication failed/i.test(text)) {
    return new EngineError('io', `${host} refused your SSH key: add it with \`ssh-copy-id ${portOpt}${login}\`, or load it into your agent (ssh-add)`, { stderr: text });
  }
  if (/Could not resolve hostname|Connection refused|No route to host|Connection timed out|Network is unreachable|Connection closed by|kex_exchange/i.test(text)) {
    return new EngineError('io', `cannot reach ${host}: ${lastLine(text)}`, { stderr: text });
  }
  if (/virt-ssh-helper|nc: .*not found|libvirt-sock|Failed to connect socket|command not found|No such file or directory/i.test(text) && /failed to connect to the hypervisor|ssh|socket/i.test(text)) {
    return new EngineError('io', `${host} does not run libvirt (install libvirt-daemon-system there and start libvirtd): ${lastLine(text)}`, { stderr: text });
  }
  if (/Domain not found|no domain with matching/i.test(text)) return new EngineError('not-found', lastLine(text), { stderr: text });
  if (/Requested operation is not valid|domain is not running|domain is already running|is already active/i.test(text)) return new EngineError('invalid-state', lastLine(text), { stderr: text });
  if (/unsupported configuration|Operation not supported|not supported/i.test(text)) return new EngineError('unsupported', `libvirt cannot do that here: ${lastLine(text)}`, { stderr: text });
  return new EngineError('qemu-failed', `libvirt (${host || uri}): ${lastLine(text) || 'virsh failed'}`, { stderr: text });
}

const lastLine = (s: string): string => s.split('\n').map((l) => l.trim()).filter(Boolean).slice(-2).join('; ');

/**
 * Runs one virsh command on a connection: argv only (virsh is never handed a command string to split),
 * `-q` for output without banners, stdin closed, a time limit. Resolves with stdout; rejects with an
 * EngineError in plain words.
 */
export function virsh(uri: string, args: readonly string[], opts: VirshOptions): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? VIRSH_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn('virsh', ['-q', '-c', effectiveUri(uri, opts.env), ...args], { env: { ...opts.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new EngineError('io', 'virsh is not installed: install libvirt-clients (Debian/Ubuntu: sudo apt-get install libvirt-clients)') : new EngineError('io', `cannot run virsh: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) reject(new EngineError('timeout', `libvirt at ${safeHost(uri)} did not answer within ${Math.round(timeoutMs / 1000)} s (${args[0] ?? 'virsh'}): is the host reachable?`));
      else if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(explainVirshFailure(uri, stderr));
    });
  });
}

function safeHost(uri: string): string {
  try {
    return new URL(uri).host || uri;
  } catch {
    return uri;
  }
}
