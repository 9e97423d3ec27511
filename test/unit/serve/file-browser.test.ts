import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, type FsRoot } from '../../../src-shared/contract/index.js';
import { fileRoots, isInside, listDir, resolveInsideRoots, withFileBrowser } from '../../../src-main/engine/file-browser.js';
import type { Engine } from '../../../src-main/engine/engine.js';

let base: string;
let home: string;
let library: string;
let allowed: string;
let outside: string;
let roots: FsRoot[];

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'hangar-fb-')));
  home = join(base, 'home');
  library = join(base, 'library');
  allowed = join(base, 'isos');
  outside = join(base, 'secret');
  for (const d of [home, library, allowed, outside, join(home, 'Downloads')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(home, 'Downloads', 'debian.iso'), 'x'.repeat(1234));
  writeFileSync(join(outside, 'key'), 'secret');
  writeFileSync(join(allowed, 'b.iso'), '');
  symlinkSync(outside, join(home, 'escape'));
  symlinkSync(join(outside, 'key'), join(home, 'key-link'));
  symlinkSync(join(base, 'nowhere'), join(home, 'dangling'));
  symlinkSync(join(home, 'Downloads'), join(allowed, 'downloads-link'));
  roots = await fileRoots({ libraryDir: library, browserRoots: [allowed, join(base, 'missing')], home });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

async function refused(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe('file browser roots', () => {
  it('are home, the library and each --allow-dir that exists (named by its path)', () => {
    expect(roots).toEqual([
      { path: home, label: 'Home' },
      { path: library, label: 'Library' },
      { path: allowed, label: allowed },
    ]);
  });

  it('isInside compares whole path components', () => {
    expect(isInside('/a/b', '/a')).toBe(true);
    expect(isInside('/a', '/a')).toBe(true);
    expect(isInside('/ab', '/a')).toBe(false);
    expect(isInside('/a/..b', '/a')).toBe(true);
    expect(isInside('/', '/a')).toBe(false);
  });

  it('lists a folder inside a root, folders first, links inside the roots followed', async () => {
    const r = await listDir(home, roots);
    expect(r.dir).toBe(home);
    expect(r.parent).toBeNull();
    // Links that lead out of the roots say nothing of their targets (a folder, a 6-byte file): like a dangling one.
    expect(r.entries).toEqual([
      { name: 'Downloads', kind: 'dir', size: 0 },
      { name: 'dangling', kind: 'other', size: 0 },
      { name: 'escape', kind: 'other', size: 0 },
      { name: 'key-link', kind: 'other', size: 0 },
    ]);
    expect((await listDir(allowed, roots)).entries).toContainEqual({ name: 'downloads-link', kind: 'dir', size: 0 });
    const sub = await listDir(join(home, 'Downloads'), roots);
    expect(sub.parent).toBe(home);
    expect(sub.entries).toEqual([{ name: 'debian.iso', kind: 'file', size: 1234 }]);
  });

  it('refuses folders outside the roots, naming --allow-dir', async () => {
    const err = await refused(listDir(outside, roots));
    expect(err.code).toBe('invalid-args');
    expect(err.message).toContain('--allow-dir');
    await refused(listDir(base, roots));
    await refused(listDir('/', roots));
    await refused(listDir(join(home, '..', 'secret'), roots));
  });

  it('refuses a symlink that leads out of the roots', async () => {
    const err = await refused(listDir(join(home, 'escape'), roots));
    expect(err.message).toContain('--allow-dir');
    await refused(resolveInsideRoots(join(home, 'key-link'), roots));
    await refused(resolveInsideRoots(join(home, 'escape', 'not-yet-created.iso'), roots));
  });

  it('follows a symlink between roots', async () => {
    expect(await resolveInsideRoots(join(allowed, 'downloads-link', 'debian.iso'), roots)).toBe(join(home, 'Downloads', 'debian.iso'));
  });

  it('refuses relative paths and NUL bytes; allows files not created yet inside a root', async () => {
    await refused(resolveInsideRoots('Downloads', roots));
    await refused(resolveInsideRoots(`${home}/a\0b`, roots));
    expect(await resolveInsideRoots(join(library, 'new', 'disk.qcow2'), roots)).toBe(join(library, 'new', 'disk.qcow2'));
  });

  it('reports missing folders and files as such', async () => {
    expect((await refused(listDir(join(home, 'nope'), roots))).code).toBe('not-found');
    expect((await refused(listDir(join(home, 'Downloads', 'debian.iso'), roots))).code).toBe('invalid-args');
  });
});

describe('typed paths when the engine serves a browser host', () => {
  const calls: string[] = [];
  const base2 = {
    'vm.create': async () => {
      calls.push('create');
      return {} as never;
    },
    'vm.addExisting': async () => {
      calls.push('add');
      return {} as never;
    },
    'vm.update': async () => {
      calls.push('update');
      return {} as never;
    },
    'iso.inspect': async () => {
      calls.push('inspect');
      return {} as never;
    },
    'vm.previewArgv': async () => {
      calls.push('preview');
      return {} as never;
    },
  };
  const fakeEngine = (browserRoots: string[] | null) =>
    ({
      libraryDir: library,
      browserRoots,
      store: { load: async () => ({ id: 'x', name: 'vm', bundleDir: join(library, 'vm.hangar'), doc: { disks: [], cdroms: [], shares: [] } }) },
      sessions: new Map(),
      stateOf: () => ({ kind: 'stopped' }),
      runtimeDir: '/tmp',
    }) as unknown as Engine;
  const client = { clientId: 1, followSerial: () => undefined };
  const handlers = (roots2: string[] | null) => withFileBrowser(fakeEngine(roots2), base2 as never);

  it('are refused outside the roots', async () => {
    const h = handlers([allowed]);
    const err = await refused(h['vm.create']({ name: 'a', iso: join(outside, 'key') }, client));
    expect(err.message).toContain('--allow-dir');
    await refused(h['vm.create']({ name: 'a', existingDisk: join(home, 'key-link') }, client));
    await refused(h['vm.addExisting']({ path: join(home, 'escape') }, client));
    await refused(h['vm.update']({ vm: 'x', patch: { cdroms: [{ id: 'cd0', path: join(outside, 'key'), bus: 'sata' }] } }, client));
    await refused(h['vm.update']({ vm: 'x', patch: { disks: [{ id: 'd', path: '../../secret/key' }] } }, client));
    await refused(h['iso.inspect']({ path: join(home, 'key-link') }, client));
    await refused(h['vm.create']({ name: 'a', folder: outside }, client));
    await refused(h['vm.previewArgv']({ name: 'a', iso: join(outside, 'key') }, client));
    await refused(h['vm.previewArgv']({ name: 'a', folder: outside }, client));
    expect(calls).toEqual([]);
  });

  it('pass inside the roots', async () => {
    const h = handlers([allowed]);
    await h['vm.create']({ name: 'a', iso: join(allowed, 'b.iso') }, client);
    await h['vm.update']({ vm: 'x', patch: { disks: [{ id: 'd', path: 'disks/disk0.qcow2' }] } }, client);
    await h['iso.inspect']({ path: join(allowed, 'b.iso') }, client);
    await h['vm.previewArgv']({ name: 'a', iso: join(allowed, 'b.iso'), folder: allowed }, client);
    expect(calls).toEqual(['create', 'update', 'inspect', 'preview']);
  });

  it('are not restricted for the desktop app and the CLI', async () => {
    calls.length = 0;
    const h = handlers(null);
    await h['vm.create']({ name: 'a', iso: join(outside, 'key') }, client);
    expect(calls).toEqual(['create']);
  });

  it('fs.roots and fs.list work without browser roots too (home and library)', async () => {
    const h = handlers(null);
    const r = await h['fs.roots']({}, client);
    expect(r.roots.map((x) => x.label)).toContain('Library');
    await refused(h['fs.list']({ dir: outside }, client));
  });

  it('vm.displaySocket refuses a VM that is not running', async () => {
    const err = await refused(handlers(null)['vm.displaySocket']({ vm: 'x' }, client));
    expect(err.code).toBe('invalid-state');
  });
});
