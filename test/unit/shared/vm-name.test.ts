import { describe, expect, it } from 'vitest';
import { nameKey, sameName, uniqueName } from '../../../src-shared/vm-name.js';

describe('machine names: when two are the same', () => {
  it.each([
    ['Web', 'web'],
    ['web', '  WEB  '],
    ['my  web\tbox', 'My Web Box'],
    ['ＷＥＢ', 'web'], // full-width letters (NFKC)
    ['web\u200b', 'web'], // zero-width space
    ['w\u00adeb', 'web'], // soft hyphen
    ['\ufeffweb', 'web'], // byte-order mark
    ['café', 'cafe\u0301'], // precomposed vs combining accent
    ['STRASSE', 'straße'], // full case folding
    ['ﬁle', 'file'], // ligature
  ])('%j and %j are one name', (a, b) => {
    expect(sameName(a, b)).toBe(true);
    expect(nameKey(a)).toBe(nameKey(b));
  });

  it.each([
    ['web', 'web2'],
    ['web', 'we b'],
    ['café', 'cafe'],
    ['web (2)', 'web'],
  ])('%j and %j are different names', (a, b) => {
    expect(sameName(a, b)).toBe(false);
  });
});

describe('uniqueName (archive import without an explicit name)', () => {
  it('keeps a free name (trimmed)', () => {
    expect(uniqueName(' Web ', ['db'])).toBe('Web');
  });
  it('adds " (2)", then " (3)", comparing like sameName', () => {
    expect(uniqueName('Web', ['WEB'])).toBe('Web (2)');
    expect(uniqueName('Web', ['web', 'web (2)', 'WEB  (3)'])).toBe('Web (4)');
  });
});
