// `library.list` from the engine's in-memory index (BundleStore watch: true): every engine command that changes the
// library shows in the next list, and bundles changed by other processes show once the folder watch reports them.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VmSummary } from '../../src-shared/contract/index.js';
import { makeTestEnv, openEngine, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

describe('library.list stays correct with the in-memory index', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  const list = (): Promise<VmSummary[]> => e.client.call('library.list', {});
  const row = async (id: string): Promise<VmSummary | undefined> => (await list()).find((v) => v.id === id);
  const eventually = (check: () => Promise<void>): Promise<void> => vi.waitFor(check, { timeout: 15_000, interval: 25 });

  beforeAll(async () => {
    t = makeTestEnv();
    e = await openEngine(t);
  });
  afterAll(async () => {
    await e?.close();
    t?.cleanup();
  });

  it('create, settings change, rename, tags and delete through the engine show in the next list', async () => {
    const a = await e.client.call('vm.create', { name: 'index a', diskSizeGiB: 1, osId: 'debian12' });
    const b = await e.client.call('vm.create', { name: 'index b', diskSizeGiB: 1 });
    expect((await list()).map((v) => v.name)).toEqual(['index a', 'index b']);
    await e.client.call('vm.update', { vm: a.id, patch: { osId: 'fedora41' } });
    expect((await row(a.id))?.osId).toBe('fedora41');
    const renamed = await e.client.call('vm.rename', { vm: a.id, name: 'index a renamed' });
    expect(await row(a.id)).toMatchObject({ name: 'index a renamed', bundleDir: renamed.bundleDir });
    await e.client.call('vm.tags.set', { vm: b.id, tags: ['lab'] });
    expect((await row(b.id))?.tags).toEqual(['lab']);
    await e.client.call('vm.delete', { vm: b.id, files: true });
    expect((await list()).map((v) => v.id)).toEqual([a.id]);
  });

  it('a bundle added, edited or removed on disk by another process is seen', async () => {
    const [first] = await list();
    const id = randomUUID();
    const dir = join(t.libraryDir, `by-hand-${id.slice(0, 8)}.hangar`);
    cpSync(first!.bundleDir, dir, { recursive: true });
    const doc = JSON.parse(readFileSync(join(dir, 'vm.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'vm.json'), JSON.stringify({ ...doc, id, name: 'added by hand' }));
    await eventually(async () => expect(await row(id)).toMatchObject({ name: 'added by hand', bundleDir: dir }));
    writeFileSync(join(dir, 'vm.json'), JSON.stringify({ ...doc, id, name: 'edited by hand', osId: 'win11' }));
    await eventually(async () => expect(await row(id)).toMatchObject({ name: 'edited by hand', osId: 'win11' }));
    // The engine's own answer for the new machine (a command that resolves it by name) agrees.
    expect((await e.client.call('vm.get', { vm: 'edited by hand' })).doc.id).toBe(id);
    rmSync(dir, { recursive: true });
    await eventually(async () => expect((await row(id))?.error).toMatch(/missing/));
  });
});
