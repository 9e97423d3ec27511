import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newVmDocument, serializeVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import { BundleStore, type LibraryEntry } from '../../../../src-main/engine/storage/bundle-store.js';
import { StoreError } from '../../../../src-main/engine/storage/store-error.js';
import { makeTempDir } from './helpers.js';

const NOW = '2024-05-01T10:00:00.000Z';
let tmp: ReturnType<typeof makeTempDir>;
let library: string;
let store: BundleStore;
let tick = 0;
const clock = (): string => new Date(Date.parse(NOW) + ++tick * 1000).toISOString();

beforeEach(() => {
  tmp = makeTempDir('store');
  library = path.join(tmp.dir, 'library');
  store = new BundleStore(library, { now: clock });
});
afterEach(() => tmp.cleanup());

function vm(name: string, id: string = randomUUID()): VmDocument {
  return newVmDocument({ id, name, now: NOW, mac: '52:54:00:00:00:01', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' } });
}

function readIndex(): { bundles: Array<{ id: string; path: string }>; excluded: string[] } {
  return JSON.parse(readFileSync(path.join(library, 'library.json'), 'utf8'));
}

async function storeError(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

const okNames = (entries: LibraryEntry[]): string[] => entries.filter((e) => e.status === 'ok').map((e) => e.name!);

describe('BundleStore.create', () => {
  it('makes <slug>-<shortid>.hangar with vm.json and the standard folders, and indexes it', async () => {
    const doc = vm('Debian 12 (web)', '3f2b8c1e-5d4a-4b6f-9e21-7a0c3d5e8f10');
    const created = await store.create(doc);
    const dir = path.join(library, 'debian-12-web-3f2b8c1e.hangar');
    expect(created).toEqual({ id: doc.id, name: doc.name, bundleDir: dir, doc });
    expect(readdirSync(dir).sort()).toEqual(['disks', 'logs', 'nvram', 'thumbs', 'vm.json']);
    expect(readFileSync(path.join(dir, 'vm.json'), 'utf8')).toBe(serializeVmDocument(doc));
    expect(readIndex()).toEqual({ version: 1, bundles: [{ id: doc.id, path: 'debian-12-web-3f2b8c1e.hangar' }], excluded: [] });
  });

  it('refuses a duplicate id', async () => {
    const doc = vm('One');
    await store.create(doc);
    const err = await storeError(store.create({ ...doc, name: 'Two' }));
    expect(err.code).toBe('exists');
    expect(err.message).toContain('VM "Two"');
    expect(err.message).toContain(`already used by "One"`);
    expect((await store.list()).length).toBe(1);
  });

  it('refuses an invalid document with an invalid error naming the VM and field', async () => {
    const err = await storeError(store.create({ ...vm('Bad'), memoryMiB: 1 }));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/VM "Bad": invalid VM document: memoryMiB/);
    expect(existsSync(library) ? readdirSync(library) : []).toEqual([]);
  });

  it('removes the half-made folder when writing vm.json fails', async () => {
    const failing = new BundleStore(library, {
      io: {
        writeFileAtomic: async (target) => {
          if (target.endsWith('vm.json')) throw new Error('disk full');
        },
      },
    });
    const err = await storeError(failing.create(vm('Half')));
    expect(err.code).toBe('io');
    expect(err.message).toMatch(/VM "Half": cannot create bundle .*: disk full/);
    expect(readdirSync(library)).toEqual([]);
  });

  it('removes the new folder when the index cannot be written', async () => {
    const real = new BundleStore(library);
    await real.create(vm('Existing'));
    const failing = new BundleStore(library, {
      io: {
        writeFileAtomic: async (target, data) => {
          if (target.endsWith('library.json')) throw new Error('read-only');
          writeFileSync(target, data);
        },
      },
    });
    await expect(failing.create(vm('New'))).rejects.toMatchObject({ code: 'io' });
    expect(readdirSync(library).filter((n) => n.endsWith('.hangar'))).toHaveLength(1);
    expect(okNames(await real.list())).toEqual(['Existing']);
  });

  it('gives hostile names safe, distinct folders and keeps the exact name in vm.json', async () => {
    const names = [
      'Ünïcödé Ωmega 日本',
      'a/b/../../c',
      '..',
      '.',
      'x,file=/etc/passwd',
      'C:\\Windows\\System32',
      'CON',
      'W'.repeat(1000),
      'Web',
      'WEB!',
      'web?',
    ];
    for (const name of names) await store.create(vm(name));
    const folders = readdirSync(library).filter((n) => n.endsWith('.hangar'));
    expect(folders).toHaveLength(names.length);
    expect(new Set(folders.map((f) => f.toLowerCase())).size).toBe(names.length);
    for (const f of folders) expect(f).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*-[0-9a-f]{8}\.hangar$/);
    // Nothing escaped the library folder.
    expect(readdirSync(tmp.dir)).toEqual(['library']);
    const entries = await store.list();
    expect(entries.map((e) => e.name).sort()).toEqual([...names].sort());
    // Control characters never reach a name (they would forge list and log lines): see test/hostile.
    for (const bad of ['two\nlines', 'nul\u0000in name']) await expect(store.create(vm(bad))).rejects.toThrow(/name: must not contain control characters/);
  });

  it('concurrent creates all land in the index', async () => {
    const docs = Array.from({ length: 12 }, (_, i) => vm(`Same slug ${i % 2}${'!'.repeat(i)}`));
    await Promise.all(docs.map((d) => store.create(d)));
    expect(readIndex().bundles.map((b) => b.id).sort()).toEqual(docs.map((d) => d.id).sort());
    expect((await store.list()).every((e) => e.status === 'ok')).toBe(true);
  });

  it('concurrent creates of one name: exactly one wins, the others are refused as name-taken', async () => {
    const docs = Array.from({ length: 8 }, (_, i) => vm(i % 2 ? 'Race' : 'RACE'));
    const results = await Promise.allSettled(docs.map((d) => store.create(d)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as StoreError).code).toBe('name-taken');
    expect(readIndex().bundles).toHaveLength(1);
  });

  it('uses the full id when two ids share their first 8 hex digits', async () => {
    const a = vm('Twin', '11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
    const b = vm('Twin!', '11111111-bbbb-4bbb-8bbb-bbbbbbbbbbbb');
    await store.create(a);
    const created = await store.create(b);
    expect(path.basename(created.bundleDir)).toBe('twin-11111111bbbb4bbb8bbbbbbbbbbbbbbb.hangar');
    expect((await store.list()).map((e) => e.id)).toEqual([a.id, b.id]);
  });
});

describe('BundleStore.load', () => {
  it('finds a VM by id, id prefix (≥4), or exact name ignoring case', async () => {
    const doc = vm('Debian Server', 'abcdef12-0000-4000-8000-000000000001');
    await store.create(doc);
    await store.create(vm('Other', '12345678-0000-4000-8000-000000000002'));
    for (const q of [doc.id, doc.id.toUpperCase(), 'abcd', 'abcdef12', 'debian server', 'DEBIAN SERVER']) {
      expect((await store.load(q)).doc, q).toEqual(doc);
    }
  });

  it('does not match short prefixes or partial names', async () => {
    await store.create(vm('Debian Server', 'abcdef12-0000-4000-8000-000000000001'));
    for (const q of ['abc', 'Debian', 'server']) expect((await storeError(store.load(q))).code, q).toBe('not-found');
  });

  it('reports an ambiguous name listing the matches (two bundles named alike, copied in by hand)', async () => {
    const a = vm('Web');
    const b = vm('WEB');
    await store.create(a);
    // The engine refuses a second "web"; a folder copied into the library by hand can still bring one.
    const made = await store.create({ ...b, name: 'placeholder' });
    writeFileSync(path.join(made.bundleDir, 'vm.json'), serializeVmDocument(b));
    const err = await storeError(store.load('web'));
    expect(err.code).toBe('ambiguous');
    expect(err.message).toContain(`"Web" (${a.id})`);
    expect(err.message).toContain(`"WEB" (${b.id})`);
    expect(err.matches.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
    // The id still picks one.
    expect((await store.load(b.id)).name).toBe('WEB');
  });

  it('reports an ambiguous id prefix', async () => {
    await store.create(vm('A', 'abcd1111-0000-4000-8000-000000000001'));
    await store.create(vm('B', 'abcd2222-0000-4000-8000-000000000002'));
    expect((await storeError(store.load('abcd'))).code).toBe('ambiguous');
    expect((await store.load('abcd2')).name).toBe('B');
  });

  it('not-found names the query', async () => {
    const err = await storeError(store.load('nothing-here'));
    expect(err).toMatchObject({ code: 'not-found' });
    expect(err.message).toContain('"nothing-here"');
  });

  it('migrates a v1 vm.json on load', async () => {
    const dir = path.join(library, 'old-3f2b8c1e.hangar');
    mkdirSync(dir, { recursive: true });
    const v1 = readFileSync(new URL('../../../fixtures/documents/v1-debian-bios.json', import.meta.url), 'utf8');
    writeFileSync(path.join(dir, 'vm.json'), v1);
    const loaded = await store.load('Debian 12 (web)');
    expect(loaded.doc.schemaVersion).toBe(4);
    expect(loaded.bundleDir).toBe(dir);
  });
});

describe('BundleStore.list', () => {
  it('returns VMs in library (creation) order', async () => {
    for (const n of ['Zeta', 'alpha', 'Mid']) await store.create(vm(n));
    expect(okNames(await store.list())).toEqual(['Zeta', 'alpha', 'Mid']);
  });

  it('is empty for a library folder that does not exist yet', async () => {
    expect(await store.list()).toEqual([]);
  });

  it('shows a corrupted vm.json as an error entry without hiding the others', async () => {
    const good = await store.create(vm('Good'));
    const bad = await store.create(vm('Bad'));
    await store.create(vm('Also good'));
    writeFileSync(path.join(bad.bundleDir, 'vm.json'), '{"schemaVersion": 2, "name": "Ba');
    const entries = await store.list();
    expect(entries.map((e) => e.status)).toEqual(['ok', 'broken', 'ok']);
    const broken = entries[1]!;
    expect(broken).toMatchObject({ id: bad.id, bundleDir: bad.bundleDir, name: null });
    expect(broken.error).toBeInstanceOf(StoreError);
    expect(broken.error?.code).toBe('invalid');
    expect(broken.error?.message).toMatch(/bundle bad-[0-9a-f]{8}\.hangar: vm.json is not valid JSON/);
    // Loading it gives the same error; the others still load.
    await expect(store.load(bad.id)).rejects.toMatchObject({ code: 'invalid' });
    expect((await store.load(good.id)).name).toBe('Good');
  });

  it('shows an invalid (schema) vm.json with the field path', async () => {
    const bad = await store.create(vm('Bad'));
    const doc = JSON.parse(readFileSync(path.join(bad.bundleDir, 'vm.json'), 'utf8'));
    doc.disks[0].bus = 'usb';
    writeFileSync(path.join(bad.bundleDir, 'vm.json'), JSON.stringify(doc));
    const [entry] = await store.list();
    expect(entry?.error?.message).toMatch(/disks\[0\]\.bus: invalid value/);
  });

  it('adds bundles found on disk that the index does not know', async () => {
    await store.create(vm('Indexed'));
    // Copied in by hand.
    const doc = vm('Copied in');
    const dir = path.join(library, 'whatever-name.hangar');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'vm.json'), serializeVmDocument(doc));
    mkdirSync(path.join(library, 'not-a-bundle'));
    const entries = await store.list();
    expect(okNames(entries)).toEqual(['Indexed', 'Copied in']);
    expect(readIndex().bundles.map((b) => b.path)).toContain('whatever-name.hangar');
  });

  it('rebuilds a lost or corrupted index from the folders', async () => {
    await store.create(vm('A'));
    await store.create(vm('B'));
    writeFileSync(path.join(library, 'library.json'), 'garbage');
    expect(okNames(await store.list()).sort()).toEqual(['A', 'B']);
    rmSync(path.join(library, 'library.json'));
    expect(okNames(await store.list()).sort()).toEqual(['A', 'B']);
    expect(readIndex().bundles).toHaveLength(2);
  });

  it('reports a vanished folder as missing instead of failing', async () => {
    const a = await store.create(vm('Gone'));
    await store.create(vm('Here'));
    rmSync(a.bundleDir, { recursive: true });
    const entries = await store.list();
    expect(entries.map((e) => e.status)).toEqual(['missing', 'ok']);
    expect(entries[0]).toMatchObject({ id: a.id, bundleDir: a.bundleDir });
    expect(entries[0]!.error?.code).toBe('not-found');
    expect(entries[0]!.error?.message).toContain('is missing');
    await expect(store.load(a.id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('finds a folder renamed by hand again by its id', async () => {
    const a = await store.create(vm('Moved'));
    const newDir = path.join(library, 'renamed-by-hand.hangar');
    renameSync(a.bundleDir, newDir);
    const entries = await store.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 'ok', id: a.id, bundleDir: newDir });
    expect(readIndex().bundles).toEqual([{ id: a.id, path: 'renamed-by-hand.hangar' }]);
  });

  it('flags a copied bundle with a duplicate id instead of showing two VMs with one id', async () => {
    const a = await store.create(vm('Original'));
    const copy = path.join(library, 'copy.hangar');
    mkdirSync(copy);
    writeFileSync(path.join(copy, 'vm.json'), readFileSync(path.join(a.bundleDir, 'vm.json')));
    const entries = await store.list();
    expect(entries.map((e) => e.status)).toEqual(['ok', 'broken']);
    expect(entries[1]!.error).toMatchObject({ code: 'exists' });
    expect(entries[1]!.bundleDir).toBe(copy);
    expect((await store.load(a.id)).bundleDir).toBe(a.bundleDir);
  });

  it('lists an unindexed folder with a broken vm.json as broken with no id', async () => {
    const dir = path.join(library, 'junk.hangar');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'vm.json'), 'nope');
    const entries = await store.list();
    expect(entries).toEqual([expect.objectContaining({ status: 'broken', id: null, bundleDir: dir })]);
    const noJson = path.join(library, 'empty.hangar');
    mkdirSync(noJson);
    const again = await store.list();
    expect(again.find((e) => e.bundleDir === noJson)?.error?.message).toContain('has no vm.json');
  });
});

describe('BundleStore.update', () => {
  it('applies the patch, bumps updatedAt and writes vm.json', async () => {
    const a = await store.create(vm('A'));
    const next = await store.update(a.id, { memoryMiB: 4096, description: 'bigger' });
    expect(next).toMatchObject({ memoryMiB: 4096, description: 'bigger', createdAt: NOW });
    expect(next.updatedAt > a.doc.updatedAt).toBe(true);
    expect((await store.load(a.id)).doc).toEqual(next);
  });

  it('refuses frozen fields and invalid results, leaving vm.json untouched', async () => {
    const a = await store.create(vm('A'));
    const before = readFileSync(path.join(a.bundleDir, 'vm.json'), 'utf8');
    const frozen = await storeError(store.update(a.id, { id: randomUUID() } as never));
    expect(frozen.code).toBe('invalid');
    expect(frozen.message).toContain('VM "A"');
    expect((await storeError(store.update(a.id, { disks: [] }))).message).toMatch(/bootOrder\[0\]/);
    expect(readFileSync(path.join(a.bundleDir, 'vm.json'), 'utf8')).toBe(before);
  });

  it('not-found for an unknown id', async () => {
    expect((await storeError(store.update(randomUUID(), { memoryMiB: 512 }))).code).toBe('not-found');
  });

  it('io error when the write fails, and the old document stays', async () => {
    const a = await store.create(vm('A'));
    const failing = new BundleStore(library, { io: { writeFileAtomic: async () => Promise.reject(new Error('EIO')) } });
    const err = await storeError(failing.update(a.id, { memoryMiB: 512 }));
    expect(err).toMatchObject({ code: 'io' });
    expect(err.message).toContain('VM "A"');
    expect((await store.load(a.id)).doc).toEqual(a.doc);
  });

  it('serializes concurrent updates of one VM: no update is lost', async () => {
    const a = await store.create(vm('A'));
    // Each update reads the current document and appends to it; without a queue most appends would be lost.
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.update(a.id, (doc) => ({ description: `${doc.description}${i},` }))));
    const { doc } = await store.load(a.id);
    expect(doc.description.split(',').filter(Boolean).map(Number)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('concurrent updates of different fields all land', async () => {
    const a = await store.create(vm('A'));
    await Promise.all([
      store.update(a.id, { memoryMiB: 3000 }),
      store.update(a.id, { cpu: { count: 3, model: 'max' } }),
      store.update(a.id, { clipboard: 'both' }),
      store.update(a.id, { description: 'd' }),
      store.rename(a.id, 'Renamed'),
    ]);
    expect((await store.load(a.id)).doc).toMatchObject({ memoryMiB: 3000, cpu: { count: 3 }, clipboard: 'both', description: 'd', name: 'Renamed' });
  });
});

describe('BundleStore.rename', () => {
  it('changes the name in vm.json and the folder to the new slug', async () => {
    const a = await store.create(vm('Old name', 'abcdef12-0000-4000-8000-000000000001'));
    const renamed = await store.rename(a.id, 'New name ✓');
    expect(renamed.bundleDir).toBe(path.join(library, 'new-name-abcdef12.hangar'));
    expect(existsSync(a.bundleDir)).toBe(false);
    expect(renamed.doc.name).toBe('New name ✓');
    expect(readIndex().bundles).toEqual([{ id: a.id, path: 'new-name-abcdef12.hangar' }]);
    const loaded = await store.load('new name ✓');
    expect(loaded).toMatchObject({ id: a.id, bundleDir: renamed.bundleDir });
    expect(readdirSync(renamed.bundleDir).sort()).toEqual(['disks', 'logs', 'nvram', 'thumbs', 'vm.json']);
  });

  it('a case-only rename keeps the folder', async () => {
    const a = await store.create(vm('web'));
    const r = await store.rename(a.id, 'WEB');
    expect(r.bundleDir).toBe(a.bundleDir);
    expect((await store.load(a.id)).name).toBe('WEB');
  });

  it('refuses an empty name', async () => {
    const a = await store.create(vm('A'));
    expect((await storeError(store.rename(a.id, '  '))).code).toBe('invalid');
    expect(existsSync(a.bundleDir)).toBe(true);
  });

  it('if the folder rename fails the document keeps the old name', async () => {
    const a = await store.create(vm('Old'));
    const failing = new BundleStore(library, { io: { renameDir: async () => Promise.reject(new Error('EBUSY')) } });
    const err = await storeError(failing.rename(a.id, 'New'));
    expect(err).toMatchObject({ code: 'io' });
    expect(err.message).toMatch(/VM "Old": cannot rename folder .*the name is unchanged: EBUSY/);
    expect((await store.load(a.id))).toMatchObject({ name: 'Old', bundleDir: a.bundleDir });
  });

  it('if writing the new name fails the folder moves back', async () => {
    const a = await store.create(vm('Old'));
    const failing = new BundleStore(library, { io: { writeFileAtomic: async () => Promise.reject(new Error('ENOSPC')) } });
    await expect(failing.rename(a.id, 'New')).rejects.toMatchObject({ code: 'io' });
    expect(existsSync(a.bundleDir)).toBe(true);
    expect((await store.load(a.id))).toMatchObject({ name: 'Old', bundleDir: a.bundleDir });
    expect(readdirSync(library).filter((n) => n.endsWith('.hangar'))).toEqual([path.basename(a.bundleDir)]);
  });

  it('never renames onto an existing folder', async () => {
    const a = await store.create(vm('A', 'abcdef12-0000-4000-8000-000000000001'));
    mkdirSync(path.join(library, 'b-abcdef12.hangar'));
    const r = await store.rename(a.id, 'B');
    expect(path.basename(r.bundleDir)).toBe('b-abcdef12000040008000000000000001.hangar');
    expect(readdirSync(path.join(library, 'b-abcdef12.hangar'))).toEqual([]);
  });
});

describe('BundleStore.delete', () => {
  it('files: true removes the folder and the index entry', async () => {
    const a = await store.create(vm('A'));
    await store.create(vm('B'));
    await store.delete(a.id, { files: true });
    expect(existsSync(a.bundleDir)).toBe(false);
    expect(okNames(await store.list())).toEqual(['B']);
    expect((await storeError(store.load(a.id))).code).toBe('not-found');
  });

  it('files: false keeps the folder and list() does not add it back', async () => {
    const a = await store.create(vm('A'));
    await store.delete(a.id, { files: false });
    expect(existsSync(path.join(a.bundleDir, 'vm.json'))).toBe(true);
    expect(await store.list()).toEqual([]);
    expect(readIndex().excluded).toEqual([path.basename(a.bundleDir)]);
    // A fresh store (new engine) agrees.
    expect(await new BundleStore(library).list()).toEqual([]);
    // And it can be added back explicitly.
    const again = await store.addExisting(a.bundleDir);
    expect(again.id).toBe(a.id);
    expect(readIndex().excluded).toEqual([]);
    expect(okNames(await store.list())).toEqual(['A']);
  });

  it('removes a missing entry from the library', async () => {
    const a = await store.create(vm('A'));
    rmSync(a.bundleDir, { recursive: true });
    await store.delete(a.id, { files: true });
    expect(await store.list()).toEqual([]);
  });

  it('deletes a bundle whose vm.json is corrupt but still names it', async () => {
    const a = await store.create(vm('A'));
    writeFileSync(path.join(a.bundleDir, 'vm.json'), `{"id": "${a.id}", "name": `);
    await store.delete(a.id, { files: true });
    expect(existsSync(a.bundleDir)).toBe(false);
  });

  it('refuses to delete files of a folder whose vm.json is another VM', async () => {
    const a = await store.create(vm('A'));
    writeFileSync(path.join(a.bundleDir, 'vm.json'), serializeVmDocument(vm('Impostor')));
    // The index still says a.id lives there.
    const err = await storeError(store.delete(a.id, { files: true }));
    expect(err.code).toBe('invalid');
    expect(existsSync(a.bundleDir)).toBe(true);
  });

  it('not-found for an unknown id', async () => {
    expect((await storeError(store.delete(randomUUID(), { files: true }))).code).toBe('not-found');
  });
});

describe('BundleStore.addExisting', () => {
  function bundleOutside(name: string, doc: VmDocument = vm(name)): string {
    const dir = path.join(tmp.dir, 'elsewhere', `${name}.hangar`);
    mkdirSync(path.join(dir, 'disks'), { recursive: true });
    writeFileSync(path.join(dir, 'vm.json'), serializeVmDocument(doc));
    return dir;
  }

  it('registers a bundle outside the library by absolute path', async () => {
    await store.create(vm('Inside'));
    const dir = bundleOutside('Outside');
    const added = await store.addExisting(dir);
    expect(added).toMatchObject({ name: 'Outside', bundleDir: dir });
    expect(readIndex().bundles.at(-1)).toEqual({ id: added.id, path: dir });
    expect(okNames(await store.list())).toEqual(['Inside', 'Outside']);
    expect(await store.bundleDir(added.id)).toBe(dir);
    // Updates go to the outside folder.
    await store.update(added.id, { memoryMiB: 1234 });
    expect(JSON.parse(readFileSync(path.join(dir, 'vm.json'), 'utf8')).memoryMiB).toBe(1234);
    // Renaming an outside bundle keeps its folder.
    expect((await store.rename(added.id, 'Renamed')).bundleDir).toBe(dir);
  });

  it('accepts the path of vm.json itself', async () => {
    const dir = bundleOutside('ByFile');
    expect((await store.addExisting(path.join(dir, 'vm.json'))).bundleDir).toBe(dir);
  });

  it('refuses an id clash and a bundle already in the library', async () => {
    const a = await store.create(vm('A'));
    const clash = bundleOutside('Clash', { ...vm('Clash'), id: a.id });
    const err = await storeError(store.addExisting(clash));
    expect(err.code).toBe('exists');
    expect(err.message).toContain(`already used by "A"`);
    expect((await storeError(store.addExisting(a.bundleDir))).message).toContain('already in the library');
  });

  it('refuses an invalid or missing bundle', async () => {
    const dir = path.join(tmp.dir, 'bad.hangar');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'vm.json'), '{"schemaVersion": 9}');
    const err = await storeError(store.addExisting(dir));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/newer Hangar/);
    expect((await storeError(store.addExisting(path.join(tmp.dir, 'nope')))).code).toBe('not-found');
    expect(existsSync(path.join(library, 'library.json'))).toBe(false);
  });

  it('an outside bundle that vanishes is listed as missing', async () => {
    const dir = bundleOutside('Removable');
    const added = await store.addExisting(dir);
    rmSync(dir, { recursive: true });
    expect(await store.list()).toEqual([expect.objectContaining({ status: 'missing', id: added.id, bundleDir: dir })]);
    // files:false on an outside bundle only forgets it.
    await store.delete(added.id, { files: false });
    expect(await store.list()).toEqual([]);
    expect(readIndex().excluded).toEqual([]);
  });
});

