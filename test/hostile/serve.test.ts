// Runs the browser-host corpus (cases/serve-cases.ts) over the real WebSocket of the built `hangar serve`: once with
// the engine serve starts itself, once joined to a running `hangar engine` (which restricts nothing: serve's relay must).
// HOME is a temp folder, so ~/.bashrc and ~/.ssh are files the cases can watch.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineProcess, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { startServe, type RunningServe } from '../helpers/serve-harness.js';
import { newVmDocument, serializeVmDocument } from '../../src-shared/vm-document/index.js';
import { serveCases, type ServeCaseContext, type ServeMode } from './cases/serve-cases.js';
import { expectRefusal, expectUnchanged, refusalOf, takeBaseline } from './support/expect-contained.js';

describe('hostile browser host: a token holder', () => {
  let t: TestEnv;
  let engine: ChildProcess | undefined;
  const serves: RunningServe[] = [];
  const ctx = {} as Record<ServeMode, ServeCaseContext>;
  useTestEnv((env) => (t = env));

  beforeAll(async () => {
    const home = join(t.root, 'home');
    const outside = join(t.root, 'outside');
    for (const d of [join(home, '.ssh'), join(home, 'isos'), join(home, 'bin'), outside]) mkdirSync(d, { recursive: true });
    writeFileSync(join(home, 'bin', 'backup.sh'), `#!/bin/sh\n# the user's own script\n${'#'.repeat(4096)}\n`, { mode: 0o755 });
    writeFileSync(join(home, '.bashrc'), '# the user\'s shell start-up\n');
    writeFileSync(join(home, '.ssh', 'id_ed25519'), Buffer.alloc(4096, 7));
    writeFileSync(join(outside, 'disk.img'), Buffer.alloc(1024 * 1024));
    writeFileSync(join(outside, 'tiny.iso'), 'x'.repeat(775));
    writeFileSync(join(home, 'isos', 'ok.iso'), 'x'.repeat(775));
    symlinkSync(join(outside, 'disk.img'), join(home, 'isos', 'out.img'));
    symlinkSync(outside, join(home, 'escape'));
    symlinkSync(join(outside, 'tiny.iso'), join(home, 'secret-link'));
    const marker = join(t.root, 'pwned');
    const armedBundle = join(home, 'armed.hangar');
    mkdirSync(armedBundle);
    const armed = newVmDocument({ name: 'armed', id: '5e1f0000-0000-4000-8000-00000000a4d3', now: new Date().toISOString(), mac: '52:54:00:00:a4:d3' });
    writeFileSync(join(armedBundle, 'vm.json'), serializeVmDocument({ ...armed, extraArgs: ['-incoming', `exec:touch ${marker}`] }));
    const env = { ...t.env, HOME: home };

    const standaloneLib = join(t.root, 'lib-standalone');
    const joinedLib = join(t.root, 'lib-joined');
    mkdirSync(joinedLib);
    engine = (await startEngineProcess({ ...t, libraryDir: joinedLib, env: { ...env, HANGAR_LIBRARY: joinedLib } })).child;
    for (const [mode, library] of [['standalone', standaloneLib], ['joined', joinedLib]] as const) {
      const serve = await startServe(library, { ...env, HANGAR_LIBRARY: library });
      serves.push(serve);
      const client = await serve.connect();
      const vm = await client.call('vm.create', { name: 'target', diskSizeGiB: 1, memoryMiB: 64 });
      // ISOs this user opened elsewhere (by hand, in the app): the browser must only hear of the one in its roots.
      const recent = [join(outside, 'tiny.iso'), join(home, 'secret-link'), join(home, '.ssh', 'id_ed25519'), join(home, 'isos', 'ok.iso')];
      writeFileSync(join(library, 'recent-isos.json'), JSON.stringify({ version: 1, isos: recent.map((path) => ({ path, usedAt: '2026-12-01T00:00:00.000Z' })) }));
      ctx[mode] = { mode, serve, client, vm: vm.id, bundleDir: vm.bundleDir, home, outside, armedBundle, marker };
    }
    expect(serves[1]!.stderr(), 'the second serve joined the running engine').toBe('');
  });

  afterAll(async () => {
    for (const s of serves) await s.stop();
    engine?.kill('SIGTERM');
  });

  it('has one case per id', () => {
    expect(new Set(serveCases.map((c) => c.id)).size).toBe(serveCases.length);
  });

  for (const c of serveCases) {
    for (const mode of c.modes ?? (['standalone', 'joined'] as const)) {
      it(`${c.id} (${mode}): ${c.title}`, async () => {
        const x = ctx[mode];
        const roots = [t.root, t.runtimeBase];
        const base = takeBaseline([join(t.root, 'lib-standalone'), join(t.root, 'lib-joined'), x.home, x.outside], roots);
        const what = `case ${c.id} (${mode})`;
        if ('refused' in c) expectRefusal(await refusalOf(() => c.run(x), what), c.refused, what);
        else c.accepted(x, await c.run(x));
        await expectUnchanged(base, roots, what);
        expect(existsSync(x.marker), `${what}: the exec payload ran`).toBe(false);
      });
    }
  }
});
