import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bundleFolderName, MAX_SLUG_LENGTH, SAFE_BUNDLE_FOLDER, shortId, slugify,
} from '../../../../src-main/engine/storage/slug.js';

const ID = '3f2b8c1e-5d4a-4b6f-9e21-7a0c3d5e8f10';

describe('slugify', () => {
  it.each([
    ['Debian 12', 'debian-12'],
    ['  Ubuntu   22.04 LTS  ', 'ubuntu-22-04-lts'],
    ['Café Ñandú', 'cafe-nandu'],
    ['Straße Æther Øresund Łódź', 'strasse-aether-oresund-lodz'],
    ['ｆｕｌｌｗｉｄｔｈ', 'fullwidth'],
    ['ﬁle', 'file'],
    ['../../etc/passwd', 'etc-passwd'],
    ['..', 'vm'],
    ['.', 'vm'],
    ['a/b\\c', 'a-b-c'],
    ['drive=x,file=/etc/shadow', 'drive-x-file-etc-shadow'],
    ['line1\nline2\r\n', 'line1-line2'],
    ['nul\u0000byte', 'nul-byte'],
    ['日本語', 'vm'],
    ['Привет', 'vm'],
    ['🚀🚀', 'vm'],
    ['', 'vm'],
    ['---', 'vm'],
    ['CON', 'vm-con'],
    ['nul', 'vm-nul'],
    ['Com1', 'vm-com1'],
    ['LPT9', 'vm-lpt9'],
    ['console', 'console'],
  ])('%j → %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('caps long names without a trailing dash', () => {
    const s = slugify('word '.repeat(200));
    expect(s.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(s).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(slugify('x'.repeat(1000))).toBe('x'.repeat(MAX_SLUG_LENGTH));
  });
});

describe('bundleFolderName', () => {
  it('is <slug>-<first 8 hex of the id>.hangar', () => {
    expect(shortId(ID)).toBe('3f2b8c1e');
    expect(bundleFolderName('Debian 12 (web)', ID)).toBe('debian-12-web-3f2b8c1e.hangar');
    expect(bundleFolderName('Debian', ID.toUpperCase())).toBe('debian-3f2b8c1e.hangar');
  });

  it('can use more of the id when the short one collides', () => {
    expect(bundleFolderName('a', ID, 32)).toBe('a-3f2b8c1e5d4a4b6f9e217a0c3d5e8f10.hangar');
  });

  it('keeps names differing only in case apart by id, and never differs only in case itself', () => {
    const a = bundleFolderName('Web', ID);
    const b = bundleFolderName('WEB', '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d');
    expect(a).not.toBe(b);
    expect(a.toLowerCase()).not.toBe(b.toLowerCase());
    expect(a).toBe(a.toLowerCase());
  });

  it('refuses something that is not an id', () => {
    expect(() => bundleFolderName('x', '../..')).toThrow(/not a VM id/);
    expect(() => bundleFolderName('x', '')).toThrow(/not a VM id/);
  });

  // Names made of the characters that break file systems and argv, mixed with ordinary text.
  const hostileName = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.string({ unit: fc.constantFrom('/', '\\', '.', '..', ',', '\n', '\r', '\u0000', ':', '*', '?', '"', '<', '>', '|', ' ', 'a', 'Z', 'é', 'ß', '日', '🚀', 'CON', 'nul'), maxLength: 300 }),
    fc.string({ unit: 'binary', minLength: 900, maxLength: 1200 }),
    fc.constantFrom('.', '..', 'CON', 'aux', 'com1', 'LPT1', 'con.txt', ''),
  );

  it('always gives a safe, bounded, lowercase folder name', () => {
    fc.assert(
      fc.property(hostileName, fc.uuid(), (name, id) => {
        const folder = bundleFolderName(name, id);
        expect(folder).toMatch(SAFE_BUNDLE_FOLDER);
        expect(folder).toMatch(/^[a-z0-9][a-z0-9-]*-[0-9a-f]{8}\.hangar$/);
        expect(folder).not.toBe('.');
        expect(folder).not.toBe('..');
        expect(folder.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH + 1 + 8 + '.hangar'.length);
        expect(folder).toBe(folder.toLowerCase());
        // Windows: no reserved device name before the first dot, no trailing dot or space.
        expect(folder.split('.')[0]).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/);
        expect(slugify(name)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('is deterministic', () => {
    fc.assert(fc.property(hostileName, fc.uuid(), (name, id) => bundleFolderName(name, id) === bundleFolderName(name, id)));
  });

  it('two ids with different short ids never give the same folder, whatever the names (even case-insensitively)', () => {
    fc.assert(
      fc.property(hostileName, hostileName, fc.uuid(), fc.uuid(), (n1, n2, id1, id2) => {
        fc.pre(shortId(id1) !== shortId(id2));
        expect(bundleFolderName(n1, id1).toLowerCase()).not.toBe(bundleFolderName(n2, id2).toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  it('two different ids never give the same full-length folder, even sharing the short id', () => {
    fc.assert(
      fc.property(hostileName, fc.uuid(), fc.uuid(), (name, id1, id2) => {
        const a = `${shortId(id1)}${id2.replace(/-/g, '').slice(8)}`;
        const b = `${shortId(id1)}${id1.replace(/-/g, '').slice(8)}`;
        fc.pre(a !== b);
        expect(bundleFolderName(name, a, 32)).not.toBe(bundleFolderName(name, b, 32));
      }),
    );
  });
});
