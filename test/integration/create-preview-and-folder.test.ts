// vm.previewArgv (the wizard's command line before anything exists) and vm.create's `folder` (a machine
// created outside the library folder, still listed by it), against a real engine, real files and QEMU's probe.
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths } from '../helpers/fixtures.js';
import { useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { startUnprivilegedEngine } from '../helpers/unprivileged.js';
import { main } from '../../src-main/cli/main.js';

/** Every path under `dir` with its size and mtime: "nothing was written" means this does not change. */
function snapshotTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      out.push(`${p} ${s.size} ${s.mtimeMs}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe('vm.previewArgv', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => {
    t = env;
    e = engine;
  });

  it('gives the argv vm.create would give, and writes nothing', async () => {
    // A library that already has something in it, so "unchanged" means something.
    await e.client.call('vm.create', { name: 'existing', memoryMiB: 64, cpus: 1 });
    const before = snapshotTree(t.libraryDir);
    const outside = join(t.root, 'elsewhere, with a comma');
    mkdirSync(outside);
    const args = { name: 'Preview me', iso: fixturePaths.linuxIso, diskSizeGiB: 4, memoryMiB: 384, cpus: 2, osId: 'generic', firmware: 'bios' as const };

    const { argv } = await e.client.call('vm.previewArgv', args);
    expect(argv[0]).toMatch(/qemu-system-x86_64$/);
    expect(argv[argv.indexOf('-m') + 1]).toBe('size=384M');
    expect(argv[argv.indexOf('-smp') + 1]).toBe('cpus=2');
    expect(argv.some((a) => a.includes(fixturePaths.linuxIso))).toBe(true);
    expect(argv.some((a) => a.includes(join(t.libraryDir, 'preview-me-')) && a.includes('disk0.qcow2'))).toBe(true);

    const inFolder = await e.client.call('vm.previewArgv', { ...args, folder: outside });
    // QEMU's option syntax doubles commas in paths (option-string.ts).
    expect(inFolder.argv.some((a) => a.includes(`${outside.replace(/,/g, ',,')}/preview-me-`))).toBe(true);

    expect(snapshotTree(t.libraryDir)).toEqual(before);
    expect(readdirSync(outside)).toEqual([]);
    expect((await e.client.call('library.list', {})).map((v) => v.name)).toEqual(['existing']);
    expect(e.engine.sessions.size).toBe(0);
  });

  it('refuses with the same errors as vm.create', async () => {
    const before = snapshotTree(t.libraryDir);
    const bad = [
      { name: 'x', iso: join(t.root, 'missing.iso') },
      { name: 'x', diskSizeGiB: 1, existingDisk: fixturePaths.bootImg },
      { name: 'x', existingDiskMode: 'copy' as const },
      { name: 'x', folder: 'relative/folder' },
    ];
    for (const args of bad) {
      const create = await e.client.call('vm.create', args).then(() => null, (err: unknown) => err);
      const preview = await e.client.call('vm.previewArgv', args).then(() => null, (err: unknown) => err);
      expect(create, JSON.stringify(args)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(preview).toMatchObject({ code: (create as { code: string }).code, message: (create as { message: string }).message });
    }
    expect(snapshotTree(t.libraryDir)).toEqual(before);
  });
});

describe('vm.create in a folder of the user’s choosing', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => {
    t = env;
    e = engine;
  });

  it('creates the bundle there; the library lists, loads, renames and deletes it', async () => {
    const folder = join(t.root, 'my vms, "quoted" $HOME');
    mkdirSync(folder);
    const created = await e.client.call('vm.create', { name: 'Outside', diskSizeGiB: 1, memoryMiB: 64, cpus: 1, folder });
    expect(created.bundleDir.startsWith(`${folder}/outside-`)).toBe(true);
    expect(created.bundleDir).toMatch(/\.hangar$/);
    expect(existsSync(join(created.bundleDir, 'vm.json'))).toBe(true);
    expect(existsSync(join(created.bundleDir, 'disks', 'disk0.qcow2'))).toBe(true);
    expect(readdirSync(t.libraryDir).filter((n) => n.endsWith('.hangar'))).toEqual([]);
    const index = JSON.parse(readFileSync(join(t.libraryDir, 'library.json'), 'utf8')) as { bundles: Array<{ id: string; path: string }> };
    expect(index.bundles).toContainEqual({ id: created.id, path: created.bundleDir });

    const list = await e.client.call('library.list', {});
    expect(list.find((v) => v.id === created.id)).toMatchObject({ name: 'Outside', bundleDir: created.bundleDir });
    expect((await e.client.call('vm.get', { vm: created.id })).bundleDir).toBe(created.bundleDir);
    const { argv } = await e.client.call('vm.argv', { vm: created.id });
    expect(argv.some((a) => a.includes('disk0.qcow2'))).toBe(true);
    // Outside bundles keep their folder on rename (the user chose where it lives).
    expect((await e.client.call('vm.rename', { vm: created.id, name: 'Outside too' })).bundleDir).toBe(created.bundleDir);

    await e.client.call('vm.delete', { vm: created.id, files: true });
    expect(existsSync(created.bundleDir)).toBe(false);
    expect(existsSync(folder)).toBe(true);
    expect(await e.client.call('library.list', {})).toEqual([]);
  });

  it('the library folder itself as the folder: an ordinary library bundle', async () => {
    const created = await e.client.call('vm.create', { name: 'inside', memoryMiB: 64, cpus: 1, folder: `${t.libraryDir}/` });
    expect(created.bundleDir.startsWith(join(t.libraryDir, 'inside-'))).toBe(true);
    const index = JSON.parse(readFileSync(join(t.libraryDir, 'library.json'), 'utf8')) as { bundles: Array<{ id: string; path: string }> };
    expect(index.bundles.find((b) => b.id === created.id)?.path).toMatch(/^inside-[0-9a-f]{8}\.hangar$/);
    await e.client.call('vm.delete', { vm: created.id, files: true });
  });

  it('copies an existing image into a bundle outside the library', async () => {
    const folder = join(t.root, 'copies');
    mkdirSync(folder);
    const created = await e.client.call('vm.create', { name: 'copied', existingDisk: fixturePaths.bootImg, existingDiskMode: 'copy', memoryMiB: 64, cpus: 1, folder });
    expect(created.bundleDir.startsWith(folder)).toBe(true);
    expect(statSync(join(created.bundleDir, 'disks', 'disk0.img')).size).toBe(statSync(fixturePaths.bootImg).size);
    expect(readdirSync(t.libraryDir).filter((n) => n.endsWith('.partial'))).toEqual([]);
    await e.client.call('vm.delete', { vm: created.id, files: true });
  });

  it('refuses a relative, missing, non-folder, system or unwritable folder, leaving nothing behind', async () => {
    const file = join(t.root, 'a-file');
    writeFileSync(file, 'x');
    const before = snapshotTree(t.libraryDir);
    const refusal = (folder: string) => e.client.call('vm.create', { name: 'nowhere', memoryMiB: 64, cpus: 1, folder }).then(() => null, (err: unknown) => err);
    expect(await refusal('vms')).toMatchObject({ code: 'invalid-args', message: 'the folder for the machine must be an absolute path (got "vms")' });
    expect(await refusal(join(t.root, 'nope'))).toMatchObject({ code: 'not-found', message: `the folder for the machine does not exist: ${join(t.root, 'nope')}` });
    expect(await refusal(file)).toMatchObject({ code: 'invalid-args', message: `the folder for the machine is not a folder: ${file}` });
    expect(await refusal('/etc')).toMatchObject({ code: 'invalid-args', message: expect.stringContaining('/etc is a system folder') });
    // Root writes anywhere, and CI runs as root: an engine run as an unprivileged user is asked instead.
    const u = await startUnprivilegedEngine();
    try {
      const locked = join(u.t.root, 'locked');
      mkdirSync(locked);
      u.own(locked);
      chmodSync(locked, 0o500);
      const err = await u.client.call('vm.create', { name: 'nowhere', memoryMiB: 64, cpus: 1, folder: locked }).then(() => null, (x: unknown) => x);
      expect(err).toMatchObject({ code: 'invalid-args', message: `cannot create the machine's folder in ${locked}: it is not writable` });
      expect(readdirSync(locked)).toEqual([]);
      expect(await u.client.call('library.list', {})).toEqual([]);
    } finally {
      await u.close();
    }
    expect(snapshotTree(t.libraryDir)).toEqual(before);
    expect(await e.client.call('library.list', {})).toEqual([]);
  });

  it('hangar create NAME --folder DIR', async () => {
    const folder = join(t.root, 'cli folder');
    mkdirSync(folder);
    const r = { out: '', err: '' };
    const io = { out: (s: string) => void (r.out += s), err: (s: string) => void (r.err += s) };
    expect(await main(['--library', t.libraryDir, 'create', 'from cli', '--folder', folder, '--memory', '64'], io)).toBe(0);
    expect(r.err).toBe('');
    const id = r.out.trim();
    const { bundleDir } = await e.client.call('vm.get', { vm: id });
    expect(bundleDir.startsWith(`${folder}/from-cli-`)).toBe(true);
    await e.client.call('vm.delete', { vm: id, files: true });
  });
});
