// The hand-over to the app's or serve's engine: only a real background engine gets SIGUSR2 (to any other
// process it would be fatal), and the wait for the lock ends when the lock goes, not at a timer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askBackgroundEngineToYield, BACKGROUND_ENGINE_VERB, waitForLockRelease } from '../../../../src-main/engine/storage/engine-handover.js';
import { LOCK_FILE_NAME } from '../../../../src-main/engine/storage/library-lock.js';

describe('engine hand-over', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A process that stays up; with `verb` its command line looks like a background engine's. */
  async function sleeper(verb: boolean): Promise<ChildProcess> {
    const script = 'process.on("SIGUSR2", () => process.exit(42)); setInterval(() => undefined, 1000); process.stdout.write("up\\n")';
    const child = spawn(process.execPath, ['-e', script, ...(verb ? [BACKGROUND_ENGINE_VERB] : [])], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    // Its SIGUSR2 handler is installed once it says so.
    await new Promise((r) => child.stdout!.once('data', r));
    return child;
  }

  it('does not signal a process whose lock is not marked background, or whose command line is not the background verb', async () => {
    const other = await sleeper(false);
    const lock = { pid: other.pid!, startedAt: new Date().toISOString(), controlSocket: '/nonexistent.sock' };
    const kill = vi.spyOn(process, 'kill');
    try {
      expect(askBackgroundEngineToYield(lock)).toBe(false);
      expect(askBackgroundEngineToYield({ ...lock, background: true })).toBe(false);
      expect(kill).not.toHaveBeenCalled();
    } finally {
      kill.mockRestore();
    }
  });

  it('signals a background engine (SIGUSR2)', async () => {
    const engine = await sleeper(true);
    const exited = new Promise<number | null>((r) => engine.once('exit', (code) => r(code)));
    expect(askBackgroundEngineToYield({ pid: engine.pid!, startedAt: new Date().toISOString(), controlSocket: '/nonexistent.sock', background: true })).toBe(true);
    expect(await exited).toBe(42);
  });

  it('waitForLockRelease resolves when the lock file goes, and false while a live owner holds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-handover-'));
    dirs.push(dir);
    const owner = await sleeper(false);
    writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: owner.pid, startedAt: new Date().toISOString(), controlSocket: join(dir, 'x.sock') }));
    expect(await waitForLockRelease(dir, 300)).toBe(false);
    const released = waitForLockRelease(dir, 30_000);
    unlinkSync(join(dir, LOCK_FILE_NAME));
    expect(await released).toBe(true);
  });
});
