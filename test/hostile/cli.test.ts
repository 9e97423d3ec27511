// Runs the CLI corpus (cases/cli-cases.ts) through the built `hangar` (bin/hangar.js): each hostile
// invocation exits with its documented code and a specific message, and changes nothing.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHangar } from '../helpers/cli-runner.js';
import { useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { cliCases } from './cases/cli-cases.js';
import type { CliCaseContext } from './support/case-types.js';
import { expectUnchanged, takeBaseline } from './support/expect-contained.js';
import { makeHostileWorld, type HostileWorld } from './support/hostile-world.js';
import { waitForNoBackgroundEngine } from '../helpers/background-engines.js';

describe('hostile input: the hangar CLI', () => {
  let t: TestEnv;
  let world: HostileWorld;
  let busy: Server;
  let ctx: CliCaseContext;
  useTestEnv((env) => {
    t = env;
    // Each case's background engine leaves as soon as its CLI is done: the case waits for that, and the
    // library (lock file included) and the process list must then be as before.
    t.env['HANGAR_ENGINE_IDLE_TIMEOUT'] = '0';
  });

  beforeAll(async () => {
    world = makeHostileWorld();
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const created = await spawnHangar(t, 'create', 'target', '--disk-size', '1');
    expect(created, 'creating the target VM').toMatchObject({ code: 0 });
    expect((await spawnHangar(t, 'list')).code).toBe(0);
    expect(await waitForNoBackgroundEngine([t.root]), 'the background engine exits once idle').toEqual([]);
    ctx = { world, target: created.stdout.trim(), libraryDir: t.libraryDir, busyPort: (busy.address() as { port: number }).port };
  });

  afterAll(() => {
    busy?.close();
    world?.cleanup();
  });

  it('has one case per id', () => {
    expect(new Set(cliCases.map((c) => c.id)).size).toBe(cliCases.length);
  });

  for (const c of cliCases) {
    it(`${c.id}: ${c.title}`, async () => {
      const roots = [t.root, t.runtimeBase, world.dir];
      const base = takeBaseline([t.libraryDir, world.dir], roots);
      const args = c.args(ctx);
      // spawnHangar always passes the test library first; a case naming its own --library overrides it
      // (the CLI takes the last --library before the verb).
      const r = await spawnHangar(t, ...args);
      const what = `case ${c.id}`;
      const got = `exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`;
      expect(r.code, `${what}: wrong exit code (got ${got})`).toBe(c.exit);
      expect(c.stderr.test(r.stderr), `${what}: stderr does not match ${String(c.stderr)} (got ${got})`).toBe(true);
      expect(r.stdout, `${what}: nothing on stdout`).toBe('');
      // Not a leak check (expectUnchanged below is): the engine gets time to close before it counts as left behind.
      await waitForNoBackgroundEngine([t.root]);
      await expectUnchanged(base, roots, what);
    });
  }
});
