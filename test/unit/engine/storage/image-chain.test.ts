// storage/image-chain.ts against real images made by qemu-img, and crafted headers qemu-img will not make.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVmImages, inspectImageChain, isProtocolName, USER_CHOSEN } from '../../../../src-main/engine/storage/image-chain.js';

let root: string;
let bundle: string;
let other: string;
const qemuImg = (...args: string[]): void => void execFileSync('qemu-img', args, { stdio: 'pipe' });
const inBundle = () => ({ image: [bundle], backing: [bundle] });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'hangar-chain-'));
  bundle = join(root, 'vm.hangar');
  other = join(root, 'source.hangar');
  mkdirSync(join(bundle, 'disks'), { recursive: true });
  mkdirSync(join(other, 'disks'), { recursive: true });
  writeFileSync(join(root, 'outside.raw'), Buffer.alloc(1024 * 1024));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('isProtocolName (QEMU path_has_protocol)', () => {
  it.each([
    ['nbd://127.0.0.1/x', true],
    ['json:{"driver":"file"}', true],
    ['file:/etc/shadow', true],
    ['http:x', true],
    ['/abs/a:b.qcow2', false],
    ['./a:b.qcow2', false],
    ['base.qcow2', false],
    ['dir/a:b', false],
  ])('%s → %s', (name, want) => expect(isProtocolName(name)).toBe(want));
});