describe('BundleStore.bundleDir', () => {
  it('returns the folder of an id and not-found otherwise', async () => {
    const a = await store.create(vm('A'));
    expect(await store.bundleDir(a.id)).toBe(a.bundleDir);
    await expect(store.bundleDir(randomUUID())).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('BundleStore.list document cache', () => {
  it('parses an unchanged vm.json once, re-reads it after an external edit, and hands out copies', async () => {
    const created = await store.create(vm('Cached'));
    const file = path.join(created.bundleDir, 'vm.json');
    const first = await store.list();
    expect(okNames(first)).toEqual(['Cached']);
    // Mutating a returned document must not leak into the next list.
    (first[0]!.doc as VmDocument).name = 'Mutated';
    expect(okNames(await store.list())).toEqual(['Cached']);

    // Unchanged file: served from the cache (a read would fail on the garbage we cannot see through stat).
    const stamp = statSync(file);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('"Cached"', '"Cachex"')); // same size
    utimesSync(file, stamp.atime, stamp.mtime);
    if (statSync(file).mtimeMs === stamp.mtimeMs && statSync(file).ino === stamp.ino) {
      expect(okNames(await store.list())).toEqual(['Cached']);
    }

    // An external edit changes the mtime: the new document is read.
    const later = new Date(stamp.mtimeMs + 5000);
    writeFileSync(file, original.replace('"Cached"', '"Edited by hand"'));
    utimesSync(file, later, later);
    expect(okNames(await store.list())).toEqual(['Edited by hand']);

    // Broken by hand: reported, not served stale from the cache.
    writeFileSync(file, '{ not json');
    utimesSync(file, new Date(stamp.mtimeMs + 10000), new Date(stamp.mtimeMs + 10000));
    const broken = await store.list();
    expect(broken.map((e) => e.status)).toEqual(['broken']);
  });

  it('sees the engine\'s own updates', async () => {
    const created = await store.create(vm('Before'));
    await store.list();
    await store.update(created.id, { memoryMiB: 2048 });
    const [entry] = await store.list();
    expect(entry?.doc?.memoryMiB).toBe(2048);
  });
});

describe('BundleStore tags (library.json, not vm.json)', () => {
  it('stores tags per VM in the index, dedupes them, keeps them across scans and drops them on delete', async () => {
    const a = await store.create(vm('A'));
    const b = await store.create(vm('B'));
    const before = readFileSync(path.join(a.bundleDir, 'vm.json'), 'utf8');
    expect(await store.setTags(a.id, ['web', 'lab', 'web'])).toEqual(['web', 'lab']);
    await store.setTags(b.id, ['lab']);
    expect(readFileSync(path.join(a.bundleDir, 'vm.json'), 'utf8')).toBe(before);
    expect((readIndex() as { tags?: unknown }).tags).toEqual({ [a.id]: ['web', 'lab'], [b.id]: ['lab'] });
    await store.list(); // a scan rewriting nothing keeps them
    expect((await store.listWithTags()).tags.get(a.id)).toEqual(['web', 'lab']);
    expect(Object.fromEntries(await store.tags())).toEqual({ [a.id]: ['web', 'lab'], [b.id]: ['lab'] });

    await store.setTags(b.id, []);
    expect(Object.fromEntries(await store.tags())).toEqual({ [a.id]: ['web', 'lab'] });
    await store.delete(a.id, { files: true });
    expect(await store.tags()).toEqual(new Map());
    expect(readIndex()).toEqual({ version: 1, bundles: [{ id: b.id, path: path.basename(b.bundleDir) }], excluded: [] });
  });

  it('refuses tags for an unknown VM', async () => {
    const err = await storeError(store.setTags(randomUUID(), ['x']));
    expect(err.code).toBe('not-found');
  });
});

describe('BundleStore: one machine per name', () => {
  it('create refuses a name another machine has, ignoring case, spacing and look-alikes, and writes nothing', async () => {
    const first = await store.create(vm('Web'));
    for (const name of ['Web', 'web', ' WEB ', 'ＷＥＢ', 'we\u200bb']) {
      const err = await storeError(store.create(vm(name)));
      expect(err.code).toBe('name-taken');
      expect(err.message).toMatch(/^a machine named "Web" already exists \(id [0-9a-f-]+\)/);
      expect(err.matches).toEqual([{ id: first.id, name: 'Web' }]);
    }
    expect(readdirSync(library).filter((f) => f.endsWith('.hangar'))).toHaveLength(1);
    expect(readIndex().bundles).toHaveLength(1);
    // After the refusals a name still finds exactly one machine.
    expect((await store.load('web')).id).toBe(first.id);
  });

  it('rename refuses another machine\'s name but lets a machine change the case of its own', async () => {
    await store.create(vm('Web'));
    const db = await store.create(vm('db'));
    const err = await storeError(store.rename(db.id, 'WEB'));
    expect(err.code).toBe('name-taken');
    expect((await store.load(db.id)).name).toBe('db');
    expect((await store.rename(db.id, 'DB')).name).toBe('DB');
  });

  it('a settings patch that renames follows the same rule', async () => {
    await store.create(vm('Web'));
    const db = await store.create(vm('db'));
    const err = await storeError(store.update(db.id, { name: 'web' }));
    expect(err.code).toBe('name-taken');
    expect((await store.load(db.id)).name).toBe('db');
  });

  it('addExisting refuses a bundle whose machine has a name already in the library', async () => {
    await store.create(vm('Web'));
    const other = new BundleStore(path.join(tmp.dir, 'elsewhere'), { now: clock });
    const outside = await other.create(vm('web'));
    const err = await storeError(store.addExisting(outside.bundleDir));
    expect(err.code).toBe('name-taken');
    expect(readIndex().bundles).toHaveLength(1);
  });

  it('assertNameFree: the early check used before slow work (clone copies, disk imports)', async () => {
    const web = await store.create(vm('Web'));
    await expect(store.assertNameFree('web')).rejects.toMatchObject({ code: 'name-taken' });
    await expect(store.assertNameFree('web', web.id)).resolves.toBeUndefined();
    await expect(store.assertNameFree('Web 2')).resolves.toBeUndefined();
  });
});
