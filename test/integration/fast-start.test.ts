// Issue 20's cold start: `hangar start` with no engine running spawns QEMU from the VM's start plan (written by the
// engine as the VM's last QEMU ended), without a second Node process and the engine before the exec. Real QEMU,
// the built CLI. The regression check: a second cold start of an unchanged machine must take the plan (a start
// that stamps something it changes itself would fall back every time, and this file would fail).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { spawnHangar } from '../helpers/cli-runner.js';
import { qemuPidsUnder, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { waitForNoBackgroundEngine } from '../helpers/background-engines.js';
import { runtimeDirPath, vmRuntimeDirPath } from '../../src-main/engine/storage/library-paths.js';
import { LOCK_FILE_NAME } from '../../src-main/engine/storage/library-lock.js';
import { START_PLANS_DIR } from '../../src-main/engine/session/start-plan-file.js';

describe('hangar start from a start plan, no engine running (real QEMU)', () => {
  let t: TestEnv;
  useTestEnv((env) => {
    t = env;
    // Each command's background engine leaves once it is done, so every start below is a cold one.
    t.env['HANGAR_ENGINE_IDLE_TIMEOUT'] = '0';
    t.env['HANGAR_FAST_START'] = 'explain';
  });

  const runtimeOf = (id: string): string => vmRuntimeDirPath(runtimeDirPath({ env: t.env, uid: process.getuid!() }), id);
  const sessionOf = (id: string): { pid: number; fastStart?: boolean } => JSON.parse(readFileSync(join(runtimeOf(id), 'session.json'), 'utf8'));
  const cmdlineOf = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  /** The engine writes the plan after QEMU ended, before it gives up the library: wait for it to be gone. */
  const stop = async (id: string): Promise<void> => {
    expect(await spawnHangar(t, 'stop', id, '--force')).toMatchObject({ code: 0 });
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
  };
  const start = (id: string, ...more: string[]): ReturnType<typeof spawnHangar> => spawnHangar(t, 'start', id, '--wait-for-serial', markers.bootOk, '--timeout', '120', ...more);

  let id = '';

  it('takes the plan on the second cold start: QEMU runs the engine argv without -S, and the next engine adopts it', async () => {
    const created = await spawnHangar(t, 'create', 'plan guest', '--disk', fixturePaths.bootImg, '--convert', '--memory', '64', '--cpus', '1');
    expect(created, created.stderr).toMatchObject({ code: 0 });
    id = created.stdout.trim();
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);

    const first = await start(id);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stderr).toContain('fast start: no plan');
    expect(sessionOf(id).fastStart).toBeUndefined();
    await stop(id);

    const plans = join(t.libraryDir, START_PLANS_DIR);
    expect(statSync(plans).mode & 0o777).toBe(0o700);
    // By id and by name.
    expect(readdirSync(plans).filter((f) => f.endsWith('.json')).map((f) => statSync(join(plans, f)).mode & 0o777)).toEqual([0o600, 0o600]);

    const second = await start('plan guest');
    expect(second, second.stderr).toMatchObject({ code: 0, stderr: '' });
    const session = sessionOf(id);
    expect(session.fastStart).toBe(true);
    // No engine was started for it, and the lock the spawn held is gone.
    expect(existsSync(join(t.libraryDir, LOCK_FILE_NAME))).toBe(false);
    const argv = await spawnHangar(t, 'argv', id);
    expect(argv.code).toBe(0);
    const engineArgv = argv.stdout.trim().split('\n');
    expect(engineArgv).toContain('-S');
    expect(cmdlineOf(session.pid)).toEqual(engineArgv.filter((a) => a !== '-S'));

    // The engine that `list` starts reattaches the running machine.
    const listed = await spawnHangar(t, 'list', '--json');
    expect(JSON.parse(listed.stdout).find((v: { id: string }) => v.id === id)).toMatchObject({ state: { kind: 'running' } });
    await stop(id);
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
  });

  it('starts a changed machine through the engine, with its new settings, then plans again', async () => {
    expect(await spawnHangar(t, 'set', id, 'memory=96')).toMatchObject({ code: 0 });
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
    const changed = await start(id);
    expect(changed, changed.stderr).toMatchObject({ code: 0 });
    expect(changed.stderr).toMatch(/fast start: \S+ changed/);
    expect(sessionOf(id).fastStart).toBeUndefined();
    expect(cmdlineOf(sessionOf(id).pid)).toContain('size=96M');
    await stop(id);

    const again = await start(id);
    expect(again, again.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(sessionOf(id).fastStart).toBe(true);
    expect(cmdlineOf(sessionOf(id).pid)).toContain('size=96M');
    await stop(id);
  });

  it('reports QEMU refusing to start with its own complaint, and leaves no session or process', async () => {
    const disks = join(JSON.parse((await spawnHangar(t, 'info', id, '--json')).stdout).bundleDir, 'disks');
    const disk = join(disks, readdirSync(disks).find((f) => f.endsWith('.qcow2'))!);
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
    // Another program holds the disk's write lock (qemu-io keeps the image open until its stdin closes).
    const holder = spawn('qemu-io', ['-f', 'qcow2', disk], { stdio: ['pipe', 'pipe', 'pipe'] });
    let said = '';
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => ((said += d.toString()), said.includes('qemu-io>') && resolve()));
      holder.stderr.on('data', (d: Buffer) => (said += d.toString()));
      holder.once('exit', (code) => reject(new Error(`qemu-io exited (${code}): ${said}`)));
    });
    try {
      const refused = await start(id);
      expect(refused.stderr).not.toContain('fast start:');
      expect(refused.code).toBe(6);
      expect(refused.stderr).toMatch(/^hangar: QEMU refused to start "plan guest": .*lock/m);
      expect(existsSync(runtimeOf(id))).toBe(false);
      expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
    } finally {
      holder.stdin.end();
      await new Promise((resolve) => (holder.exitCode !== null ? resolve(null) : holder.once('exit', resolve)));
    }
    // Nothing was lost: the plan still holds.
    const after = await start(id);
    expect(after, after.stderr).toMatchObject({ code: 0, stderr: '' });
    await stop(id);
  });
});
