import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeOptionValue, optionString, OptionValueError } from '../../../../src-main/engine/qemu/index.js';

/** QEMU's QemuOpts/keyval reading of one option string, enough to round-trip what we build. */
function parseQemuOpts(s: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ',') {
      if (s[i + 1] === ',') {
        cur += ',';
        i++;
      } else {
        parts.push(cur);
        cur = '';
      }
    } else cur += s[i];
  }
  parts.push(cur);
  return parts;
}

describe('optionString', () => {
  it('joins head and key=value pairs, booleans as on/off, dropping undefined', () => {
    expect(optionString('socket', [['id', 's0'], ['server', true], ['wait', false], ['skip', undefined], ['n', 3]])).toBe('socket,id=s0,server=on,wait=off,n=3');
    expect(optionString(null, [['cpus', 2]])).toBe('cpus=2');
  });

  it('doubles commas in values and in the head', () => {
    expect(optionString('unix:/tmp/a,b/vnc.sock')).toBe('unix:/tmp/a,,b/vnc.sock');
    expect(optionString('file', [['filename', '/x/My VMs, 2024/d,,1.qcow2']])).toBe('file,filename=/x/My VMs,, 2024/d,,,,1.qcow2');
  });

  it('allows repeated keys (hostfwd)', () => {
    expect(optionString('user', [['hostfwd', 'tcp::1-:2'], ['hostfwd', 'udp::3-:4']])).toBe('user,hostfwd=tcp::1-:2,hostfwd=udp::3-:4');
  });

  it('rejects newlines, carriage returns and NUL with the key named', () => {
    expect(() => optionString('file', [['filename', 'a\nb']])).toThrow(/"filename" contains a line break/);
    expect(() => optionString('file', [['filename', 'a\rb']])).toThrow(OptionValueError);
    expect(() => escapeOptionValue('a\0b', 'guest')).toThrow(/"guest" contains a NUL/);
  });

  it('rejects bad keys and empty options', () => {
    expect(() => optionString('x', [['a=b', 1]])).toThrow(/not a valid option key/);
    expect(() => optionString('x', [['a,b', 1]])).toThrow(OptionValueError);
    expect(() => optionString(null, [])).toThrow(/empty/);
  });

  it('round-trips any value through QEMU-style parsing', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !/[\n\r\0]/.test(s)), fc.string().filter((s) => !/[\n\r\0]/.test(s)), (path, name) => {
        const parts = parseQemuOpts(optionString('file', [['filename', path], ['name', name]]));
        expect(parts).toEqual(['file', `filename=${path}`, `name=${name}`]);
      }),
    );
  });
});
