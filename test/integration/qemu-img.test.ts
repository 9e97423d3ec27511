import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQemuImg, QemuImgError, imageInfo } from '../../src-main/engine/storage/qemu-img.js';

const MiB = 1024 * 1024;
const img = createQemuImg();
let dir: string;

beforeAll(async () => {
  // A comma, a space and a colon: qemu-img must see the path as a plain file name.
  dir = await mkdtemp(join(tmpdir(), 'hangar img, t:'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Random (incompressible) data so conversions take long enough to observe and cancel. */
async function randomRaw(path: string, mib: number): Promise<void> {
  const fh = await open(path, 'w');
  for (let i = 0; i < mib; i++) await fh.write(randomBytes(MiB));
  await fh.close();
}

describe('qemu-img wrapper (real qemu-img)', () => {
  it('creates qcow2 and raw images and reads them back', async () => {
    await img.create(join(dir, 'a.qcow2'), 'qcow2', 64 * MiB);
    await img.create(join(dir, 'b.img'), 'raw', 16 * MiB);
    const a = await img.info(join(dir, 'a.qcow2'));
    expect(a).toMatchObject({ format: 'qcow2', 'virtual-size': 64 * MiB });
    expect((await imageInfo(join(dir, 'b.img'))).format).toBe('raw');
    expect((await stat(join(dir, 'b.img'))).size).toBe(16 * MiB);
  });

  it('creates an overlay and reports its backing chain', async () => {
    await img.create(join(dir, 'overlay.qcow2'), 'qcow2', 64 * MiB, { backing: { path: 'a.qcow2', format: 'qcow2' } });
    const top = await img.info(join(dir, 'overlay.qcow2'));
    expect(top['backing-filename']).toBe('./a.qcow2');
    const chain = await img.backingChain(join(dir, 'overlay.qcow2'));
    expect(chain.map((c) => c.format)).toEqual(['qcow2', 'qcow2']);
    expect(chain[1]!.filename).toContain('a.qcow2');
  });

  it('grows an image, and refuses to shrink unless allowed', async () => {
    const p = join(dir, 'grow.qcow2');
    await img.create(p, 'qcow2', 32 * MiB);
    await img.resize(p, 96 * MiB);
    expect((await img.info(p))['virtual-size']).toBe(96 * MiB);
    const err = await img.resize(p, 16 * MiB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QemuImgError);
    expect((err as Error).message).toMatch(/refusing to shrink .* from 96 MiB to 16 MiB/);
    expect((await img.info(p))['virtual-size']).toBe(96 * MiB);
    await img.resize(p, 16 * MiB, { allowShrink: true });
    expect((await img.info(p))['virtual-size']).toBe(16 * MiB);
  });

  it('converts raw to qcow2 with progress events', async () => {
    const src = join(dir, 'data.raw');
    await randomRaw(src, 24);
    const events: number[] = [];
    await img.convert(src, join(dir, 'data.qcow2'), 'qcow2', { sourceFormat: 'raw', onProgress: (p) => events.push(p.percent) });
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)).toBe(100);
    expect([...events].sort((x, y) => x - y)).toEqual(events);
    const info = await img.info(join(dir, 'data.qcow2'));
    expect(info).toMatchObject({ format: 'qcow2', 'virtual-size': 24 * MiB });
  });

  it('cancels a conversion: qemu-img is killed and the partial output removed', async () => {
    const src = join(dir, 'big.raw');
    await randomRaw(src, 256);
    const dst = join(dir, 'big.qcow2');
    const controller = new AbortController();
    const events: number[] = [];
    const started = Date.now();
    const err = await img
      .convert(src, dst, 'qcow2', {
        sourceFormat: 'raw',
        compress: true, // zlib on random data: slow enough to cancel mid-way
        signal: controller.signal,
        onProgress: (p) => {
          events.push(p.percent);
          if (p.percent > 0) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(events.some((p) => p > 0 && p < 100)).toBe(true);
    expect(existsSync(dst)).toBe(false);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('checks an image and reports a clean result', async () => {
    const r = await img.check(join(dir, 'a.qcow2'));
    expect(r).toMatchObject({ format: 'qcow2', 'check-errors': 0, exitCode: 0 });
  });

  it("carries qemu-img's own message for a missing file", async () => {
    const missing = join(dir, 'no-such.qcow2');
    const err = (await img.info(missing).catch((e: unknown) => e)) as QemuImgError;
    expect(err).toBeInstanceOf(QemuImgError);
    expect(err.exitCode).toBe(1);
    expect(err.stderr).toContain('No such file or directory');
    expect(err.message).toContain(`Could not open '${missing}'`);
  });

  it('rejects formats that cannot be checked with the tool text', async () => {
    const err = (await img.check(join(dir, 'b.img')).catch((e: unknown) => e)) as QemuImgError;
    expect(err).toBeInstanceOf(QemuImgError);
    expect(err.message).toMatch(/does not support checks/);
  });
});
