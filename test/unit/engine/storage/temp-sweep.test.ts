import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLeftoverStaging, isLeftoverTemp, sweepLeftoverTemps } from '../../../../src-main/engine/storage/temp-sweep.js';

describe('sweepLeftoverTemps (temp files a killed engine leaves)', () => {
  it('recognises the temp names the engine writes, and nothing else', () => {
    expect(isLeftoverTemp('.vm.json.0123456789ab.tmp')).toBe(true);
    expect(isLeftoverTemp('last.png.4242.tmp')).toBe(true);
    expect(isLeftoverTemp('efivars.qcow2.tmp')).toBe(true);
    for (const keep of ['vm.json', 'snapshots.json', 'notes.tmp', '.hidden.tmp', 'disk.qcow2', 'last.png', '.vm.json.xyz.tmp']) expect(isLeftoverTemp(keep), keep).toBe(false);
  });

  it('recognises the staging entries of imports, clones and archive imports', () => {
    for (const yes of ['.import-0123456789ab.partial', '.clone-0123456789ab.partial', '.archive-import-0123456789ab.partial', '.delete-0123456789ab.partial', '.import-0123456789ab.partial.qcow2']) expect(isLeftoverStaging(yes), yes).toBe(true);
    for (const no of ['import-0123456789ab.partial', '.import-xyz.partial', '.disk.qcow2.0123456789ab.partial', 'a-12345678.hangar']) expect(isLeftoverStaging(no), no).toBe(false);
  });

  it('removes what a killed copy, clone or archive import left in the library folder (files and folders)', async () => {
    const lib = mkdtempSync(join(tmpdir(), 'hangar-sweep-'));
    try {
      writeFileSync(join(lib, '.import-0badc0de0000.partial'), 'half an image');
      mkdirSync(join(lib, '.archive-import-0badc0de0000.partial', 'disks'), { recursive: true });
      writeFileSync(join(lib, '.archive-import-0badc0de0000.partial', 'disks', 'disk0.qcow2'), 'x');
      mkdirSync(join(lib, 'a-12345678.hangar'));
      const removed = await sweepLeftoverTemps(lib, [join(lib, 'a-12345678.hangar')]);
      expect(removed.sort()).toEqual([join(lib, '.archive-import-0badc0de0000.partial'), join(lib, '.import-0badc0de0000.partial')]);
      expect(readdirSync(lib)).toEqual(['a-12345678.hangar']);
    } finally {
      rmSync(lib, { recursive: true, force: true });
    }
  });

  it('removes them from the library folder and each bundle (thumbs/, nvram/), leaves the rest', async () => {
    const lib = mkdtempSync(join(tmpdir(), 'hangar-sweep-'));
    try {
      const b = join(lib, 'a-12345678.hangar');
      mkdirSync(join(b, 'thumbs'), { recursive: true });
      mkdirSync(join(b, 'nvram'));
      const files = {
        [join(lib, '.library.json.aaaaaaaaaaaa.tmp')]: true,
        [join(lib, 'library.json')]: false,
        [join(b, '.snapshots.json.0123456789ab.tmp')]: true,
        [join(b, 'vm.json')]: false,
        [join(b, 'thumbs', 'last.png.99.tmp')]: true,
        [join(b, 'thumbs', 'last.png')]: false,
        [join(b, 'nvram', 'efivars.qcow2.tmp')]: true,
      };
      for (const f of Object.keys(files)) writeFileSync(f, 'x');
      const removed = await sweepLeftoverTemps(lib, [b, join(lib, 'gone.hangar')]);
      expect(removed.sort()).toEqual(Object.keys(files).filter((f) => files[f]).sort());
      expect(readdirSync(b).sort()).toEqual(['nvram', 'thumbs', 'vm.json']);
      expect(readdirSync(join(b, 'thumbs'))).toEqual(['last.png']);
    } finally {
      rmSync(lib, { recursive: true, force: true });
    }
  });
});
