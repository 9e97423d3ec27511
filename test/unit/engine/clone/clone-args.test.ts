import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandArgs, EngineError } from '../../../../src-shared/contract/index.js';
import { existingDiskModeOf } from '../../../../src-main/cli/clone-verb.js';
import { main } from '../../../../src-main/cli/main.js';
import { weightedProgress } from '../../../../src-main/engine/clone/copy-job.js';
import { dependentsOf, qcow2BackingFile } from '../../../../src-main/engine/clone/backing-refs.js';
import { inspectSourceImage } from '../../../../src-main/engine/clone/source-image.js';
import type { LibraryEntry } from '../../../../src-main/engine/storage/bundle-store.js';
import type { QemuImg } from '../../../../src-main/engine/storage/qemu-img.js';

describe('vm.create existingDiskMode and vm.clone arguments', () => {
  const create = commandArgs['vm.create'];
  const clone = commandArgs['vm.clone'];

  it('vm.create takes use, copy or convert, and a job id to cancel with', () => {
    for (const mode of ['use', 'copy', 'convert']) expect(create.safeParse({ name: 'x', existingDisk: '/d.img', existingDiskMode: mode }).success).toBe(true);
    expect(create.safeParse({ name: 'x', existingDisk: '/d.img', existingDiskMode: 'move' }).success).toBe(false);
    expect(create.safeParse({ name: 'x', existingDisk: '/d.img', existingDiskMode: 'convert', jobId: 'job-1' }).success).toBe(true);
    expect(create.safeParse({ name: 'x', existingDisk: '/d.img', jobId: 'no spaces' }).success).toBe(false);
  });

  it('vm.clone: a VM, a name validated like vm.create, linked a boolean, nothing else', () => {
    expect(clone.parse({ vm: 'src', name: '  copy  ' })).toEqual({ vm: 'src', name: 'copy' });
    expect(clone.safeParse({ vm: 'src', name: 'copy', linked: true, jobId: 'a-1' }).success).toBe(true);
    expect(clone.safeParse({ vm: 'src', name: '   ' }).success).toBe(false);
    expect(clone.safeParse({ vm: 'src', name: 'x'.repeat(1001) }).success).toBe(false);
    expect(clone.safeParse({ vm: '', name: 'copy' }).success).toBe(false);
    expect(clone.safeParse({ vm: 'src', name: 'copy', linked: 'yes' }).success).toBe(false);
    expect(clone.safeParse({ vm: 'src', name: 'copy', snapshots: true }).success).toBe(false);
  });
});

describe('hangar create --copy/--convert and hangar clone (argument checks)', () => {
  it('--copy or --convert, never both, and only with --disk', () => {
    expect(existingDiskModeOf({ disk: '/d.img' })).toBeUndefined();
    expect(existingDiskModeOf({ disk: '/d.img', copy: true })).toBe('copy');
    expect(existingDiskModeOf({ disk: '/d.img', convert: true })).toBe('convert');
    expect(() => existingDiskModeOf({ disk: '/d.img', copy: true, convert: true })).toThrow(/--copy or --convert, not both/);
    expect(() => existingDiskModeOf({ convert: true })).toThrow(/--convert goes with --disk PATH/);
  });

  it('clone needs VM and NEWNAME; unknown options are usage errors', async () => {
    const io = () => {
      const r = { out: '', err: '' };
      return { r, io: { out: (s: string) => void (r.out += s), err: (s: string) => void (r.err += s) } };
    };
    const a = io();
    expect(await main(['--library', '/nonexistent/lib', 'clone', 'src'], a.io)).toBe(2);
    expect(a.r.err).toMatch(/missing NEWNAME\nUsage: hangar clone VM NEWNAME \[--linked\]/);
    const b = io();
    expect(await main(['--library', '/nonexistent/lib', 'clone', 'src', 'dst', '--shallow'], b.io)).toBe(2);
    expect(b.r.err).toMatch(/Unknown option '--shallow'/);
    const c = io();
    expect(await main(['clone', '--help'], c.io)).toBe(0);
    expect(c.r.out).toMatch(/^Usage: hangar clone VM NEWNAME \[--linked\] \[--json\]/);
  });
});

