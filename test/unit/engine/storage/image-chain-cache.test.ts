// Issue 20: every start checks every disk's chain, but an unchanged image's header is read once. A file that
// changed since (size, mtime, or a rewrite with its mtime set back: ctime) is read again, so a header rewritten to
// name a file outside the bundle is still refused.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearImageHeaderCache, inspectImageChain } from '../../../../src-main/engine/storage/image-chain.js';
import { workCounts } from '../../../../src-main/engine/work-counts.js';

let root: string;
let bundle: string;
const qemuImg = (...args: string[]): void => void execFileSync('qemu-img', args, { stdio: 'pipe' });
const inBundle = () => ({ image: [bundle], backing: [bundle] });
const headerReads = async (work: () => Promise<unknown>): Promise<number> => {
  const before = workCounts().imageHeader;
  await work();
  return workCounts().imageHeader - before;
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'hangar-chain-cache-'));
  bundle = join(root, 'vm.hangar');
  mkdirSync(join(bundle, 'disks'), { recursive: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => clearImageHeaderCache());

describe('the image header cache', () => {
  it('reads each layer once while the files stay the same, and gives the same chain', async () => {
    qemuImg('create', '-q', '-f', 'qcow2', join(bundle, 'disks', 'base.qcow2'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', join(bundle, 'disks', 'top.qcow2'), '1M');
    const top = join(bundle, 'disks', 'top.qcow2');
    let first: unknown;
    expect(await headerReads(async () => (first = await inspectImageChain(top, 'qcow2', inBundle())))).toBe(2);
    let second: unknown;
    expect(await headerReads(async () => (second = await inspectImageChain(top, 'qcow2', inBundle())))).toBe(0);
    expect(second).toEqual(first);
  });

  it('reads a layer again when its size changes', async () => {
    const disk = join(bundle, 'disks', 'grow.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', disk, '1M');
    await inspectImageChain(disk, 'qcow2', inBundle());
    qemuImg('resize', '-q', disk, '2M');
    expect(await headerReads(() => inspectImageChain(disk, 'qcow2', inBundle()))).toBe(1);
  });

  it('reads a layer again when only its mtime changes', async () => {
    const disk = join(bundle, 'disks', 'touched.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', disk, '1M');
    await inspectImageChain(disk, 'qcow2', inBundle());
    const s = statSync(disk);
    utimesSync(disk, s.atime, new Date(s.mtimeMs + 10_000));
    expect(await headerReads(() => inspectImageChain(disk, 'qcow2', inBundle()))).toBe(1);
  });

  it('refuses a header rewritten in place to name a file outside, with size and mtime put back', async () => {
    mkdirSync(join(root, 'elsewhere'), { recursive: true });
    qemuImg('create', '-q', '-f', 'qcow2', join(bundle, 'disks', 'inside.qcow2'), '1M');
    const outside = join(root, 'elsewhere', 'outside.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', outside, '1M');
    const disk = join(bundle, 'disks', 'sly.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'inside.qcow2', '-F', 'qcow2', disk, '1M');
    // A whole-second mtime, so utimes can put it back exactly.
    const mtime = Math.floor(Date.now() / 1000) - 100;
    utimesSync(disk, mtime, mtime);
    expect(await inspectImageChain(disk, 'qcow2', inBundle())).toHaveLength(2);
    const before = statSync(disk);
    // The header's backing name offset and length (bytes 8–19) now point at an absolute name in the first
    // cluster's slack: same size, and the mtime set back below.
    const nameAt = 4096;
    const fd = openSync(disk, 'r+');
    writeSync(fd, Buffer.from(outside), 0, outside.length, nameAt);
    const ref = Buffer.alloc(12);
    ref.writeBigUInt64BE(BigInt(nameAt), 0);
    ref.writeUInt32BE(outside.length, 8);
    writeSync(fd, ref, 0, 12, 8);
    closeSync(fd);
    utimesSync(disk, mtime, mtime);
    expect(statSync(disk).size).toBe(before.size);
    expect(statSync(disk).mtimeMs).toBe(before.mtimeMs);
    await expect(inspectImageChain(disk, 'qcow2', inBundle())).rejects.toThrow(/outside\.qcow2 of .*sly\.qcow2.* lies outside/);
  });
});