describe('inspectImageChain', () => {
  it('returns a chain inside its folders top first, real paths and the driver of each layer', async () => {
    qemuImg('create', '-q', '-f', 'raw', join(other, 'disks', 'seed.img'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'seed.img', '-F', 'raw', join(other, 'disks', 'base.qcow2'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', join(other, 'disks', 'base.qcow2'), '-F', 'qcow2', join(bundle, 'disks', 'top.qcow2'), '1M');
    const chain = await inspectImageChain(join(bundle, 'disks', 'top.qcow2'), 'qcow2', { image: [bundle], backing: [bundle, other] });
    expect(chain).toEqual([
      { path: join(bundle, 'disks', 'top.qcow2'), format: 'qcow2' },
      { path: join(other, 'disks', 'base.qcow2'), format: 'qcow2' },
      { path: join(other, 'disks', 'seed.img'), format: 'raw' },
    ]);
    // The same chain from the bundle alone: the base lies outside.
    await expect(inspectImageChain(join(bundle, 'disks', 'top.qcow2'), 'qcow2', inBundle())).rejects.toThrow(/the backing file .*source\.hangar\/disks\/base\.qcow2 of .*top\.qcow2 lies outside/);
  });

  it('takes a backing file without a recorded format as QEMU would probe it', async () => {
    qemuImg('create', '-q', '-f', 'qcow2', join(bundle, 'disks', 'nofmt-base.qcow2'), '1M');
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'nofmt-base.qcow2', '-F', 'qcow2', join(bundle, 'disks', 'nofmt.qcow2'), '1M');
    // Drop the backing-format header extension by hand: qemu-img 7.2 no longer writes such images.
    const file = join(bundle, 'disks', 'nofmt.qcow2');
    const buf = readFileSync(file);
    const at = buf.indexOf(Buffer.from([0xe2, 0x79, 0x2a, 0xca]));
    buf.writeUInt32BE(0x12345678, at); // an unknown extension QEMU skips
    writeFileSync(file, buf);
    expect((await inspectImageChain(file, 'qcow2', inBundle())).map((l) => l.format)).toEqual(['qcow2', 'qcow2']);
  });

  it('refuses a backing format that is not a disk format (file, vvfat, nbd drivers)', async () => {
    const file = join(bundle, 'disks', 'vvfat.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'x.img', '-F', 'raw', file, '1M');
    const buf = readFileSync(file);
    const at = buf.indexOf(Buffer.from('raw'), 72);
    Buffer.from('vvf').copy(buf, at); // same length: "vvf" is no driver we open
    writeFileSync(file, buf);
    writeFileSync(join(bundle, 'disks', 'x.img'), Buffer.alloc(512));
    await expect(inspectImageChain(file, 'qcow2', inBundle())).rejects.toThrow(/names the backing format vvf; Hangar only opens backing files as/);
  });

  it('refuses a FIFO or a folder as a backing file without opening it', async () => {
    execFileSync('mkfifo', [join(bundle, 'disks', 'fifo.img')]);
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'fifo.img', '-F', 'raw', join(bundle, 'disks', 'on-fifo.qcow2'), '1M');
    await expect(inspectImageChain(join(bundle, 'disks', 'on-fifo.qcow2'), 'qcow2', inBundle())).rejects.toThrow(/fifo\.img of .*on-fifo\.qcow2 is not a regular file/);
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', '.', '-F', 'raw', join(bundle, 'disks', 'on-dir.qcow2'), '1M');
    await expect(inspectImageChain(join(bundle, 'disks', 'on-dir.qcow2'), 'qcow2', inBundle())).rejects.toThrow(/is not a regular file/);
  });

  it('refuses a symlink in the bundle that leads out of it', async () => {
    symlinkSync(join(root, 'outside.raw'), join(bundle, 'disks', 'escape.img'));
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'escape.img', '-F', 'raw', join(bundle, 'disks', 'via-link.qcow2'), '1M');
    await expect(inspectImageChain(join(bundle, 'disks', 'via-link.qcow2'), 'qcow2', inBundle())).rejects.toThrow(/escape\.img of .*via-link\.qcow2 \(really .*outside\.raw\) lies outside/);
  });

  it('accepts single-file VMDKs (monolithicSparse, streamOptimized) and refuses every split or delta one', async () => {
    for (const sub of ['monolithicSparse', 'streamOptimized']) {
      const f = join(bundle, 'disks', `${sub}.vmdk`);
      qemuImg('create', '-q', '-f', 'vmdk', '-o', `subformat=${sub}`, f, '1M');
      expect(await inspectImageChain(f, 'vmdk', inBundle())).toEqual([{ path: f, format: 'vmdk' }]);
    }
    for (const sub of ['monolithicFlat', 'twoGbMaxExtentSparse', 'twoGbMaxExtentFlat']) {
      const f = join(bundle, 'disks', `${sub}.vmdk`);
      qemuImg('create', '-q', '-f', 'vmdk', '-o', `subformat=${sub}`, f, '1M');
      await expect(inspectImageChain(f, 'vmdk', inBundle())).rejects.toThrow(new RegExp(`is a VMDK descriptor \\(create type ${sub}\\) whose data lives in other files`));
    }
    // A sparse header with capacity 0 hands over to its embedded descriptor, whose extents QEMU then opens.
    const sparse = readFileSync(join(bundle, 'disks', 'monolithicSparse.vmdk'));
    const handover = Buffer.from(sparse);
    handover.writeBigUInt64LE(0n, 12);
    writeFileSync(join(bundle, 'disks', 'handover.vmdk'), handover);
    await expect(inspectImageChain(join(bundle, 'disks', 'handover.vmdk'), 'vmdk', inBundle())).rejects.toThrow(/capacity 0/);
    // A delta: the embedded descriptor names a parent.
    const delta = Buffer.from(sparse);
    const at = delta.indexOf(Buffer.from('createType'));
    Buffer.from('parentFileNameHint="/etc/shadow"\n').copy(delta, at);
    writeFileSync(join(bundle, 'disks', 'delta.vmdk'), delta);
    await expect(inspectImageChain(join(bundle, 'disks', 'delta.vmdk'), 'vmdk', inBundle())).rejects.toThrow(/VMDK delta image on \/etc\/shadow \(parentFileNameHint\)/);
  });

  it('refuses a qcow2 data file even inside the bundle', async () => {
    const f = join(bundle, 'disks', 'with-data.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${join(bundle, 'disks', 'data.raw')}`, f, '1M');
    await expect(inspectImageChain(f, 'qcow2', inBundle())).rejects.toThrow(/keeps its data in an external data file/);
  });

  it('a user-chosen image may back onto any plain file, but never a protocol, a device or a system file', async () => {
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', join(root, 'outside.raw'), '-F', 'raw', join(root, 'mine.qcow2'), '1M');
    expect(await inspectImageChain(join(root, 'mine.qcow2'), null, USER_CHOSEN)).toHaveLength(2);
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', '/dev/zero', '-F', 'raw', join(root, 'dev.qcow2'), '1M');
    await expect(inspectImageChain(join(root, 'dev.qcow2'), null, USER_CHOSEN)).rejects.toThrow(/\/dev\/zero of .*dev\.qcow2 is not a regular file/);
    qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'file:/etc/hostname', '-F', 'raw', join(root, 'file-proto.qcow2'), '1M');
    await expect(inspectImageChain(join(root, 'file-proto.qcow2'), null, USER_CHOSEN)).rejects.toThrow(/the backing file file:\/etc\/hostname of .* is not a plain file path/);
  });
});

describe('checkVmImages', () => {
  it('names the disk and the VM, and leaves out files not made yet only when asked', async () => {
    const vm = { name: 'web', bundleDir: bundle, doc: { disks: [{ id: 'disk0', path: 'disks/via-link.qcow2', format: 'qcow2' as const }] } };
    await expect(checkVmImages(vm, [])).rejects.toMatchObject({ code: 'start-refused', message: expect.stringMatching(/^disk disk0 of "web": the backing file .*escape\.img/) });
    const fresh = { ...vm, doc: { disks: [{ id: 'disk0', path: 'disks/not-yet.qcow2', format: 'qcow2' as const }] } };
    await expect(checkVmImages(fresh, [])).rejects.toMatchObject({ code: 'start-refused' });
    expect(await checkVmImages(fresh, [], { skipMissing: true })).toEqual({});
  });
});

describe('checkVmImages: an overlay on a cloud image (disks[].baseImage)', () => {
  it('allows exactly that one file outside the library as the backing file, nothing beside it', async () => {
    const images = join(root, 'images');
    mkdirSync(images, { recursive: true });
    qemuImg('create', '-f', 'qcow2', join(images, 'cloud.qcow2'), '16M');
    writeFileSync(join(images, 'secret.raw'), Buffer.alloc(1024 * 1024));
    qemuImg('create', '-f', 'qcow2', '-b', join(images, 'cloud.qcow2'), '-F', 'qcow2', join(bundle, 'disks', 'cloud-overlay.qcow2'), '32M');
    qemuImg('create', '-f', 'qcow2', '-b', join(images, 'secret.raw'), '-F', 'raw', join(bundle, 'disks', 'sibling-overlay.qcow2'));
    const disk = (path: string, baseImage?: string) => ({ name: 'cloudy', bundleDir: bundle, doc: { disks: [{ id: 'disk0', path, format: 'qcow2' as const, ...(baseImage ? { baseImage } : {}) }] } });

    // Without the field, the backing file lies outside the library: refused (what a start did before).
    await expect(checkVmImages(disk('disks/cloud-overlay.qcow2'), [])).rejects.toMatchObject({ code: 'start-refused', message: expect.stringMatching(/cloud\.qcow2.* lies outside the library's machine folders/) });
    const chains = await checkVmImages(disk('disks/cloud-overlay.qcow2', join(images, 'cloud.qcow2')), []);
    expect(chains['disk0']!.map((l) => [l.path, l.format])).toEqual([[join(bundle, 'disks', 'cloud-overlay.qcow2'), 'qcow2'], [join(images, 'cloud.qcow2'), 'qcow2']]);
    // The field allows the file itself, not its folder.
    await expect(checkVmImages(disk('disks/sibling-overlay.qcow2', join(images, 'cloud.qcow2')), [])).rejects.toMatchObject({ code: 'start-refused', message: expect.stringMatching(/secret\.raw.* lies outside the library's machine folders or the cloud image/) });
    // Still no system files, whatever the field says.
    qemuImg('create', '-f', 'qcow2', '-u', '-b', '/etc/shadow', '-F', 'raw', join(bundle, 'disks', 'shadow-overlay.qcow2'), '1M');
    await expect(checkVmImages(disk('disks/shadow-overlay.qcow2', '/etc/shadow'), [])).rejects.toMatchObject({ code: 'start-refused', message: expect.stringMatching(/system file/) });
  });
});
