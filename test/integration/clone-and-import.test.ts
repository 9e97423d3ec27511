import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import type { EngineError } from '../../src-shared/contract/index.js';
import type { VmDocument } from '../../src-shared/vm-document/index.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { spawnHangar } from '../helpers/cli-runner.js';
import { JobRegistry } from '../../src-main/engine/jobs/job-registry.js';
import { cloneVm, type CloneHost } from '../../src-main/engine/clone/clone-service.js';
import { failure, jobEventsOf, serialWait, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { startUnprivilegedEngine } from '../helpers/unprivileged.js';

const FORMATS = ['qcow2', 'raw', 'vmdk', 'vdi', 'vhdx', 'vpc'] as const;
type Format = (typeof FORMATS)[number];

const qemuImg = (...args: string[]): string => execFileSync('qemu-img', args, { encoding: 'utf8' });
const formatOf = (path: string): string => (JSON.parse(qemuImg('info', '-U', '--output=json', path)) as { format: string }).format;

describe('create from existing disks (use, copy, convert) and clone (full, linked): real qemu-img and QEMU', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => {
    t = env;
    e = engine;
  });
  const images = {} as Record<Format, string>;
  const jobEvents = (jobId: string) => jobEventsOf(e.events, jobId);
  const leftovers = (): string[] => readdirSync(t.libraryDir).filter((f) => f.endsWith('.partial'));
  const bootAll = (ids: string[]) => Promise.all(ids.map((id) => serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }))));
  const offAll = (ids: string[]) => Promise.all(ids.map((id) => e.client.call('vm.forceOff', { vm: id })));
  const small = { memoryMiB: 64, cpus: 1 } as const;

  it('makes the boot disk in every format; the file names lie, the format comes from qemu-img info', () => {
    mkdirSync(join(t.root, 'src'));
    for (const f of FORMATS) {
      // Every image is named ".disk": nothing may be guessed from the extension.
      images[f] = join(t.root, 'src', `boot-${f}.disk`);
      qemuImg('convert', '-q', '-f', 'raw', '-O', f, fixturePaths.bootImg, images[f]);
      expect(formatOf(images[f])).toBe(f);
    }
  });

  const cases: Array<{ format: Format; mode: 'use' | 'copy' | 'convert' }> = [
    { format: 'raw', mode: 'use' },
    { format: 'qcow2', mode: 'copy' },
    { format: 'vmdk', mode: 'convert' },
    { format: 'vdi', mode: 'use' },
    { format: 'vhdx', mode: 'copy' },
    { format: 'vpc', mode: 'convert' },
  ];
  const made = new Map<string, { id: string; doc: VmDocument; bundleDir: string }>();

  it('creates a VM from each format: use keeps the path, copy keeps the format in the bundle, convert makes qcow2', async () => {
    for (const { format, mode } of cases) {
      const jobId = `import-${format}-${mode}`;
      const r = await e.client.call('vm.create', { name: `${format} ${mode}`, existingDisk: images[format], existingDiskMode: mode, jobId, ...small });
      made.set(`${format}-${mode}`, r);
      const disk = r.doc.disks[0]!;
      if (mode === 'use') {
        expect(disk).toMatchObject({ path: images[format], format });
        expect(jobEvents(jobId)).toEqual([]);
      } else {
        const want = mode === 'copy' ? format : 'qcow2';
        expect(disk.format, `${format} ${mode}`).toBe(want);
        expect(disk.path).toMatch(/^disks\/disk0\.\w+$/);
        expect(formatOf(join(r.bundleDir, disk.path))).toBe(want);
        const events = jobEvents(jobId);
        // The VM is not in the library until the copy is done: its job events name it.
        expect(events.every((x) => x.vmId === r.id && x.kind === 'disk-import' && x.subject === `${format} ${mode}`)).toBe(true);
        expect(events.at(-1)).toMatchObject({ status: 'concluded', percent: 100 });
      }
    }
    expect(leftovers()).toEqual([]);
  });

  it('boots a used raw disk, a converted vpc disk and a copied vhdx disk side by side', async () => {
    const ids = ['raw-use', 'vpc-convert', 'vhdx-copy'].map((k) => made.get(k)!.id);
    await bootAll(ids);
    await offAll(ids);
  });

  it('refuses what is not a usable disk image, saying which problem it is', async () => {
    const dir = join(t.root, 'bad');
    mkdirSync(dir);
    const create = (existingDisk: string, extra: object = {}) => failure(e.client.call('vm.create', { name: 'bad', existingDisk, ...extra, ...small }));

    expect(await create(join(dir, 'missing.qcow2'))).toMatchObject({ code: 'not-found', message: expect.stringMatching(/disk image not found/) });
    expect(await create(dir)).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/not a file/) });
    writeFileSync(join(dir, 'empty.img'), '');
    expect(await create(join(dir, 'empty.img'))).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/is empty: not a disk image/) });
    writeFileSync(join(dir, 'notes.vmdk'), 'these are my notes, not a disk\n');
    expect(await create(join(dir, 'notes.vmdk'))).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/not a disk image .*512-byte sectors/) });
    const iso = join(dir, 'cd.img');
    writeFileSync(iso, Buffer.alloc(64 * 1024));
    const fd = openSync(iso, 'r+');
    writeSync(fd, Buffer.from('\x01CD001'), 0, 6, 32 * 1024);
    closeSync(fd);
    expect(await create(iso)).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/CD\/DVD image/) });
    qemuImg('create', '-q', '-f', 'qed', join(dir, 'old.qed'), '16M');
    expect(await create(join(dir, 'old.qed'))).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/"qed" format, which Hangar does not support/) });
    qemuImg('create', '-q', '-f', 'qcow2', '-b', images.raw, '-F', 'raw', join(dir, 'overlay.qcow2'));
    expect(await create(join(dir, 'overlay.qcow2'), { existingDiskMode: 'copy' })).toMatchObject({ code: 'invalid-args', message: expect.stringContaining(images.raw) });
    // A split vmdk is a descriptor plus extent files it names (any file on the host): refused in every mode.
    qemuImg('create', '-q', '-f', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse', join(dir, 'split.vmdk'), '16M');
    for (const mode of ['use', 'copy', 'convert'] as const) {
      expect(await create(join(dir, 'split.vmdk'), { existingDiskMode: mode })).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/split\.vmdk is a VMDK descriptor \(create type twoGbMaxExtentSparse\) whose data lives in other files \(split-s001\.vmdk\)/) });
    }
    expect(await failure(e.client.call('vm.create', { name: 'bad', existingDiskMode: 'copy', diskSizeGiB: 1 }))).toMatchObject({ code: 'invalid-args', details: { field: 'existingDiskMode' } });
    // Root reads every file, and CI runs as root: an engine run as an unprivileged user is asked instead.
    const u = await startUnprivilegedEngine();
    try {
      const locked = join(u.t.root, 'locked.qcow2');
      copyFileSync(images.qcow2, locked);
      u.own(locked);
      chmodSync(locked, 0o000);
      const err = await u.client.call('vm.create', { name: 'bad', existingDisk: locked, ...small }).then(() => null, (x: unknown) => x);
      expect(err).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/cannot be read/) });
      expect(await u.client.call('library.list', {})).toEqual([]);
    } finally {
      await u.close();
    }
    expect((await e.client.call('library.list', {})).filter((v) => v.name === 'bad')).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('a cancelled conversion leaves no partial file and no VM', async () => {
    const big = join(t.root, 'big.raw');
    execFileSync('dd', ['if=/dev/urandom', `of=${big}`, 'bs=1M', 'count=128', 'status=none']);
    const jobId = 'import-cancel';
    const off = e.client.onEvent((ev) => {
      if (ev.type === 'vm.job' && ev.jobId === jobId && ev.status === 'running') {
        off();
        void e.client.call('job.cancel', { jobId }).catch(() => undefined);
      }
    });
    const before = readdirSync(t.libraryDir).sort();
    const err = await failure(e.client.call('vm.create', { name: 'cancelled', existingDisk: big, existingDiskMode: 'convert', jobId, ...small }));
    expect(err).toMatchObject({ code: 'invalid-state', details: { cancelled: true } });
    expect(jobEvents(jobId).at(-1)).toMatchObject({ status: 'failed', cancelled: true });
    expect(readdirSync(t.libraryDir).sort()).toEqual(before);
    expect((await e.client.call('library.list', {})).some((v) => v.name === 'cancelled')).toBe(false);
  });

  it('a conversion that fails half way leaves no partial file and no VM, and says what qemu-img said', async () => {
    // qemu-img info reads the header fine; the first L2 table offset is broken, so reading data fails.
    const corrupt = join(t.root, 'corrupt.qcow2');
    qemuImg('convert', '-q', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, corrupt);
    const l1 = openSync(corrupt, 'r+');
    const head = Buffer.alloc(48);
    readSync(l1, head, 0, 48, 0);
    writeSync(l1, Buffer.from('8000000000000201', 'hex'), 0, 8, Number(head.readBigUInt64BE(40)));
    closeSync(l1);
    const before = readdirSync(t.libraryDir).sort();
    const err = await failure(e.client.call('vm.create', { name: 'corrupt', existingDisk: corrupt, existingDiskMode: 'convert', jobId: 'import-corrupt', ...small }));
    expect(err.message).toMatch(/qemu-img convert failed .*unaligned/);
    expect(jobEvents('import-corrupt').at(-1)).toMatchObject({ status: 'failed' });
    expect(readdirSync(t.libraryDir).sort()).toEqual(before);
    expect((await e.client.call('library.list', {})).some((v) => v.name === 'corrupt')).toBe(false);
  });

  it('full and linked clones: new ids and MACs, own bundles, and all three boot at once', async () => {
    const src = made.get('qcow2-copy')!;
    const full = await e.client.call('vm.clone', { vm: src.id, name: 'full clone', jobId: 'clone-full' });
    expect(full.snapshotsCopied).toBe(false);
    expect(jobEvents('clone-full').at(-1)).toMatchObject({ vmId: src.id, kind: 'vm-clone', status: 'concluded' });
    expect(full.doc.disks[0]).toMatchObject({ path: 'disks/disk0.qcow2', format: 'qcow2' });
    expect((await e.client.call('disk.info', { vm: full.id, disk: 'disk0' })).backingChain).toHaveLength(1);

    const linked = await e.client.call('vm.clone', { vm: src.id, name: 'linked clone', linked: true });
    const base = join(src.bundleDir, 'disks', 'disk0.qcow2');
    const linkedChain = (await e.client.call('disk.info', { vm: linked.id, disk: 'disk0' })).backingChain;
    expect(linkedChain.map((x) => normalize(x.filename))).toEqual([join(linked.bundleDir, 'disks', 'disk0.qcow2'), base]);
    // The source now writes to its own overlay on the same (frozen) base.
    expect(linked.source.disks[0]).toMatchObject({ path: 'disks/disk0-1.qcow2', format: 'qcow2' });
    expect((await e.client.call('disk.info', { vm: src.id, disk: 'disk0' })).backingChain.map((x) => normalize(x.filename))).toEqual([join(src.bundleDir, 'disks', 'disk0-1.qcow2'), base]);

    const docs = [src.doc, full.doc, linked.doc];
    expect(new Set(docs.map((d) => d.id)).size).toBe(3);
    const macs = docs.map((d) => (d.network.mode === 'none' ? '' : d.network.mac));
    expect(new Set(macs).size).toBe(3);
    expect(new Set([src.bundleDir, full.bundleDir, linked.bundleDir]).size).toBe(3);

    // Renaming the source moves its folder: the linked clone's overlay follows, the source's own names its base relatively.
    const renamed = await e.client.call('vm.rename', { vm: src.id, name: 'the source' });
    expect(renamed.bundleDir).not.toBe(src.bundleDir);
    src.bundleDir = renamed.bundleDir;
    const movedBase = join(src.bundleDir, 'disks', 'disk0.qcow2');
    expect((await e.client.call('disk.info', { vm: linked.id, disk: 'disk0' })).backingChain.map((x) => normalize(x.filename))).toEqual([join(linked.bundleDir, 'disks', 'disk0.qcow2'), movedBase]);
    expect((await e.client.call('disk.info', { vm: src.id, disk: 'disk0' })).backingChain.map((x) => normalize(x.filename))).toEqual([join(src.bundleDir, 'disks', 'disk0-1.qcow2'), movedBase]);

    const ids = [src.id, full.id, linked.id];
    await bootAll(ids);
    expect(await failure(e.client.call('vm.rename', { vm: src.id, name: 'renamed while the clone runs' }))).toMatchObject({ code: 'invalid-state' });
    expect(await failure(e.client.call('vm.clone', { vm: src.id, name: 'while running' }))).toMatchObject({ code: 'invalid-state', message: expect.stringMatching(/shut it down first/) });
    await offAll(ids);

    // Deleting the source's files would pull the base from under the linked clone.
    const refused = await failure(e.client.call('vm.delete', { vm: src.id, files: true }));
    expect(refused).toMatchObject({ code: 'invalid-state', message: expect.stringContaining('"linked clone"') });
    expect(existsSync(movedBase)).toBe(true);
    await e.client.call('vm.delete', { vm: linked.id, files: true });
    await e.client.call('vm.delete', { vm: src.id, files: true });
    expect(existsSync(src.bundleDir)).toBe(false);
    expect(leftovers()).toEqual([]);

    // A raw base works too: the overlays name its format (raw) explicitly.
    const rawSrc = made.get('raw-use')!;
    const rawLinked = await e.client.call('vm.clone', { vm: rawSrc.id, name: 'linked on raw', linked: true });
    const rawChain = (await e.client.call('disk.info', { vm: rawLinked.id, disk: 'disk0' })).backingChain;
    expect(rawChain.map((x) => [normalize(x.filename), x.format])).toEqual([[join(rawLinked.bundleDir, 'disks', 'disk0.qcow2'), 'qcow2'], [images.raw, 'raw']]);
    expect(rawLinked.source.disks[0]).toMatchObject({ path: 'disks/disk0-1.qcow2', format: 'qcow2' });
    await bootAll([rawSrc.id, rawLinked.id]);
    await offAll([rawSrc.id, rawLinked.id]);
  });

  it('a cancelled full clone leaves nothing; a linked clone is refused while the source has snapshots', async () => {
    const big = join(t.root, 'big-source.raw');
    execFileSync('dd', ['if=/dev/urandom', `of=${big}`, 'bs=1M', 'count=128', 'status=none']);
    const src = await e.client.call('vm.create', { name: 'big source', existingDisk: big, ...small });
    const jobId = 'clone-cancel';
    let startRefusal: Promise<EngineError> | null = null;
    const off = e.client.onEvent((ev) => {
      if (ev.type === 'vm.job' && ev.jobId === jobId && ev.status === 'running') {
        off();
        // The source may not start while its disks are copied; then cancel.
        startRefusal = failure(e.client.call('vm.start', { vm: src.id }));
        void startRefusal.finally(() => e.client.call('job.cancel', { jobId }).catch(() => undefined));
      }
    });
    const before = readdirSync(t.libraryDir).sort();
    const err = await failure(e.client.call('vm.clone', { vm: src.id, name: 'never', jobId }));
    expect(err).toMatchObject({ code: 'invalid-state', details: { cancelled: true } });
    expect(await startRefusal!).toMatchObject({ code: 'busy', message: 'cannot start "big source" while it is being cloned; wait for it to finish or cancel its job' });
    expect(readdirSync(t.libraryDir).sort()).toEqual(before);
    expect((await e.client.call('library.list', {})).some((v) => v.name === 'never')).toBe(false);

    const snapped = made.get('vmdk-convert')!;
    await e.client.call('snapshot.take', { vm: snapped.id, name: 'before' });
    const refused = await failure(e.client.call('vm.clone', { vm: snapped.id, name: 'linked with snapshots', linked: true }));
    expect(refused).toMatchObject({ code: 'invalid-state', message: expect.stringMatching(/holds 1 snapshot.*Delete its snapshots first, or make a full clone/) });
    // A full clone leaves the snapshots behind.
    const full = await e.client.call('vm.clone', { vm: snapped.id, name: 'full without snapshots' });
    expect((await e.client.call('snapshot.list', { vm: full.id })).snapshots).toEqual([]);
  });

  it('CLI: create --copy/--convert with progress, clone and clone --linked, delete refused while a clone depends', async () => {
    const converted = await spawnHangar(t, 'create', 'cli converted', '--disk', images.vdi, '--convert', '--memory', '64', '--cpus', '1');
    expect(converted).toMatchObject({ code: 0 });
    expect(converted.stderr).toMatch(/100%\n$/);
    const id = converted.stdout.trim();
    expect((await e.client.call('vm.get', { vm: id })).doc.disks[0]).toMatchObject({ format: 'qcow2', path: 'disks/disk0.qcow2' });

    const copied = await spawnHangar(t, 'create', 'cli copied', '--disk', images.vmdk, '--copy', '--memory', '64', '--cpus', '1');
    expect(copied.code).toBe(0);
    expect((await e.client.call('vm.get', { vm: copied.stdout.trim() })).doc.disks[0]).toMatchObject({ format: 'vmdk', path: 'disks/disk0.vmdk' });

    const both = await spawnHangar(t, 'create', 'cli both', '--disk', images.vmdk, '--copy', '--convert');
    expect(both).toMatchObject({ code: 2, stderr: 'hangar: give --copy or --convert, not both\n' });

    const full = await spawnHangar(t, 'clone', 'cli converted', 'cli full');
    expect(full.code).toBe(0);
    expect(full.stderr).toMatch(/100%\n$/);
    const linked = await spawnHangar(t, 'clone', 'cli converted', 'cli linked', '--linked');
    expect(linked.code).toBe(0);
    const list = await e.client.call('library.list', {});
    expect(list.find((v) => v.name === 'cli full')?.id).toBe(full.stdout.trim());
    expect(list.find((v) => v.name === 'cli linked')?.id).toBe(linked.stdout.trim());

    const refused = await spawnHangar(t, 'delete', 'cli converted', '--files');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^hangar: cannot delete the files of "cli converted": the linked clone "cli linked" uses its disks/);
    await bootAll([linked.stdout.trim()]);
    await offAll([linked.stdout.trim()]);
  });
  /** The engine as a clone sees it, with some of its library's steps replaced (a failure, a freeze). */
  const cloneHostWith = (steps: Partial<Pick<CloneHost['store'], 'create' | 'update'>>): CloneHost => {
    const store = e.engine.store;
    return {
      libraryDir: e.engine.libraryDir,
      store: {
        load: (ref) => store.load(ref),
        list: () => store.list(),
        assertNameFree: (name) => store.assertNameFree(name),
        create: steps.create ?? ((doc) => store.create(doc)),
        update: steps.update ?? ((id, patch) => store.update(id, patch)),
        delete: (id, o) => store.delete(id, o),
      },
      stateOf: (id) => e.engine.stateOf(id),
      emit: () => undefined,
    };
  };

  it('a linked clone stopped at any step (the engine killed there) never leaves a VM writing a disk another reads as its base', async () => {
    /** Every image file a VM's disks read through their backing chains, and the files each VM writes. */
    const diskFiles = async () => {
      const out: Array<{ vm: string; writes: string[]; reads: string[] }> = [];
      for (const entry of await e.engine.store.list()) {
        if (entry.status !== 'ok') continue;
        const writes: string[] = [];
        const reads: string[] = [];
        for (const d of entry.doc.disks) {
          const file = isAbsolute(d.path) ? d.path : join(entry.bundleDir, d.path);
          if (!d.readOnly) writes.push(normalize(file));
          const chain = JSON.parse(qemuImg('info', '-U', '--backing-chain', '--output=json', file)) as Array<{ filename: string }>;
          reads.push(...chain.slice(1).map((x) => normalize(x.filename)));
        }
        out.push({ vm: entry.name ?? entry.bundleDir, writes, reads });
      }
      return out;
    };
    for (const stopAt of ['update of the source', 'creation of the clone'] as const) {
      const src = await e.client.call('vm.create', { name: `frozen source (${stopAt})`, diskSizeGiB: 1, ...small });
      let reached!: () => void;
      const stopped = new Promise<void>((r) => (reached = r));
      // The step never returns, as if the engine died there; what is on disk then is what the next engine finds.
      const freeze = <T,>(): Promise<T> => {
        reached();
        return new Promise<T>(() => undefined);
      };
      const store = e.engine.store;
      const host = cloneHostWith({
        create: (doc) => (stopAt === 'creation of the clone' ? freeze() : store.create(doc)),
        update: (id, patch) => (stopAt === 'update of the source' && id === src.id ? freeze() : store.update(id, patch)),
      });
      const before = new Set(leftovers());
      void cloneVm(host, new JobRegistry(), { vm: src.id, name: `frozen clone (${stopAt})`, linked: true });
      await stopped;
      const vms = await diskFiles();
      for (const a of vms) {
        for (const b of vms) {
          if (a.vm === b.vm) continue;
          for (const file of a.writes) expect(b.reads, `"${a.vm}" writes ${file}, which "${b.vm}" reads as a base (stopped at the ${stopAt})`).not.toContain(file);
        }
      }
      // The staging folder is what the next engine's temp sweep removes; later tests expect none.
      for (const f of leftovers()) if (!before.has(f)) rmSync(join(t.libraryDir, f), { recursive: true, force: true });
    }
  });

  it('a linked clone that fails once the source is on its overlay puts the source back on its own disk', async () => {
    const src = await e.client.call('vm.create', { name: 'source of a failing clone', diskSizeGiB: 1, ...small });
    const host = cloneHostWith({ create: () => Promise.reject(new Error('no space left on device')) });
    await expect(cloneVm(host, new JobRegistry(), { vm: src.id, name: 'never made', linked: true })).rejects.toThrow('no space left on device');
    const after = await e.client.call('vm.get', { vm: src.id });
    expect(after.doc.disks).toEqual(src.doc.disks);
    expect(readdirSync(join(src.bundleDir, 'disks'))).toEqual(['disk0.qcow2']);
    expect(JSON.parse(qemuImg('info', '-U', '--backing-chain', '--output=json', join(src.bundleDir, 'disks', 'disk0.qcow2')))).toHaveLength(1);
    expect((await e.client.call('library.list', {})).some((v) => v.name === 'never made')).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});
