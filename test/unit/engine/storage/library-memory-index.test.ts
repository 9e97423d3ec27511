// The store's in-memory index (BundleStore with `watch: true`, as the engine opens it): an unchanged library is
// answered without reading a bundle, the store's own writes show at once, and changes made by other processes
// (folders added, removed, renamed; vm.json or install.json edited) show as soon as the folder watch reports them.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newVmDocument, serializeVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import { BundleStore, type LibraryEntry } from '../../../../src-main/engine/storage/bundle-store.js';
import { makeTempDir } from './helpers.js';

const NOW = '2024-05-01T10:00:00.000Z';
let tmp: ReturnType<typeof makeTempDir>;
let library: string;
let store: BundleStore;

beforeEach(() => {
  tmp = makeTempDir('memindex');
  library = path.join(tmp.dir, 'library');
  store = new BundleStore(library, { watch: true });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

function vm(name: string, id: string = randomUUID()): VmDocument {
  return newVmDocument({ id, name, now: NOW, mac: '52:54:00:00:00:01', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' } });
}

const names = async (): Promise<Array<string | null>> => (await store.list()).map((e) => e.name);
const summary = async (): Promise<Array<Pick<LibraryEntry, 'status' | 'id' | 'name' | 'bundleDir'>>> =>
  (await store.listWithTags()).entries.map((e) => ({ status: e.status, id: e.id, name: e.name, bundleDir: e.bundleDir }));

/** A few machines, listed twice so every folder is watched and the index is in memory. */
async function library3(): Promise<string[]> {
  const ids: string[] = [];
  for (const n of ['alpha', 'beta', 'gamma']) ids.push((await store.create(vm(n))).id);
  await store.list();
  await store.list();
  return ids;
}

/** What other processes do is seen when their folder's watch reports it: wait for that, never for a time. */
const eventually = (check: () => Promise<void>): Promise<void> => vi.waitFor(check, { timeout: 10_000, interval: 20 });

describe('BundleStore in-memory index (watch: true)', () => {
  it('answers an unchanged library without reading or checking any bundle', async () => {
    await library3();
    const read = vi.spyOn(store as unknown as { readBundleCached: (dir: string) => Promise<unknown> }, 'readBundleCached');
    for (let i = 0; i < 5; i++) await store.listWithTags();
    await store.load('beta');
    expect(read).not.toHaveBeenCalled();
  });

  it('re-reads only what the store itself wrote: a settings change is listed at once', async () => {
    const [, beta] = await library3();
    await store.update(beta!, { osId: 'win11', memoryMiB: 4096 });
    const row = (await store.listWithTags()).entries.find((e) => e.id === beta);
    expect(row?.doc?.osId).toBe('win11');
    expect((await store.load(beta!)).doc.memoryMiB).toBe(4096);
  });

  it('create, rename, delete and tags show in the very next list', async () => {
    const [alpha, beta, gamma] = await library3();
    const delta = (await store.create(vm('delta'))).id;
    expect(await names()).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    const renamed = await store.rename(beta!, 'Beta Two');
    expect(await summary()).toContainEqual({ status: 'ok', id: beta, name: 'Beta Two', bundleDir: renamed.bundleDir });
    await store.delete(alpha!, { files: true });
    await store.delete(gamma!, { files: false });
    expect(await names()).toEqual(['Beta Two', 'delta']);
    await store.setTags(delta, ['lab']);
    expect((await store.listWithTags()).tags.get(delta)).toEqual(['lab']);
  });

  it('a bundle copied into the library by another process appears in the very next list', async () => {
    const [alpha] = await library3();
    const src = await store.bundleDir(alpha!);
    const id = randomUUID();
    const dir = path.join(library, `copied-${id.slice(0, 8)}.hangar`);
    cpSync(src, dir, { recursive: true });
    writeFileSync(path.join(dir, 'vm.json'), serializeVmDocument(vm('copied', id)));
    expect(await names()).toContain('copied');
    expect((await store.load('copied')).bundleDir).toBe(dir);
  });

  it("another process's edit of vm.json is listed", async () => {
    const [, beta] = await library3();
    const dir = await store.bundleDir(beta!);
    const doc = JSON.parse(readFileSync(path.join(dir, 'vm.json'), 'utf8')) as VmDocument;
    writeFileSync(path.join(dir, 'vm.json'), serializeVmDocument({ ...doc, name: 'edited by hand' }));
    await eventually(async () => expect(await names()).toEqual(['alpha', 'edited by hand', 'gamma']));
  });

  it('a folder removed by another process is listed as missing, and one renamed by hand found again by id, in the very next list', async () => {
    const [alpha, beta] = await library3();
    rmSync(await store.bundleDir(alpha!), { recursive: true });
    const betaDir = await store.bundleDir(beta!);
    const moved = path.join(library, 'moved-by-hand.hangar');
    renameSync(betaDir, moved);
    const rows = await summary();
    expect(rows.find((r) => r.id === alpha)?.status).toBe('missing');
    expect(rows.find((r) => r.id === beta)).toEqual({ status: 'ok', id: beta, name: 'beta', bundleDir: moved });
  });

  it('a folder replaced at the same path by another process is read from the new folder', async () => {
    const [alpha] = await library3();
    const dir = await store.bundleDir(alpha!);
    const doc = JSON.parse(readFileSync(path.join(dir, 'vm.json'), 'utf8')) as VmDocument;
    const aside = path.join(tmp.dir, 'aside');
    renameSync(dir, aside);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'vm.json'), serializeVmDocument({ ...doc, name: 'replacement' }));
    await eventually(async () => expect(await names()).toEqual(['replacement', 'beta', 'gamma']));
  });

  it('library.json edited by another process is read again', async () => {
    const [alpha, beta] = await library3();
    const indexFile = path.join(library, 'library.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { tags?: Record<string, string[]> };
    writeFileSync(indexFile, JSON.stringify({ ...index, tags: { [alpha!]: ['from-outside'] } }));
    await eventually(async () => expect((await store.listWithTags()).tags.get(alpha!)).toEqual(['from-outside']));
    expect((await store.listWithTags()).tags.get(beta!)).toBeUndefined();
  });

  it('small bundle files (install.json) are kept until written by the engine or changed on disk', async () => {
    const [alpha] = await library3();
    const dir = await store.bundleDir(alpha!);
    expect(await store.bundleFileText(dir, 'install.json')).toBeNull();
    expect(store.peekBundleFile(dir, 'install.json')).toBeNull();
    // The engine's own write: forgotten at once.
    writeFileSync(path.join(dir, 'install.json'), '{"a":1}');
    store.forgetBundleFile(dir, 'install.json');
    expect(store.peekBundleFile(dir, 'install.json')).toBeUndefined();
    expect(await store.bundleFileText(dir, 'install.json')).toBe('{"a":1}');
    // Another process's write: seen when the watch reports it.
    writeFileSync(path.join(dir, 'install.json'), '{"a":2}');
    await eventually(async () => expect(await store.bundleFileText(dir, 'install.json')).toBe('{"a":2}'));
  });

  it('documents handed out are copies: changing one changes nothing in the index', async () => {
    const [alpha] = await library3();
    const loaded = await store.load(alpha!);
    loaded.doc.name = 'scribbled';
    const listed = await store.list();
    listed[0]!.doc!.memoryMiB = 1;
    const again = (await store.listWithTags()).entries[0]!;
    expect(again.name).toBe('alpha');
    expect(again.doc?.name).toBe('alpha');
    expect(again.doc?.memoryMiB).not.toBe(1);
  });
});
