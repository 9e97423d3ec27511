// Runs the interleaving corpus (cases/cli-interleave-cases.ts) through the built `hangar`: commands started
// together, some left running, the engine killed between them. Each command ends with its exit code and
// message, and afterwards no QEMU process and no background engine is left running.
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHangar, type CliRun } from '../helpers/cli-runner.js';
import { repoRoot, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { backgroundEnginePids, waitForNoBackgroundEngine } from '../helpers/background-engines.js';
import { cliInterleaveCases } from './cases/cli-interleave-cases.js';
import type { CliInterleaveContext, CliStep } from './support/case-types.js';
import { makeHostileWorld, type HostileWorld } from './support/hostile-world.js';
import { leftoverProcesses, killProcesses, qemuProcesses } from './support/process-watch.js';

/** Starts a command and resolves `ready` when its stdout matches; `done` when it exits. */
function startInBackground(t: TestEnv, args: string[], ready: RegExp): { ready: Promise<void>; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'hangar.js'), '--library', t.libraryDir, ...args], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let seen!: () => void;
  const readyP = new Promise<void>((resolve, reject) => {
    seen = resolve;
    child.once('exit', (code) => reject(new Error(`"hangar ${args.join(' ')}" exited (${code}) before it was ready: ${stderr}`)));
  });
  readyP.catch(() => undefined);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (ready.test(stdout)) seen();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { ready: readyP, done: new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }))) };
}

function expectRun(r: CliRun, step: CliStep, what: string): void {
  const got = `exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`;
  expect(r.code, `${what}: wrong exit code (got ${got})`).toBe(step.exit);
  expect(step.stderr.test(r.stderr), `${what}: stderr does not match ${String(step.stderr)} (got ${got})`).toBe(true);
}

describe('hostile input: interleaved hangar commands', () => {
  let t: TestEnv;
  let world: HostileWorld;
  let ctx: CliInterleaveContext;
  useTestEnv((env) => {
    t = env;
    // The engine leaves as soon as no command uses it, so every case starts and ends with none running.
    t.env['HANGAR_ENGINE_IDLE_TIMEOUT'] = '0';
  });

  beforeAll(async () => {
    world = makeHostileWorld();
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const booter = await spawnHangar(t, 'create', 'booter', '--disk', disk, '--memory', '64', '--cpus', '1');
    expect(booter, 'creating the booter VM').toMatchObject({ code: 0 });
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
    ctx = { world, target: booter.stdout.trim(), booter: booter.stdout.trim(), libraryDir: t.libraryDir, busyPort: 0 };
  });

  afterAll(() => world?.cleanup());

  it('has one case per id', () => {
    expect(new Set(cliInterleaveCases.map((c) => c.id)).size).toBe(cliInterleaveCases.length);
  });

  for (const c of cliInterleaveCases) {
    it(`${c.id}: ${c.title}`, async () => {
      const roots = [t.root, t.runtimeBase, world.dir];
      const before = qemuProcesses(roots);
      if (c.running) {
        const started = await spawnHangar(t, 'start', ctx.booter, '--wait-for-serial', markers.bootOk, '--timeout', '60');
        expect(started, `case ${c.id}: starting the booter`).toMatchObject({ code: 0 });
      }
      const background = (c.background ?? []).map((b) => ({ step: b, run: startInBackground(t, b.args(ctx), b.ready) }));
      for (const b of background) await b.run.ready;
      for (const [i, step] of c.steps.entries()) {
        if ('killEngine' in step) {
          const pids = backgroundEnginePids([t.root]);
          expect(pids, `case ${c.id}: one engine to kill`).toHaveLength(1);
          process.kill(pids[0]!, 'SIGKILL');
          continue;
        }
        const runs = await Promise.all(Array.from({ length: step.copies ?? 1 }, () => spawnHangar(t, ...step.args(ctx))));
        for (const r of runs) expectRun(r, step, `case ${c.id}, step ${i} (${step.args(ctx).join(' ')})`);
      }
      for (const b of background) expectRun(await b.run.done, b.step, `case ${c.id}, background ${b.step.args(ctx).join(' ')}`);
      // Not the leak check (below): a stopping engine gets time to close.
      await waitForNoBackgroundEngine([t.root]);
      const left = await leftoverProcesses(before, roots);
      killProcesses(left);
      expect(left.map((p) => `${p.pid}: ${p.cmd}`), `case ${c.id}: QEMU processes or engines left behind`).toEqual([]);
    });
  }
});
