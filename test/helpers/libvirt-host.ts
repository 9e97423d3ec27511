// Test set-up for libvirt (never run on a user's machine): the container has no init system, so the tests
// configure libvirt's QEMU driver to run as root without cgroups, namespaces or a security driver, start
// virtlogd and libvirtd themselves, and give qemu:///system a "default" storage pool. Also a throwaway
// sshd on loopback for qemu+ssh:// tests. Test files using it run side by side: the set-up holds a host-wide lock,
// and each file names its domains, volumes and sshd port itself.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const QEMU_CONF = '/etc/libvirt/qemu.conf';
const MARK = '# hangar test set-up (test machines only)';
const SETTINGS = ['user = "root"', 'group = "root"', 'dynamic_ownership = 0', 'security_driver = "none"', 'namespaces = [ ]', 'cgroup_controllers = [ ]'];

export const SYSTEM_URI = 'qemu:///system';

function virshOk(args: string[]): boolean {
  try {
    execFileSync('virsh', ['-q', '-c', SYSTEM_URI, ...args], { stdio: 'pipe', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

function running(name: string): boolean {
  try {
    execFileSync('pgrep', ['-x', name], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

// The set-up's lock: every test process on this machine (other files, other checkouts) configures and starts the
// one libvirtd, virtlogd and "default" pool; two doing it at once start a second daemon or define the pool twice.
// In libvirt's own root-owned folder, not world-writable /run/lock: there another user could plant a symlink that the
// root test set-up's flock (O_CREAT) would follow.
const HOST_LOCK = '/var/lib/libvirt/hangar-test-libvirt.lock';

/**
 * Runs `fn` holding an exclusive flock(1) on HOST_LOCK. The lock is held by a child `flock` whose shell waits on
 * its stdin: closing that releases it, and so does this process dying (the pipe closes), so no stale lock is left.
 */
async function withHostLock<T>(fn: () => T): Promise<T> {
  mkdirSync(dirname(HOST_LOCK), { recursive: true, mode: 0o755 });
  const holder = spawn('flock', ['-w', '300', HOST_LOCK, 'sh', '-c', 'echo held; read _'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  holder.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = once(holder, 'exit');
  const held = await Promise.race([once(holder.stdout, 'data').then(() => true), exited.then(() => false)]);
  if (!held) throw new Error(`could not take ${HOST_LOCK} within 300 s (flock exited ${holder.exitCode}): ${err.trim()}`);
  try {
    return fn();
  } finally {
    holder.stdin.end();
    await exited;
  }
}

/** Fails (never skips) when libvirt is not installed: scripts/setup.sh installs it. */
export function ensureLibvirt(): Promise<void> {
  return withHostLock(setUpLibvirt);
}

function setUpLibvirt(): void {
  for (const bin of ['virsh', 'libvirtd', 'virtlogd']) {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { stdio: 'pipe' });
    } catch {
      throw new Error(`${bin} is missing: run \`npm run setup\` (libvirt-daemon-system, libvirt-clients)`);
    }
  }
  const conf = existsSync(QEMU_CONF) ? readFileSync(QEMU_CONF, 'utf8') : '';
  const missing = SETTINGS.filter((s) => !conf.split('\n').some((l) => l.trim() === s));
  if (missing.length > 0) writeFileSync(QEMU_CONF, `${conf.trimEnd()}\n${MARK}\n${missing.join('\n')}\n`);
  // Both fork into the background once they are ready (-d), so the socket exists when the call returns.
  if (!running('virtlogd')) execFileSync('virtlogd', ['-d'], { stdio: 'pipe' });
  if (!running('libvirtd')) execFileSync('libvirtd', ['-d'], { stdio: 'pipe' });
  else if (missing.length > 0) throw new Error(`libvirtd was already running without ${missing.join(', ')}: stop it (kill its pid) so the test set-up can start it with them`);
  if (!virshOk(['pool-info', '--pool', 'default'])) {
    mkdirSync('/var/lib/libvirt/images', { recursive: true });
    execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'pool-define-as', '--name', 'default', '--type', 'dir', '--target', '/var/lib/libvirt/images'], { stdio: 'pipe' });
  }
  if (!virshOk(['pool-info', '--pool', 'default']) || /State:\s+inactive/.test(execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'pool-info', '--pool', 'default'], { encoding: 'utf8' }))) {
    execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'pool-start', '--pool', 'default'], { stdio: 'pipe' });
  }
}

/** Removes a test domain whatever state it is in (and its storage), ignoring "not found". */
export function removeDomain(name: string): void {
  virshOk(['destroy', '--domain', name]);
  virshOk(['undefine', '--domain', name, '--nvram', '--snapshots-metadata', '--remove-all-storage']);
}

export { waitForFileText } from './file-text.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LoopbackSshd {
  port: number;
  dir: string;
  /** An ssh program (HANGAR_LIBVIRT_SSH) that logs in with the authorized throwaway key and knows the host key. */
  goodSsh: string;
  /** Same host, a key the server does not accept. */
  wrongKeySsh: string;
  /** The right key, but an empty known_hosts: the host key is unknown. */
  unknownHostSsh: string;
  /** Logs in, but the host has no libvirt (neither virt-ssh-helper nor nc). */
  noLibvirtSsh: string;
  uri: string;
  stop(): void;
  /** Cuts every open SSH session (a dropped network link), leaving sshd listening. */
  dropSessions(): void;
  /** Cuts the sessions on the server side only: the clients (Hangar's ssh) must notice and end themselves. */
  dropServerSide(): void;
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function procEntries(): Array<{ pid: number; ppid: number; cmdline: string }> {
  const out: Array<{ pid: number; ppid: number; cmdline: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(name), ppid, cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8') });
    } catch {
      // gone
    }
  }
  return out;
}

