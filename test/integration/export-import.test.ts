import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tar from 'tar';
import { main } from '../../src-main/cli/main.js';
import { CURRENT_SCHEMA_VERSION } from '../../src-shared/vm-document/schema.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { spawnHangar } from '../helpers/cli-runner.js';
import { failure, jobEventsOf, makeTestEnv, repoRoot, serialWait, stateWait, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

/** A tar built entry by entry (tar's own Header encoder), so hostile entries can be written as they are. */
function rawTar(entries: Array<{ path: string; type?: string; linkpath?: string; data?: Buffer | string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const header = Buffer.alloc(512);
    const type = (e.type ?? 'File') as 'File';
    const size = type === 'File' ? data.length : 0;
    new tar.Header({ path: e.path, type, size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, ...(e.linkpath ? { linkpath: e.linkpath } : {}) }).encode(header, 0);
    blocks.push(header);
    if (size > 0) blocks.push(data, Buffer.alloc((512 - (size % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describe('export and import a VM bundle (real qemu-img, tar and QEMU)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let id: string;
  let bundleDir: string;
  let vmJson: string;
  const libraryListing = (): string[] => readdirSync(t.libraryDir).sort();
  const jobEvents = (jobId: string) => jobEventsOf(e.events, jobId);

  useEngineEnv(
    (env, engine) => {
      t = env;
      e = engine;
    },
    { orphanMessage: 'no QEMU process may outlive the suite' },
  );

  beforeAll(async () => {
    // The boot sector inside the bundle, named by its absolute path (as disk.add stores it): export makes it relative.
    const outside = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, outside);
    ({ id, bundleDir } = await e.client.call('vm.create', { name: 'Export me', existingDisk: outside, memoryMiB: 64, cpus: 1 }));
    copyFileSync(outside, join(bundleDir, 'disks', 'boot.img'));
    const doc = (await e.client.call('vm.get', { vm: id })).doc;
    await e.client.call('vm.update', { vm: id, patch: { disks: [{ ...doc.disks[0]!, path: join(bundleDir, 'disks', 'boot.img') }] } });
    writeFileSync(join(bundleDir, 'logs', 'serial.log'), 'old run\n');
    vmJson = readFileSync(join(bundleDir, 'vm.json'), 'utf8');
  });

  it('exports with progress, imports under a new name and id, and the copy boots', async () => {
    const archive = join(t.root, 'export-me.tar.gz');
    // A symlink someone put into the bundle is not archived (imports refuse links).
    symlinkSync('/etc/hostname', join(bundleDir, 'thumbs', 'link.png'));
    const jobId = 'export-1';
    const r = await e.client.call('vm.export', { vm: id, path: archive, jobId });
    expect(r).toMatchObject({ jobId, path: archive });
    expect(r.bytes).toBe(statSync(archive).size);
    const events = jobEvents(jobId);
    expect(events[0]).toMatchObject({ kind: 'vm-export', status: 'running', percent: 0, vmId: id });
    expect(events.at(-1)).toMatchObject({ status: 'concluded', percent: 100 });
    expect(readdirSync(t.root).filter((f) => f.includes('.partial'))).toEqual([]);

    // One top folder; logs left out; vm.json's disk path made relative.
    const names: string[] = [];
    let archivedDoc = '';
    await tar.t({
      file: archive,
      onReadEntry: (entry) => {
        names.push(entry.path);
        if (entry.path.endsWith('/vm.json')) entry.on('data', (c: Buffer) => (archivedDoc += c.toString()));
        else entry.resume();
      },
    });
    const top = bundleDir.split('/').at(-1)!;
    expect(names.every((n) => n.startsWith(`${top}/`) || n === top)).toBe(true);
    expect(names).toContain(`${top}/disks/boot.img`);
    expect(names[0]).toBe(`${top}/vm.json`);
    expect(names.filter((n) => n.endsWith('/vm.json'))).toHaveLength(1);
    expect(names.some((n) => n.includes('/logs'))).toBe(false);
    expect(names.some((n) => n.includes('link.png'))).toBe(false);
    expect(JSON.parse(archivedDoc).disks[0].path).toBe('disks/boot.img');
    expect(readFileSync(join(bundleDir, 'vm.json'), 'utf8')).toBe(vmJson);

    // The same id is in the library: the import gets a new id (and MAC), and the name asked for.
    const imported = await e.client.call('vm.import', { path: archive, name: 'Imported copy' });
    expect(imported.newId).toBe(true);
    expect(imported.warnings).toEqual([]);
    expect(imported.id).not.toBe(id);
    expect(imported.doc.name).toBe('Imported copy');
    expect(imported.doc.network.mode === 'user' && imported.doc.network.mac).not.toBe(JSON.parse(vmJson).network.mac);
    expect(imported.bundleDir.startsWith(t.libraryDir)).toBe(true);
    expect(existsSync(join(imported.bundleDir, 'logs'))).toBe(true);
    const list = await e.client.call('library.list', {});
    expect(list.map((v) => v.name).sort()).toEqual(['Export me', 'Imported copy']);
    expect(e.events.some((x) => x.type === 'vm.added' && x.vmId === imported.id)).toBe(true);

    await serialWait(e.client, imported.id, markers.bootOk, () => e.client.call('vm.start', { vm: imported.id }));
    const stopped = stateWait(e.client, imported.id, 'stopped');
    await e.client.call('vm.forceOff', { vm: imported.id });
    await stopped;
  }, 60_000);

  it('import names: an archive whose machine name is taken becomes "Name (2)"; a taken --name is refused before extracting', async () => {
    const archive = join(t.root, 'names.tar.gz');
    await e.client.call('vm.export', { vm: id, path: archive });
    const before = readdirSync(t.libraryDir).sort();
    // Case and spacing do not make a name new (VirtualBox's appliance import also refuses a taken name it was given).
    const refused = await failure(e.client.call('vm.import', { path: archive, name: ' export ME ' }));
    expect(refused.code).toBe('name-taken');
    expect(refused.message).toMatch(/^a machine named "Export me" already exists \(id [0-9a-f-]+\); choose another name for the import, e\.g\. "export ME \(2\)"$/);
    expect(readdirSync(t.libraryDir).sort()).toEqual(before);
    // Without --name the archive's own name is made unique, as VirtualBox's import proposes "Name_1".
    const first = await e.client.call('vm.import', { path: archive });
    expect(first.doc.name).toBe('Export me (2)');
    const second = await e.client.call('vm.import', { path: archive });
    expect(second.doc.name).toBe('Export me (3)');
    // Every name still finds exactly one machine.
    expect((await e.client.call('vm.get', { vm: 'export me (2)' })).doc.name).toBe('Export me (2)');
    for (const v of [first, second]) await e.client.call('vm.delete', { vm: v.id, files: true });
  });

  it('exports and imports through the CLI (plain .tar), printing progress and the new id', async () => {
    const archive = join(t.root, 'cli.tar');
    const other = makeTestEnv();
    try {
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
      // Through the engine that owns the library (its control socket).
      expect(await main(['--library', t.libraryDir, 'export', 'Export me', archive], io as never)).toBe(0);
      expect(err.join('')).toMatch(/Exporting 100%/);
      expect(out.join('')).toContain(archive);
      // A plain tar: no gzip magic.
      expect(readFileSync(archive).subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
      expect((await main(['--library', t.libraryDir, 'export', 'Export me', archive], io as never))).toBe(1);
      // Into a library no engine owns yet: the real CLI starts its background engine (a process of its own).
      const imported = await spawnHangar(other, 'import', archive);
      expect(imported.code, imported.stderr).toBe(0);
      const newId = imported.stdout.trim();
      // Nobody has this id in the other library: it is kept.
      expect(newId).toBe(id);
      expect(readdirSync(other.libraryDir).filter((f) => f.endsWith('.hangar'))).toHaveLength(1);
    } finally {
      other.cleanup();
    }
  });

  it('refuses to export a running VM, and a disk outside the bundle or a linked clone, saying what to do', async () => {
    const archive = join(t.root, 'nope.tar.gz');
    const outside = await e.client.call('vm.create', { name: 'Outside disk', existingDisk: join(t.root, 'boot.img'), memoryMiB: 64, cpus: 1 });
    const err1 = await failure(e.client.call('vm.export', { vm: outside.id, path: archive }));
    expect(err1.code).toBe('invalid-state');
    expect(err1.message).toMatch(/disk disk0's image .*boot\.img lies outside the machine's folder/);

    const base = join(t.root, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '16M']);
    const linked = await e.client.call('vm.create', { name: 'Linked', diskSizeGiB: 0.0625, memoryMiB: 64, cpus: 1 });
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', join(linked.bundleDir, 'disks', 'disk0.qcow2')]);
    const err2 = await failure(e.client.call('vm.export', { vm: linked.id, path: archive }));
    expect(err2.code).toBe('invalid-state');
    expect(err2.message).toMatch(/backing file .*base\.qcow2 lies outside the machine's folder \(a linked clone\); convert it into a standalone image first/);

    const err4 = await failure(e.client.call('vm.export', { vm: id, path: join(bundleDir, 'self.tar.gz') }));
    expect(err4.message).toMatch(/into its own folder/);

    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    const err3 = await failure(e.client.call('vm.export', { vm: id, path: archive }));
    expect(err3.code).toBe('invalid-state');
    expect(err3.message).toMatch(/cannot export "Export me" while it is running; shut it down first/);
    const stopped = stateWait(e.client, id, 'stopped');
    await e.client.call('vm.forceOff', { vm: id });
    await stopped;
    expect(existsSync(archive)).toBe(false);
    expect(readdirSync(t.root).filter((f) => f.includes('.partial'))).toEqual([]);
  }, 30_000);

  it('a cancelled export leaves no file behind', async () => {
    // A bigger disk so the export runs long enough to be cancelled.
    execFileSync('dd', ['if=/dev/urandom', `of=${join(bundleDir, 'disks', 'filler.raw')}`, 'bs=1M', 'count=48', 'status=none']);
    const archive = join(t.root, 'cancelled.tar.gz');
    const jobId = 'export-cancel';
    const running = e.client.call('vm.export', { vm: id, path: archive, jobId });
    await new Promise<void>((resolve) => {
      const off = e.client.onEvent((x) => {
        if (x.type === 'vm.job' && x.jobId === jobId && (x.percent ?? 0) >= 1) {
          off();
          resolve();
        }
      });
    });
    await e.client.call('job.cancel', { jobId });
    const err = await failure(running);
    expect(err.code).toBe('invalid-state');
    expect(err.message).toMatch(/export was cancelled; no archive was written/);
    expect(jobEvents(jobId).at(-1)).toMatchObject({ status: 'failed', cancelled: true });
    expect(existsSync(archive)).toBe(false);
    expect(readdirSync(t.root).filter((f) => f.includes('cancelled'))).toEqual([]);
  }, 30_000);

  it('a cancelled import (while extracting) leaves nothing in the library', async () => {
    const archive = join(t.root, 'big.tar');
    await e.client.call('vm.export', { vm: id, path: archive });
    const before = libraryListing();
    const jobId = 'import-cancel';
    const running = e.client.call('vm.import', { path: archive, jobId });
    await new Promise<void>((resolve) => {
      const off = e.client.onEvent((x) => {
        if (x.type === 'vm.job' && x.jobId === jobId && (x.percent ?? 0) >= 41) {
          off();
          resolve();
        }
      });
    });
    await e.client.call('job.cancel', { jobId });
    const err = await failure(running);
    expect(err.message).toMatch(/import was cancelled; nothing was added to the library/);
    expect(jobEvents(jobId).at(-1)).toMatchObject({ status: 'failed', cancelled: true, vmId: jobId, kind: 'vm-import', subject: 'Export me (2)' }); // the name it would have had: the source machine is in this library
    expect(libraryListing()).toEqual(before);
  }, 30_000);

  it('imports an archive whose vm.json is an older schema version (migrated), dropping what may not come along', async () => {
    const src = join(t.root, 'legacy-src');
    mkdirSync(join(src, 'legacy.hangar', 'disks'), { recursive: true });
    copyFileSync(join(repoRoot, 'test', 'fixtures', 'documents', 'v1-debian-bios.json'), join(src, 'legacy.hangar', 'vm.json'));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(src, 'legacy.hangar', 'disks', 'disk0.qcow2'), '16M']);
    const archive = join(t.root, 'legacy.tar.gz');
    await tar.c({ file: archive, gzip: true, cwd: src }, ['legacy.hangar']);
    const r = await e.client.call('vm.import', { path: archive, jobId: 'import-legacy' });
    expect(r.newId).toBe(false);
    expect(r.doc).toMatchObject({ schemaVersion: CURRENT_SCHEMA_VERSION, name: 'Debian 12 (web)', memoryMiB: 2048, extraArgs: [] });
    // No VM in the library names the job (its vmId is the job id): its events carry the archive's file
    // name until vm.json is read, the machine's name from then on.
    const events = jobEvents('import-legacy');
    expect(events.every((x) => x.vmId === 'import-legacy')).toBe(true);
    expect(events[0]).toMatchObject({ status: 'running', percent: 0, subject: 'legacy' });
    expect(events.at(-1)).toMatchObject({ status: 'concluded', subject: 'Debian 12 (web)' });
    expect(r.warnings).toEqual([expect.stringMatching(/extra QEMU arguments were removed \(-rtc base=utc\)/), expect.stringMatching(/CD drive cd0 is empty/)]);
    expect(JSON.parse(readFileSync(join(r.bundleDir, 'vm.json'), 'utf8')).schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    await e.client.call('vm.delete', { vm: r.id, files: true });
  });

  it('refuses a disk image whose backing file lies outside the bundle', async () => {
    const src = join(t.root, 'backed-src');
    mkdirSync(join(src, 'backed.hangar', 'disks'), { recursive: true });
    const doc = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'documents', 'v1-debian-bios.json'), 'utf8'));
    writeFileSync(join(src, 'backed.hangar', 'vm.json'), JSON.stringify({ ...doc, id: '3f2b8c1e-5d4a-4b6f-9e21-000000000001' }));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', '/etc/hostname', '-F', 'raw', join(src, 'backed.hangar', 'disks', 'disk0.qcow2'), '16M']);
    const archive = join(t.root, 'backed.tar');
    await tar.c({ file: archive, cwd: src }, ['backed.hangar']);
    const before = libraryListing();
    const err = await failure(e.client.call('vm.import', { path: archive }));
    expect(err.message).toMatch(/^not a safe Hangar archive: disk disk0's image: the backing file \/etc\/hostname of .*disk0\.qcow2 resolves to \/etc\/hostname, a system file/);
    expect(libraryListing()).toEqual(before);
  });

  describe('hostile and damaged archives: a specific error each, nothing left in the library', () => {
    const goodJson = (): string => vmJson.replace(JSON.stringify(join(bundleDir, 'disks', 'boot.img')), '"disks/boot.img"').replace(/"id": "[^"]+"/, `"id": "${'0'.repeat(8)}-0000-4000-8000-${randomBytes(6).toString('hex')}"`);
    const cases: Array<{ name: string; build: () => Buffer; code: string; message: RegExp }> = [
      {
        name: 'a ".." entry',
        build: () => rawTar([{ path: 'evil.hangar/vm.json', data: goodJson() }, { path: 'evil.hangar/../escaped.txt', data: 'x' }]),
        code: 'invalid-args',
        message: /entry "evil\.hangar\/\.\.\/escaped\.txt" climbs out of its folder with "\.\."/,
      },
      {
        name: 'an absolute path',
        build: () => rawTar([{ path: 'evil.hangar/vm.json', data: goodJson() }, { path: '/tmp/hangar-evil-abs.txt', data: 'x' }]),
        code: 'invalid-args',
        message: /entry "\/tmp\/hangar-evil-abs\.txt" has an absolute path/,
      },
      {
        name: 'a symlink to /etc/shadow',
        build: () => rawTar([{ path: 'evil.hangar/vm.json', data: goodJson() }, { path: 'evil.hangar/disks/boot.img', type: 'SymbolicLink', linkpath: '/etc/shadow' }]),
        code: 'invalid-args',
        message: /entry "evil\.hangar\/disks\/boot\.img" is a symbolic link to "\/etc\/shadow"/,
      },
      {
        name: 'two top folders',
        build: () => rawTar([{ path: 'a.hangar/vm.json', data: goodJson() }, { path: 'b.hangar/x', data: 'x' }]),
        code: 'invalid-args',
        message: /entries lie in more than one folder/,
      },
      {
        name: 'an invalid vm.json',
        build: () => rawTar([{ path: 'evil.hangar/vm.json', data: goodJson().replace('"memoryMiB": 64', '"memoryMiB": "lots"') }, { path: 'evil.hangar/disks/boot.img', data: 'x' }]),
        code: 'invalid-document',
        message: /the archive's vm\.json is not a valid VM document: .*memoryMiB/,
      },
      {
        name: 'a disk path outside the bundle',
        build: () => rawTar([{ path: 'evil.hangar/vm.json', data: goodJson().replace('"disks/boot.img"', '"/etc/shadow"') }]),
        code: 'invalid-args',
        message: /points disk disk0 at \/etc\/shadow, outside the bundle/,
      },
      {
        name: 'a disk that is its own vm.json',
        build: () => rawTar([{ path: 'evil.hangar/vm.json', data: goodJson().replace('"disks/boot.img"', '"vm.json"') }, { path: 'evil.hangar/disks/boot.img', data: 'x' }]),
        code: 'invalid-args',
        message: /points disk disk0 at vm\.json, outside the bundle's disks\/ folder/,
      },
      { name: 'a garbage file', build: () => randomBytes(20_000), code: 'invalid-args', message: /not a Hangar archive: it is not a readable tar archive/ },
      {
        name: 'a truncated archive',
        build: () => {
          const full = readFileSync(join(t.root, 'export-me.tar.gz'));
          return full.subarray(0, Math.floor(full.length / 2));
        },
        code: 'invalid-args',
        message: /not a Hangar archive: it is truncated/,
      },
    ];

    for (const c of cases) {
      it(`refuses ${c.name}`, async () => {
        const before = libraryListing();
        const file = join(t.root, `hostile-${c.name.replace(/\W+/g, '-')}.tar`);
        writeFileSync(file, c.build());
        const err = await failure(e.client.call('vm.import', { path: file }));
        expect({ code: err.code, message: err.message }).toMatchObject({ code: c.code, message: expect.stringMatching(c.message) });
        expect(libraryListing()).toEqual(before);
        expect(existsSync('/tmp/hangar-evil-abs.txt')).toBe(false);
        expect(existsSync(join(t.libraryDir, 'escaped.txt'))).toBe(false);
      });
    }
  });
});
