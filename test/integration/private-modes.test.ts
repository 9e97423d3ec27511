import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { newVmDocument, serializeVmDocument } from '../../src-shared/vm-document/index.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { makeTestEnv, openEngine, qemuPidsUnder, serialWait, stateWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

const mode = (p: string): string => (lstatSync(p).mode & 0o777).toString(8);

/** Every folder and file under `dir` (symlinks left out) with its mode, as `relative path: mode`. */
function modesUnder(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink() || st.isSocket()) continue;
    out.push(`${p.slice(base.length + 1)}: ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) out.push(...modesUnder(p, base));
  }
  return out;
}

describe('a library is private: folders 0700, files 0600 (real engine, real QEMU)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let oldUmask: number;

  beforeAll(async () => {
    // A usual login umask: the engine, not the test, must make things private.
    oldUmask = process.umask(0o022);
    t = makeTestEnv();
    chmodSync(t.root, 0o755);
  });
  afterAll(async () => {
    await e?.close();
    const orphans = qemuPidsUnder(t.runtimeBase);
    t.cleanup();
    process.umask(oldUmask);
    expect(orphans).toEqual([]);
  });

  it('what create, start (QEMU writes the serial log), stop and export make is owner-only', async () => {
    e = await openEngine(t);
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id, bundleDir } = await e.client.call('vm.create', { name: 'private', existingDisk: disk, existingDiskMode: 'copy', memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    const stopped = stateWait(e.client, id, 'stopped');
    await e.client.call('vm.forceOff', { vm: id });
    await stopped;
    const exported = join(t.root, 'out');
    mkdirSync(exported);
    const { path: archive } = await e.client.call('vm.export', { vm: id, path: join(exported, 'private.tar') });
    // The archive's entries are 0644: an imported bundle must not keep that.
    const imported = await e.client.call('vm.import', { path: archive, name: 'imported' });
    expect(modesUnder(imported.bundleDir).length).toBeGreaterThan(3);

    expect(mode(t.libraryDir)).toBe('700');
    const all = modesUnder(t.libraryDir);
    // The things the issue names are there to be checked...
    for (const want of ['library.json', 'disks', 'vm.json', 'logs', 'logs/qemu.log', 'logs/serial.log', 'thumbs/last.png']) {
      expect(all.some((l) => l.startsWith(`${bundleDir.slice(t.libraryDir.length + 1)}/${want}: `) || l.startsWith(`${want}: `)), want).toBe(true);
    }
    expect(readdirSync(join(bundleDir, 'disks'))).not.toEqual([]);
    // ...and nothing under the library is open to group or others.
    expect(all.filter((l) => !/: [67]00$/.test(l))).toEqual([]);
    expect(mode(archive)).toBe('600');
    expect(statSync(archive).size).toBeGreaterThan(0);
  });

  it('an existing library with 0755 folders and 0644 files is tightened when an engine opens it; symlinks are not followed', async () => {
    const { bundleDir } = await e.client.call('vm.create', { name: 'old modes' });
    await e.close();
    // What an older Hangar left: world-readable everything, and a link to a file that is not the library's.
    const outside = join(t.root, 'not-ours.txt');
    writeFileSync(outside, 'x');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(bundleDir, 'logs', 'link-out.txt'));
    const loosen = (dir: string): void => {
      chmodSync(dir, 0o755);
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        const st = lstatSync(p);
        if (st.isSymbolicLink() || st.isSocket()) continue;
        if (st.isDirectory()) loosen(p);
        else chmodSync(p, 0o644);
      }
    };
    loosen(t.libraryDir);
    expect(modesUnder(t.libraryDir).filter((l) => /: 7?[46][45][45]$/.test(l)).length).toBeGreaterThan(5);

    e = await openEngine(t);
    expect(mode(t.libraryDir)).toBe('700');
    expect(modesUnder(t.libraryDir).filter((l) => !/: [67]00$/.test(l))).toEqual([]);
    expect(mode(outside)).toBe('644');

    // A bundle added from elsewhere keeps nothing open either.
    const foreign = join(t.root, 'elsewhere', 'copied.hangar');
    mkdirSync(join(foreign, 'logs'), { recursive: true, mode: 0o755 });
    writeFileSync(join(foreign, 'vm.json'), serializeVmDocument(newVmDocument({ id: randomUUID(), name: 'copied', now: new Date().toISOString(), mac: '52:54:00:12:34:57' })), { mode: 0o644 });
    writeFileSync(join(foreign, 'logs', 'serial.log'), 'old secrets', { mode: 0o644 });
    chmodSync(foreign, 0o755);
    await e.client.call('vm.addExisting', { path: foreign });
    expect(modesUnder(foreign).sort()).toEqual(['logs: 700', 'logs/serial.log: 600', 'vm.json: 600'].sort());
    expect(mode(foreign)).toBe('700');
  });
});
