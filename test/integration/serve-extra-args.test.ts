// Extra QEMU arguments through the real `hangar serve` WebSocket, with serve's own engine and joined to a running
// `hangar engine`: without --allow-extra-args an exec payload is refused and a start runs without it (the file it
// would create never appears); with --allow-extra-args the same host accepts them and they reach QEMU.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../src-shared/contract/index.js';
import { failure, startEngineProcess, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { startServe, type RunningServe } from '../helpers/serve-harness.js';

type Mode = 'standalone' | 'joined';

describe('extra QEMU arguments through the browser host', () => {
  let t: TestEnv;
  const engines: ChildProcess[] = [];
  const serves: RunningServe[] = [];
  useTestEnv((env) => (t = env), { orphanMessage: 'no QEMU may outlive the suite' });

  afterAll(async () => {
    for (const s of serves) await s.stop();
    for (const e of engines) {
      const exited = new Promise((r) => e.once('exit', r));
      e.kill('SIGTERM');
      await exited;
    }
  });

  /** serve on its own library (`standalone`) or on one a `hangar engine` already owns (`joined`). */
  async function serveFor(mode: Mode, name: string, args: string[] = []): Promise<{ serve: RunningServe; client: EngineClient }> {
    const library = join(t.root, name);
    const env = { ...t.env, HANGAR_LIBRARY: library };
    if (mode === 'joined') {
      mkdirSync(library);
      engines.push((await startEngineProcess({ ...t, libraryDir: library, env })).child);
    }
    const serve = await startServe(library, env, args);
    serves.push(serve);
    return { serve, client: await serve.connect() };
  }

  async function stop(client: EngineClient, vm: string): Promise<void> {
    await client.call('vm.forceOff', { vm });
  }

  for (const mode of ['standalone', 'joined'] as const) {
    it(`${mode}: refuses an exec payload, says so in engine.hello, and a start does not run it`, async () => {
      const { client } = await serveFor(mode, `lib-${mode}-default`);
      const hello = await client.call('engine.hello', { client: 'test' });
      expect(hello.policy).toEqual({ extraArgs: { editable: false, reason: expect.stringContaining('--allow-extra-args') } });
      const { id } = await client.call('vm.create', { name: 'plain', memoryMiB: 64 });
      const marker = join(t.root, `pwned-${mode}`);
      const err = await failure(client.call('vm.update', { vm: id, patch: { extraArgs: ['-incoming', `exec:touch ${marker}`] } }));
      expect(err.code).toBe('not-allowed');
      expect(err.message).toMatch(/read-only in the browser host: they can make QEMU run any program/);
      expect((await client.call('vm.get', { vm: id })).doc.extraArgs).toEqual([]);
      expect((await client.call('vm.argv', { vm: id })).argv).not.toContain('-incoming');
      expect((await client.call('vm.start', { vm: id })).state.kind).toBe('running');
      await stop(client, id);
      expect(existsSync(marker), 'the exec payload ran').toBe(false);
    });

    it(`${mode}: with --allow-extra-args accepts them and QEMU gets them`, async () => {
      const { serve, client } = await serveFor(mode, `lib-${mode}-allowed`, ['--allow-extra-args']);
      expect(serve.stderr()).toMatch(/--allow-extra-args: whoever has this URL can set extra QEMU arguments, and so run any program as this user/);
      expect((await client.call('engine.hello', { client: 'test' })).policy).toEqual({ extraArgs: { editable: true } });
      const { id } = await client.call('vm.create', { name: 'power', memoryMiB: 64 });
      // A file QEMU itself creates at start: proof that the arguments reach it through this host.
      const probe = join(t.root, `probe-${mode}`);
      const r = await client.call('vm.update', { vm: id, patch: { extraArgs: ['-chardev', `file,id=probe,path=${probe}`] } });
      expect(r.doc.extraArgs).toEqual(['-chardev', `file,id=probe,path=${probe}`]);
      expect((await client.call('vm.start', { vm: id })).state.kind).toBe('running');
      expect(existsSync(probe)).toBe(true);
      await stop(client, id);
      const exec = ['-incoming', `exec:touch ${join(t.root, `never-started-${mode}`)}`];
      expect((await client.call('vm.update', { vm: id, patch: { extraArgs: exec } })).doc.extraArgs).toEqual(exec);
    });
  }
});