function descendantsOf(root: number): number[] {
  const all = procEntries();
  const found: number[] = [];
  const walk = (p: number): void => {
    for (const e of all) {
      if (e.ppid !== p) continue;
      found.push(e.pid);
      walk(e.pid);
    }
  };
  walk(root);
  return found;
}

/** Processes whose command line contains `fragment` (tests check nothing was left running). */
export function pidsWithArg(fragment: string): number[] {
  return procEntries().filter((e) => e.cmdline.includes(fragment)).map((e) => e.pid);
}

function sshWrapper(dir: string, name: string, key: string, knownHosts: string, multiplex: boolean): string {
  const path = join(dir, name);
  // The test's own ssh options (the user's ~/.ssh is not touched): this key only, this known_hosts only, no agent;
  // the good one shares one SSH connection between virsh runs, as `ControlMaster auto` in ~/.ssh/config does (docs/libvirt.md).
  // In a config file, as a user has it in ~/.ssh/config: options on ssh's command line (Hangar's ControlMaster) win over it.
  const config = join(dir, `${name}.config`);
  writeFileSync(config, multiplex ? `ControlMaster auto\nControlPath ${join(dir, 'cm-%C')}\nControlPersist 300\n` : '');
  writeFileSync(path, `#!/bin/sh\nexec ssh -F ${config} -o IdentitiesOnly=yes -o IdentityAgent=none -o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null -i ${key} "$@"\n`);
  chmodSync(path, 0o700);
  return path;
}

/** Starts the sshd of `dir` on `port`; resolves once it listens, rejects with its stderr if it exits first. */
async function spawnSshd(dir: string, port: number): Promise<{ port: number; child: ChildProcess }> {
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(dir, 'host_key.pub'), 'utf8')}`);
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
      `PidFile ${join(dir, 'sshd.pid')}`, 'LogLevel VERBOSE', 'UseDNS no', 'PrintMotd no', 'PrintLastLog no',
      // Debian's bash sources ~/.bashrc for every command sshd runs (SSH_SOURCE_BASHRC) unless SHLVL says it is nested.
      // A test machine's root .bashrc (here: `pyenv init`, which waits on a lock a killed login can leave behind) is
      // not the host under test: without it a login takes 0.3 s, not 1.2 s, and cannot hang on that lock.
      'SetEnv SHLVL=1',
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`sshd did not start: ${err}`))), 30_000);
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('Server listening on 127.0.0.1')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited (${code}): ${err}`));
    });
  });
  return { port, child };
}

/** An sshd on 127.0.0.1 with a throwaway host key, accepting one throwaway key for root; stopped by stop(). */
export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-sshd-'));
  chmodSync(dir, 0o700);
  const keygen = (file: string): void => void execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, file)], { stdio: 'pipe' });
  keygen('host_key');
  keygen('id');
  keygen('wrong_id');
  keygen('nolibvirt_id');
  // The second key logs in to a "host without libvirt": its forced command fails the way a host lacking virt-ssh-helper and nc does.
  writeFileSync(
    join(dir, 'authorized_keys'),
    `${readFileSync(join(dir, 'id.pub'), 'utf8')}command="echo 'sh: 1: virt-ssh-helper: not found' >&2; echo 'sh: 1: nc: not found' >&2; exit 127" ${readFileSync(join(dir, 'nolibvirt_id.pub'), 'utf8')}`,
  );
  writeFileSync(join(dir, 'empty_known_hosts'), '');
  mkdirSync('/run/sshd', { recursive: true });
  // The port is free when chosen, but another test process may take it before sshd binds it: then another one.
  let started: { port: number; child: ChildProcess } | undefined;
  for (let attempt = 1; !started; attempt++) {
    try {
      started = await spawnSshd(dir, await freePort());
    } catch (err) {
      if (attempt === 5 || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }
  const { port, child } = started;
  return {
    port,
    dir,
    goodSsh: sshWrapper(dir, 'ssh-good', join(dir, 'id'), join(dir, 'known_hosts'), true),
    wrongKeySsh: sshWrapper(dir, 'ssh-wrong-key', join(dir, 'wrong_id'), join(dir, 'known_hosts'), false),
    unknownHostSsh: sshWrapper(dir, 'ssh-unknown-host', join(dir, 'id'), join(dir, 'empty_known_hosts'), false),
    noLibvirtSsh: sshWrapper(dir, 'ssh-no-libvirt', join(dir, 'nolibvirt_id'), join(dir, 'known_hosts'), false),
    uri: `qemu+ssh://root@127.0.0.1:${port}/system`,
    stop() {
      // The per-connection sshd processes (and a ControlMaster ssh) are this sshd's children or the wrapper's: end them by pid.
      for (const pid of descendantsOf(child.pid!)) killPid(pid);
      killPid(child.pid!);
      for (const pid of pidsWithArg(join(dir, 'cm-'))) killPid(pid);
      rmSync(dir, { recursive: true, force: true });
    },
    dropSessions() {
      for (const pid of descendantsOf(child.pid!)) killPid(pid);
      for (const pid of pidsWithArg(join(dir, 'cm-'))) killPid(pid);
    },
    dropServerSide() {
      for (const pid of descendantsOf(child.pid!)) killPid(pid);
    },
  };
}
