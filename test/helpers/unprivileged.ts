// Permission refusals ("not writable", "cannot be read") only exist for a user who is not root, and CI runs as
// root. So those cases run an engine process as an unprivileged user: this process's own user when it is not
// root, else `nobody` through util-linux's setpriv. When that is impossible the test fails; it never skips.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineClient } from '../../src-shared/contract/index.js';
import { builtEntry, connectClient, makeTestEnv, qemuPidsUnder, type TestEnv } from './engine-harness.js';

export interface UnprivilegedUser {
  name: string;
  uid: number;
  gid: number;
}

/** The user the refusals run as: ourselves unless root, else `nobody` (found with getent). */
export function unprivilegedUser(): UnprivilegedUser {
  const uid = process.getuid!();
  if (uid !== 0) return { name: `uid ${uid}`, uid, gid: process.getgid!() };
  let entry: string;
  try {
    entry = execFileSync('getent', ['passwd', 'nobody'], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(`running as root and there is no user "nobody" to test permission refusals as: ${(err as Error).message}`);
  }
  const [, , u, g] = entry.split(':');
  const user = { name: 'nobody', uid: Number(u), gid: Number(g) };
  if (!(user.uid > 0) || !(user.gid > 0)) throw new Error(`"nobody" is not an unprivileged user: ${entry}`);
  return user;
}

/** chown -R, not following symlinks. */
export function chownTree(path: string, user: UnprivilegedUser): void {
  lchownSync(path, user.uid, user.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), user);
}

export interface UnprivilegedEngine {
  t: TestEnv;
  user: UnprivilegedUser;
  client: EngineClient;
  /** Gives the user a file or folder made by this (root) process under `t.root`. */
  own(path: string): void;
  close(): Promise<void>;
}

/**
 * A built engine (out/main/engine.js) on a fresh library of its own, running as the unprivileged user; its
 * library, runtime folder and HOME belong to that user. The caller makes the files to refuse under `t.root`.
 */
export async function startUnprivilegedEngine(): Promise<UnprivilegedEngine> {
  const user = unprivilegedUser();
  const t = makeTestEnv();
  const env = { ...t.env, HOME: t.root, TMPDIR: t.root };
  const asRoot = process.getuid!() === 0;
  if (asRoot) {
    chownTree(t.root, user);
    chownTree(t.runtimeBase, user);
  }
  const cmd = asRoot ? 'setpriv' : process.execPath;
  const args = [builtEntry('engine'), '--library', t.libraryDir];
  const argv = asRoot ? ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', process.execPath, ...args] : args;
  const child: ChildProcess = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const socket = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /control socket (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e) => reject(new Error(`cannot run the engine as ${user.name} (${cmd}): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`the engine run as ${user.name} exited early (${code}): ${out}${err}`)));
  });
  // The engine really is that user: a refusal from a root engine would prove nothing.
  const status = execFileSync('ps', ['-o', 'uid=', '-p', String(child.pid)], { encoding: 'utf8' }).trim();
  if (Number(status) !== user.uid) throw new Error(`the engine runs as uid ${status}, not ${user.uid}`);
  const client = await connectClient(socket);
  return {
    t,
    user,
    client,
    own: (path) => (asRoot ? chownTree(path, user) : undefined),
    async close() {
      client.close();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      const orphans = qemuPidsUnder(t.runtimeBase);
      t.cleanup();
      if (orphans.length > 0) throw new Error(`QEMU outlived the unprivileged engine: ${orphans.join(', ')}`);
    },
  };
}