describe('clone helpers', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-clone-unit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('weighs each step by its size', () => {
    const seen: number[] = [];
    const step = weightedProgress([100, 300], (p) => seen.push(p.percent));
    step(0)({ percent: 100 });
    step(1)({ percent: 50 });
    step(1)({ percent: 100 });
    expect(seen).toEqual([25, 62.5, 100]);
  });

  function qcow2WithBacking(path: string, backing: string | null): void {
    const head = Buffer.alloc(512);
    head.writeUInt32BE(0x514649fb, 0);
    head.writeUInt32BE(3, 4);
    if (backing !== null) {
      head.writeBigUInt64BE(200n, 8);
      head.writeUInt32BE(Buffer.byteLength(backing), 16);
      head.write(backing, 200);
    }
    writeFileSync(path, head);
  }

  it('reads the backing file from a qcow2 header (relative names against the image folder)', async () => {
    qcow2WithBacking(join(dir, 'abs.qcow2'), '/lib/src.hangar/disks/disk0.qcow2');
    qcow2WithBacking(join(dir, 'rel.qcow2'), '../base.raw');
    qcow2WithBacking(join(dir, 'plain.qcow2'), null);
    writeFileSync(join(dir, 'raw.img'), Buffer.alloc(1024));
    expect(await qcow2BackingFile(join(dir, 'abs.qcow2'))).toBe('/lib/src.hangar/disks/disk0.qcow2');
    expect(await qcow2BackingFile(join(dir, 'rel.qcow2'))).toBe(join(dir, '..', 'base.raw'));
    expect(await qcow2BackingFile(join(dir, 'plain.qcow2'))).toBeNull();
    expect(await qcow2BackingFile(join(dir, 'raw.img'))).toBeNull();
    expect(await qcow2BackingFile(join(dir, 'missing.qcow2'))).toBeNull();
  });

  it('names the VMs whose disks back onto files inside a bundle', async () => {
    const src = join(dir, 'src.hangar');
    const clone = join(dir, 'clone.hangar');
    mkdirSync(join(clone, 'disks'), { recursive: true });
    qcow2WithBacking(join(clone, 'disks', 'disk0.qcow2'), join(src, 'disks', 'disk0.qcow2'));
    const entry = (id: string, name: string, bundleDir: string): LibraryEntry =>
      ({ status: 'ok', id, name, bundleDir, doc: { disks: [{ id: 'disk0', path: 'disks/disk0.qcow2', format: 'qcow2' }] } }) as unknown as LibraryEntry;
    const entries = [entry('s', 'source', src), entry('c', 'the clone', clone)];
    expect(await dependentsOf({ id: 's', bundleDir: src }, entries)).toEqual(['the clone']);
    expect(await dependentsOf({ id: 'c', bundleDir: clone }, entries)).toEqual([]);
  });

  it('existing images: missing, a folder and an empty file are refused before qemu-img runs; odd sizes are not disks', async () => {
    const img = { info: async () => ({ filename: 'x', format: 'raw', 'virtual-size': 1000 }) } as unknown as QemuImg;
    const refusal = async (p: string) => inspectSourceImage(p, img).then(() => null, (e: unknown) => e as EngineError);
    expect(await refusal(join(dir, 'nope.img'))).toMatchObject({ code: 'not-found', details: { field: 'existingDisk' } });
    expect(await refusal(dir)).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/not a file/) });
    writeFileSync(join(dir, 'empty.img'), '');
    expect(await refusal(join(dir, 'empty.img'))).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/is empty/) });
    writeFileSync(join(dir, 'odd.img'), Buffer.alloc(1000));
    expect(await refusal(join(dir, 'odd.img'))).toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/1000 bytes, is not a whole number of 512-byte sectors/) });
    writeFileSync(join(dir, 'ok.img'), Buffer.alloc(1024));
    expect(await inspectSourceImage(join(dir, 'ok.img'), img)).toMatchObject({ format: 'raw' });
    const qed = { info: async () => ({ filename: 'x', format: 'qed', 'virtual-size': 1024 }) } as unknown as QemuImg;
    expect(await inspectSourceImage(join(dir, 'ok.img'), qed).catch((e: unknown) => e)).toBeInstanceOf(EngineError);
  });
});
