import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferSource, readIsoFile, readIsoInfo } from '../../../../src-main/engine/iso/index.js';
import { ISO_MAX_FILES, ISO_MAX_TOTAL_BYTES, IsoWriteError, buildIso } from '../../../../src-main/engine/iso/iso-writer.js';

const tmp = mkdtempSync(join(tmpdir(), 'hangar-iso-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DATE = new Date(Date.UTC(2026, 11, 7, 8, 0, 0));
const SEED = [
  { name: 'user-data', data: '#cloud-config\nhostname: box\n' },
  { name: 'meta-data', data: 'instance-id: i-1\nlocal-hostname: box\n' },
  { name: 'ks.cfg', data: 'text\n' },
  { name: 'autounattend.xml', data: '<?xml version="1.0"?><unattend/>' },
  { name: 'empty', data: '' },
];

/** A reader independent of the writer: walks one root directory (PVD type 1 or Joliet type 2). */
function listRoot(iso: Buffer, type: 1 | 2): Map<string, Buffer> {
  let d = 16;
  while (iso[d * 2048] !== type) {
    expect(iso[d * 2048]).not.toBe(255);
    d++;
  }
  const desc = iso.subarray(d * 2048, d * 2048 + 2048);
  const rootLba = desc.readUInt32LE(156 + 2);
  const rootSize = desc.readUInt32LE(156 + 10);
  expect(desc.readUInt32BE(156 + 6)).toBe(rootLba);
  const dir = iso.subarray(rootLba * 2048, rootLba * 2048 + rootSize);
  const files = new Map<string, Buffer>();
  let o = 0;
  while (o < dir.length) {
    const len = dir[o]!;
    if (len === 0) {
      o = (Math.floor(o / 2048) + 1) * 2048; // padding to the next sector
      continue;
    }
    const idLen = dir[o + 32]!;
    const id = dir.subarray(o + 33, o + 33 + idLen);
    if (!(idLen === 1 && id[0]! <= 1)) {
      const name = type === 2 ? Buffer.from(id).swap16().toString('utf16le') : id.toString('ascii');
      const lba = dir.readUInt32LE(o + 2);
      const size = dir.readUInt32LE(o + 10);
      expect(dir.readUInt32BE(o + 6)).toBe(lba);
      expect(dir.readUInt32BE(o + 14)).toBe(size);
      files.set(name, iso.subarray(lba * 2048, lba * 2048 + size));
    }
    o += len;
  }
  return files;
}

describe('buildIso', () => {
  it('writes a volume the existing reader accepts, with the volume id and size', async () => {
    const iso = buildIso({ volumeId: 'cidata', files: SEED, date: DATE });
    expect(iso.length % 2048).toBe(0);
    const info = await readIsoInfo(bufferSource(iso));
    expect(info.volumeId).toBe('cidata');
    expect(info.volumeBytes).toBe(iso.length);
    expect(info.bootEntries).toEqual([]);
    const path = join(tmp, 'seed.iso');
    writeFileSync(path, iso);
    expect((await readIsoFile(path)).volumeId).toBe('cidata');
  });

  it('keeps names, case and hyphens in the Joliet tree, and gives the primary tree unique 8.3 names', () => {
    const iso = buildIso({ volumeId: 'OEMDRV', files: SEED, date: DATE });
    const joliet = listRoot(iso, 2);
    expect([...joliet.keys()].sort()).toEqual(SEED.map((f) => f.name).sort());
    for (const f of SEED) expect(joliet.get(f.name)!.toString('utf8')).toBe(f.data);
    const primary = listRoot(iso, 1);
    expect(primary.size).toBe(SEED.length);
    for (const name of primary.keys()) expect(name).toMatch(/^[A-Z0-9_]{1,8}\.[A-Z0-9_]{0,3};1$/);
    expect(primary.get('USER_DAT.;1')!.toString()).toBe(SEED[0]!.data);
    expect(primary.get('META_DAT.;1')!.toString()).toBe(SEED[1]!.data);
  });

  it('is reproducible for a fixed date', () => {
    expect(buildIso({ volumeId: 'cidata', files: SEED, date: DATE }).equals(buildIso({ volumeId: 'cidata', files: SEED, date: DATE }))).toBe(true);
  });

  it('lays out files larger than a sector and directories longer than a sector', () => {
    const big = Buffer.alloc(5000, 0x41);
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `file-number-${i}-with-a-long-name.txt`, data: `n${i}` }));
    const iso = buildIso({ volumeId: 'x', files: [{ name: 'big', data: big }, ...many], date: DATE });
    const joliet = listRoot(iso, 2);
    expect(joliet.get('big')!.equals(big)).toBe(true);
    for (let i = 0; i < 40; i++) expect(joliet.get(`file-number-${i}-with-a-long-name.txt`)!.toString()).toBe(`n${i}`);
    expect(listRoot(iso, 1).size).toBe(41);
  });

  it('refuses bad volume ids, names, duplicates and oversize input with a specific error', () => {
    const bad = (files: { name: string; data: string | Uint8Array }[], volumeId = 'cidata') => () => buildIso({ volumeId, files });
    expect(bad([], 'ci data')).toThrow(/bad volume id/);
    expect(bad([], 'x'.repeat(33))).toThrow(/bad volume id/);
    expect(bad([], '')).toThrow(/bad volume id/);
    for (const name of ['', '.', '..', 'a/b', 'a\\b', 'a\nb', 'a;1', 'a:b', 'a\u0000', 'x'.repeat(65)]) {
      expect(bad([{ name, data: '' }]), JSON.stringify(name)).toThrow(IsoWriteError);
    }
    expect(bad([{ name: 'User-Data', data: '' }, { name: 'user-data', data: '' }])).toThrow(/duplicate file name/);
    expect(bad(Array.from({ length: ISO_MAX_FILES + 1 }, (_, i) => ({ name: `f${i}`, data: '' })))).toThrow(/too many files/);
    expect(bad([{ name: 'a', data: new Uint8Array(ISO_MAX_TOTAL_BYTES + 1) }])).toThrow(/too large/);
  });

  it('is read by xorriso (Joliet tree: names with case and hyphens; volume id)', () => {
    const path = join(tmp, 'x.iso');
    writeFileSync(path, buildIso({ volumeId: 'cidata', files: SEED, date: DATE }));
    const dest = join(tmp, 'out');
    execFileSync('xorriso', ['-read_fs', 'norock', '-indev', path, '-osirrox', 'on', '-extract', '/', dest], { stdio: 'pipe' });
    expect(readdirSync(dest).sort()).toEqual(SEED.map((f) => f.name).sort());
    for (const f of SEED) expect(readFileSync(join(dest, f.name), 'utf8')).toBe(f.data);
    const pvd = execFileSync('xorriso', ['-indev', path, '-pvd_info'], { stdio: 'pipe' }).toString();
    expect(pvd).toMatch(/Volume Id\s*:\s*cidata/);
  });
});
