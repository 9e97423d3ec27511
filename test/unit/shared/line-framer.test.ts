import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_LINE, LineFramer } from '../../../src-shared/contract/line-framer.js';

describe('LineFramer', () => {
  it('returns complete lines and keeps the remainder', () => {
    const f = new LineFramer();
    expect(f.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(f.pending).toBe('{"b"');
    expect(f.push(':2}\n')).toEqual(['{"b":2}']);
    expect(f.pending).toBe('');
  });

  it('splits several lines in one chunk and skips blank ones, without trimming the others', () => {
    const f = new LineFramer();
    expect(f.push('\n   \n a \nb\r\n\n')).toEqual([' a ', 'b\r']);
  });

  it('reassembles a line pushed one character at a time', () => {
    const f = new LineFramer();
    const out: string[] = [];
    for (const ch of 'ünï 🚀\nx\n') out.push(...f.push(ch));
    expect(out).toEqual(['ünï 🚀', 'x']);
  });

  it('reports overflow of a pending line and then yields nothing', () => {
    const f = new LineFramer(5);
    expect(f.push('abc\n123456')).toEqual(['abc']);
    expect(f.overflowed).toBe(true);
    expect(f.pending).toBe('');
    expect(f.push('\nok\n')).toEqual([]);
  });

  it('reports overflow of a complete line that is too long, keeping the lines before it', () => {
    const f = new LineFramer(3);
    expect(f.push('ab\nabcd\nx\n')).toEqual(['ab']);
    expect(f.overflowed).toBe(true);
  });

  it('accepts a line of exactly the limit', () => {
    const f = new LineFramer(3);
    expect(f.push('abc')).toEqual([]);
    expect(f.push('\n')).toEqual(['abc']);
    expect(f.overflowed).toBe(false);
    expect(new LineFramer().maxLength).toBe(DEFAULT_MAX_LINE);
  });
});
