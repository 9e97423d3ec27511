// Runs the engine-contract corpus (cases/engine-cases.ts) against one in-process engine with a real
// library, real qemu-img and real files: every refusal leaves the library and the hostile files as
// they were and no QEMU process behind; every accepted hostile input stays inside the library.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { engineCases } from './cases/engine-cases.js';
import type { EngineCaseContext } from './support/case-types.js';
import { expectRefusal, expectUnchanged, refusalOf, takeBaseline } from './support/expect-contained.js';
import { makeHostileWorld, type HostileWorld } from './support/hostile-world.js';

describe('hostile input: the engine contract', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let world: HostileWorld;
  let busy: Server;
  let ctx: EngineCaseContext;
  useEngineEnv((env, engine) => {
    t = env;
    e = engine;
  });

  beforeAll(async () => {
    world = makeHostileWorld();
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const target = await e.client.call('vm.create', { name: 'target', diskSizeGiB: 1 });
    await e.client.call('library.list', {});
    ctx = {
      client: e.client,
      world,
      target: { id: target.id, name: 'target', bundleDir: target.bundleDir },
      libraryDir: e.engine.libraryDir,
      controlSocket: e.engine.controlSocketPath,
      busyPort: (busy.address() as { port: number }).port,
    };
  });

  afterAll(() => {
    busy?.close();
    world?.cleanup();
  });

  it('has one case per id', () => {
    expect(new Set(engineCases.map((c) => c.id)).size).toBe(engineCases.length);
  });

  for (const c of engineCases) {
    it(`${c.id}: ${c.title}`, async () => {
      await c.prepare?.(ctx);
      const roots = [t.root, t.runtimeBase, world.dir];
      const base = takeBaseline([ctx.libraryDir, world.dir], roots);
      const what = `case ${c.id}`;
      if ('refused' in c) {
        expectRefusal(await refusalOf(() => c.run(ctx), what), c.refused, what);
      } else {
        const result = await c.run(ctx);
        await c.accepted(ctx, result);
        await ctx.client.call('vm.delete', { vm: (result as { id: string }).id, files: true });
      }
      await expectUnchanged(base, roots, what);
    });
  }
});
