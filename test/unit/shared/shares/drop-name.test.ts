import { describe, expect, it } from 'vitest';
import { sanitizeDropName } from '../../../../src-shared/shares/index.js';

describe('sanitizeDropName: the name a dropped file gets in the guest', () => {
  it('keeps ordinary names, takes the last part of a path, and replaces what a guest must not get', () => {
    expect(sanitizeDropName('report 2024.pdf')).toBe('report 2024.pdf');
    expect(sanitizeDropName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeDropName('..\\..\\Windows\\win.ini')).toBe('win.ini');
    expect(sanitizeDropName('a\nb\u0000c.txt')).toBe('a_b_c.txt');
    expect(sanitizeDropName('invoice\u202Etxt.exe')).toBe('invoice_txt.exe');
    expect(sanitizeDropName('what?<x>:"y"|*.txt')).toBe('what__x___y___.txt');
  });

  it('never gives a hidden file, "." or "..", or nothing', () => {
    expect(sanitizeDropName('.bashrc')).toBe('bashrc');
    expect(sanitizeDropName('..')).toBeNull();
    expect(sanitizeDropName('.')).toBeNull();
    expect(sanitizeDropName('a/')).toBeNull();
    expect(sanitizeDropName('\u0001\u0002')).toBeNull();
    expect(sanitizeDropName('   ')).toBeNull();
  });

  it('shortens a long name to 200 characters, keeping its extension', () => {
    const long = sanitizeDropName(`${'x'.repeat(300)}.tar.gz`)!;
    expect(long).toHaveLength(200);
    expect(long.endsWith('.gz')).toBe(true);
  });
});
