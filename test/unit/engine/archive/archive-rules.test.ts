import { describe, expect, it } from 'vitest';
import { checkEntry, checkSpace, entryParts, wantsGzip } from '../../../../src-main/engine/archive/archive-rules.js';
import { portableDoc } from '../../../../src-main/engine/archive/export-bundle.js';
import { sanitizeImported } from '../../../../src-main/engine/archive/import-bundle.js';
import { newVmDocument } from '../../../../src-shared/vm-document/index.js';

describe('archive rules', () => {
  it('splits an entry into its top folder and the rest', () => {
    expect(entryParts('a.hangar/disks/disk0.qcow2')).toEqual(['a.hangar', 'disks/disk0.qcow2']);
    expect(entryParts('./a.hangar/')).toEqual(['a.hangar', '']);
  });

  it.each([
    ['/etc/passwd', /absolute path/],
    ['C:/x', /absolute path/],
    ['a.hangar/../../x', /climbs out/],
    ['a.hangar\\..\\x', /backslash/],
    ['a.hangar/x\0y', /NUL/],
  ])('refuses %j', (path, message) => {
    expect(() => entryParts(path)).toThrow(message);
  });

  it('refuses links, devices, a second top folder and a file at the top', () => {
    expect(() => checkEntry({ path: 'a/x', type: 'SymbolicLink', size: 0, linkpath: '/etc/shadow' }, null)).toThrow(/symbolic link to "\/etc\/shadow"/);
    expect(() => checkEntry({ path: 'a/x', type: 'Link', size: 0, linkpath: 'a/y' }, null)).toThrow(/hard link/);
    expect(() => checkEntry({ path: 'a/x', type: 'CharacterDevice', size: 0 }, null)).toThrow(/CharacterDevice entry/);
    expect(() => checkEntry({ path: 'b/x', type: 'File', size: 1 }, 'a')).toThrow(/more than one folder/);
    expect(() => checkEntry({ path: 'a', type: 'File', size: 1 }, null)).toThrow(/is a file/);
    expect(checkEntry({ path: 'a/vm.json', type: 'File', size: 10 }, 'a')).toEqual({ top: 'a', rel: 'vm.json' });
  });

  it('checks the unpacked size against the free space', () => {
    expect(() => checkSpace(10 * 1024 ** 3, 3, 5 * 1024 ** 3)).toThrow(/unpacks to 10\.0 GiB but the library's disk has only 5\.0 GiB free/);
    expect(() => checkSpace(1024, 20_000, 1024 ** 4)).toThrow(/more than 10000 entries/);
    expect(() => checkSpace(1024, 3, 1024 ** 3)).not.toThrow();
  });

  it('compresses unless the name ends in .tar', () => {
    expect(wantsGzip('/x/vm.tar')).toBe(false);
    expect(wantsGzip('/x/vm.tar.gz')).toBe(true);
    expect(wantsGzip('/x/vm.tgz')).toBe(true);
  });

  it('makes disk paths inside the bundle relative, leaving others alone', () => {
    const doc = newVmDocument({ id: '11111111-2222-4333-8444-555555555555', name: 'x', now: '2026-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', disk: { path: '/lib/x.hangar/disks/d.qcow2', format: 'qcow2' }, iso: '/isos/a.iso' });
    const p = portableDoc('/lib/x.hangar', doc);
    expect(p.disks[0]!.path).toBe('disks/d.qcow2');
    expect(p.cdroms.find((c) => c.path !== null)?.path).toBe('/isos/a.iso');
  });

  it('drops extra QEMU arguments and CD drives pointing at host files from an imported document, saying so', () => {
    const base = newVmDocument({ id: '11111111-2222-4333-8444-555555555555', name: 'x', now: '2026-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', disk: { path: 'disks/d.qcow2', format: 'qcow2' }, iso: '/etc/shadow' });
    const doc = { ...base, extraArgs: ['-chardev', 'file,id=x,path=/etc/cron.d/evil'] };
    const r = sanitizeImported(doc, new Set(['disks/d.qcow2']));
    expect(r.doc.extraArgs).toEqual([]);
    expect(r.doc.cdroms.every((c) => c.path === null)).toBe(true);
    expect(r.warnings).toEqual([
      expect.stringMatching(/extra QEMU arguments were removed \(-chardev file,id=x,path=\/etc\/cron\.d\/evil\)/),
      expect.stringMatching(/CD drive cd0 is empty: its ISO \/etc\/shadow is not part of the archive/),
    ]);
    const inside = sanitizeImported({ ...base, cdroms: base.cdroms.map((c) => ({ ...c, path: 'media/boot.iso' })) }, new Set(['media/boot.iso']));
    expect(inside.warnings).toEqual([]);
    expect(inside.doc.cdroms[0]!.path).toBe('media/boot.iso');
  });

  it('drops shared folders from an imported document (the author\'s host folders), saying so', () => {
    const base = newVmDocument({ id: '11111111-2222-4333-8444-555555555555', name: 'x', now: '2026-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', disk: { path: 'disks/d.qcow2', format: 'qcow2' } });
    const r = sanitizeImported({ ...base, shares: [{ name: 'home', path: '/home/victim', readOnly: false }] }, new Set(['disks/d.qcow2']));
    expect(r.doc.shares).toEqual([]);
    expect(r.warnings).toEqual([expect.stringMatching(/its shared folder "home" \(\/home\/victim\) was removed/)]);
  });
});
