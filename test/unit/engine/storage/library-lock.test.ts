import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireLibraryLock, defaultIsOwnerAlive, isPidAlive, LibraryLockedError, LOCK_FILE_NAME, readLibraryLock,
} from '../../../../src-main/engine/storage/library-lock.js';
import { makeTempDir, transpileStorageModules } from './helpers.js';

let tmp: ReturnType<typeof makeTempDir>;
let children: ChildProcess[] = [];
beforeEach(() => {
  tmp = makeTempDir('lock');
});
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children = [];
  tmp.cleanup();
});

/** A second engine: another node process holding the lock through the real module until told to stop. */
async function startOtherEngine(libraryDir: string, socket: string): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const modDir = path.join(tmp.dir, 'mod');
  if (!existsSync(modDir)) transpileStorageModules(['library-lock'], modDir);
  const script = path.join(modDir, 'holder.mjs');
  writeFileSync(
    script,
    `import { acquireLibraryLock } from ${JSON.stringify(path.join(modDir, 'library-lock.js'))};
     try {
       const lock = await acquireLibraryLock(process.argv[2], { controlSocket: process.argv[3] });
       process.send({ ok: true, pid: process.pid });
       process.on('message', async (m) => { if (m === 'release') { await lock.release(); process.exit(0); } });
     } catch (err) {
       process.send({ ok: false, name: err.name, message: err.message });
       process.exit(3);
     }`,
  );
  const child = spawn(process.execPath, [script, libraryDir, socket], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const first = (await new Promise((resolve) => child.once('message', resolve))) as { ok: boolean; message?: string };
  if (!first.ok) throw new Error(`other engine failed: ${first.message}`);
  return { child, exited };
}

describe('library lock', () => {
  it('creates the lock file with pid, startedAt and control socket, and release removes it', async () => {
    const lock = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/engine-1.sock', now: () => new Date('2024-05-01T10:00:00Z') });
    const file = path.join(tmp.dir, LOCK_FILE_NAME);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid, startedAt: '2024-05-01T10:00:00.000Z', controlSocket: '/run/h/engine-1.sock' });
    expect(await readLibraryLock(tmp.dir)).toEqual(lock.info);
    await lock.release();
    expect(existsSync(file)).toBe(false);
    await lock.release();
    expect(await readLibraryLock(tmp.dir)).toBeNull();
  });

  it('a second acquire while held fails with LibraryLockedError naming pid and socket', async () => {
    const lock = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/a.sock' });
    const err = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/b.sock' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibraryLockedError);
    expect(err).toMatchObject({ pid: process.pid, controlSocket: '/run/h/a.sock' });
    expect((err as Error).message).toContain(`another Hangar engine (pid ${process.pid}) owns this library`);
    expect((err as Error).message).toContain('connect to it via /run/h/a.sock');
    await lock.release();
  });

  it('a lock held by a real second process refuses us; after it releases, we get it', async () => {
    const other = await startOtherEngine(tmp.dir, '/run/h/other.sock');
    const err = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/me.sock' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibraryLockedError);
    expect(err).toMatchObject({ pid: other.child.pid, controlSocket: '/run/h/other.sock' });
    other.child.send('release');
    expect(await other.exited).toBe(0);
    const lock = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/me.sock' });
    expect(lock.info.pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over the stale lock of a killed engine', async () => {
    const other = await startOtherEngine(tmp.dir, '/run/h/other.sock');
    const deadPid = other.child.pid!;
    other.child.kill('SIGKILL');
    await other.exited;
    expect((await readLibraryLock(tmp.dir))?.pid).toBe(deadPid);
    const lock = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/me.sock' });
    expect(await readLibraryLock(tmp.dir)).toEqual(lock.info);
    await lock.release();
  });

  it('a second process is refused while we hold the lock', async () => {
    const lock = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/me.sock' });
    await expect(startOtherEngine(tmp.dir, '/run/h/other.sock')).rejects.toThrow(
      `another Hangar engine (pid ${process.pid}) owns this library (${tmp.dir}); connect to it via /run/h/me.sock`,
    );
    await lock.release();
  });

  it('release never removes a lock that another engine has taken over', async () => {
    const lock = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/a.sock' });
    // Someone decided we were stale and took over.
    const theirs = { pid: 999_999, startedAt: '2030-01-01T00:00:00.000Z', controlSocket: '/run/h/b.sock' };
    writeFileSync(path.join(tmp.dir, LOCK_FILE_NAME), JSON.stringify(theirs));
    await lock.release();
    expect(await readLibraryLock(tmp.dir)).toEqual(theirs);
  });

  it('treats an empty or garbage lock file as stale after a grace period', async () => {
    writeFileSync(path.join(tmp.dir, LOCK_FILE_NAME), '');
    const started = Date.now();
    const lock = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/a.sock' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await readLibraryLock(tmp.dir)).toEqual(lock.info);
    await lock.release();
  });

  it('uses the injected liveness probe', async () => {
    writeFileSync(path.join(tmp.dir, LOCK_FILE_NAME), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), controlSocket: '/x.sock' }));
    const lock = await acquireLibraryLock(tmp.dir, { controlSocket: '/run/h/a.sock', pid: 4242, isOwnerAlive: () => false });
    expect(lock.info.pid).toBe(4242);
    await lock.release();
    expect(await readLibraryLock(tmp.dir)).toBeNull();
  });

  it('only one of many concurrent acquirers wins', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => acquireLibraryLock(tmp.dir, { controlSocket: `/run/h/${i}.sock`, pid: 1000 + i, isOwnerAlive: () => true })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LibraryLockedError);
  });

  describe('liveness', () => {
    it('a running pid is alive, an exited one is not', async () => {
      expect(isPidAlive(process.pid)).toBe(true);
      const child = spawn(process.execPath, ['-e', '0']);
      await new Promise((r) => child.once('exit', r));
      expect(isPidAlive(child.pid!)).toBe(false);
    });

    it('a reused pid (process younger than the lock, socket gone) is not the owner', () => {
      // This process started before now; a lock claiming to be from 2000 with a missing socket is stale.
      const old = { pid: process.pid, startedAt: '2000-01-01T00:00:00.000Z', controlSocket: path.join(tmp.dir, 'gone.sock') };
      const expected = process.platform === 'linux' ? false : true;
      expect(defaultIsOwnerAlive(old)).toBe(expected);
      // With the socket present the pid is trusted (a clock jump must not let a second engine in).
      writeFileSync(old.controlSocket, '');
      expect(defaultIsOwnerAlive(old)).toBe(true);
      expect(defaultIsOwnerAlive({ ...old, startedAt: new Date().toISOString() })).toBe(true);
    });
  });
});
