// Runs the host corpus (cases/host-cases.ts): no QEMU, a garbage QEMU, a crashing QEMU, a corrupt disk
// and an injected chardev at start (real QEMU), a disk that fills up (a 2 MiB tmpfs), two engines on one
// library. Each case leaves its library unchanged (a failed start may write its QEMU log) and no process.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHangar, type CliRun } from '../helpers/cli-runner.js';
import { waitForNoBackgroundEngine } from '../helpers/background-engines.js';
import { openEngine, startEngineProcess, useTestEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { hostCases, type HostContext } from './cases/host-cases.js';
import { diffTrees, snapshotTree } from './support/library-snapshot.js';
import { expectRefusal, expectUnchanged, refusalOf, takeBaseline } from './support/expect-contained.js';
import { makeFakeQemuBins, mountSmallDisk, type FakeQemuBins, type SmallDisk } from './support/host-world.js';

describe('hostile host: missing or broken QEMU, a full disk, two engines', () => {
  let t: TestEnv;
  let h: HostContext;
  const engines = new Map<string, Promise<{ e: OpenedEngine; libraryDir: string; vm: string }>>();
  let lockOwner: ChildProcess | undefined;
  let small: SmallDisk | undefined;
  useTestEnv((env) => (t = env));

  /** PATH with a fake bin folder first; `empty` drops the system folders too (no QEMU, no qemu-img). */
  const pathFor = (bins: FakeQemuBins, dir: keyof FakeQemuBins | 'real'): string =>
    dir === 'real' ? process.env['PATH']! : dir === 'empty' ? bins.empty : `${bins[dir]}:/nonexistent`;

  beforeAll(async () => {
    const bins = makeFakeQemuBins(t.root);
    const envFor = (dir: keyof FakeQemuBins | 'real', libraryDir: string): NodeJS.ProcessEnv => ({ ...t.env, PATH: pathFor(bins, dir), HANGAR_LIBRARY: libraryDir, XDG_CACHE_HOME: join(t.root, `cache-${dir}`) });
    small = mountSmallDisk(join(t.root, 'small'));
    const smallLib = join(small.dir, 'library');
    const smallEngine = await openEngine({ ...t, libraryDir: smallLib, env: envFor('real', smallLib) });
    const smallVm = await smallEngine.client.call('vm.create', { name: 'small' });
    const lockedLib = join(t.root, 'lib-locked');
    mkdirSync(lockedLib);
    const owner = await startEngineProcess({ ...t, libraryDir: lockedLib, env: envFor('real', lockedLib) });
    lockOwner = owner.child;
    h = {
      root: t.root,
      bins,
      engineOn(dir) {
        let p = engines.get(dir);
        if (!p) {
          const libraryDir = join(t.root, `lib-${dir}`);
          p = openEngine({ ...t, libraryDir, env: envFor(dir, libraryDir) }).then(async (e) => {
            const { id } = await e.client.call('vm.create', { name: 'vm', diskSizeGiB: 1, memoryMiB: 64 });
            await e.client.call('library.list', {});
            return { e, libraryDir: e.engine.libraryDir, vm: id };
          });
          engines.set(dir, p);
        }
        return p;
      },
      small: { disk: small, e: smallEngine, libraryDir: smallEngine.engine.libraryDir, vm: smallVm.id },
      locked: { libraryDir: lockedLib, pid: owner.child.pid!, env: envFor('real', lockedLib) },
      // Idle timeout 0: the background engine (started with this case's PATH) is gone before the next case.
      cli: async (dir, libraryDir, ...args) => {
        const r = await spawnHangar({ ...t, libraryDir, env: { ...envFor(dir, libraryDir), HANGAR_ENGINE_IDLE_TIMEOUT: '0' } }, ...args);
        await waitForNoBackgroundEngine([libraryDir]);
        return r;
      },
    };
    // Every engine and library exists before the first baseline; the CLI gets a library no engine owns.
    for (const dir of ['empty', 'garbage', 'crashing', 'real'] as const) await h.engineOn(dir);
    const cliLib = join(t.root, 'lib-cli');
    const created = await spawnHangar({ ...t, libraryDir: cliLib, env: { ...envFor('real', cliLib), HANGAR_ENGINE_IDLE_TIMEOUT: '0' } }, 'create', 'vm', '--disk-size', '1', '--memory', '64');
    await waitForNoBackgroundEngine([cliLib]);
    expect(created, 'creating the CLI cases\' VM').toMatchObject({ code: 0 });
  });

  afterAll(async () => {
    for (const p of engines.values()) await (await p).e.close();
    await h?.small.e.close();
    small?.unmount();
    lockOwner?.kill('SIGTERM');
  });

  it('has one case per id', () => {
    expect(new Set(hostCases.map((c) => c.id)).size).toBe(hostCases.length);
  });

  for (const c of hostCases) {
    it(`${c.id}: ${c.title}`, async () => {
      await c.prepare?.(h);
      const library = c.library(h);
      const roots = [t.root, t.runtimeBase];
      const base = takeBaseline(c.allowChanged ? [] : [library], roots);
      const before = snapshotTree(library);
      const what = `case ${c.id}`;
      if ('exit' in c.refused) {
        const r = (await c.run(h)) as CliRun;
        const got = `exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`;
        expect(r.code, `${what}: wrong exit code (got ${got})`).toBe(c.refused.exit);
        expect(c.refused.stderr.test(r.stderr), `${what}: stderr does not match ${String(c.refused.stderr)} (got ${got})`).toBe(true);
      } else {
        expectRefusal(await refusalOf(() => c.run(h), what), c.refused, what);
      }
      if (c.allowChanged) {
        const allowed = c.allowChanged;
        const changed = diffTrees(before, snapshotTree(library)).filter((line) => !allowed.test(line.replace(/^[-+~] /, '')));
        expect(changed, `${what}: ${library} changed`).toEqual([]);
      }
      await expectUnchanged(base, roots, what);
    });
  }
});
