// Which command lines `hangar start` may run from a start plan (src-main/cli/fast-start.ts): exactly
// `[--library D] start VM [--wait-for-serial T] [--timeout S]`; anything else goes to the CLI's own parsing.
import { describe, expect, it } from 'vitest';
import { fastStartArgs } from '../../../src-main/cli/fast-start.js';

describe('fastStartArgs', () => {
  it.each([
    [['start', 'web'], { vm: 'web', timeoutS: 300 }],
    [['--library', '/lib', 'start', 'web'], { library: '/lib', vm: 'web', timeoutS: 300 }],
    [['--library=/lib', 'start', 'web'], { library: '/lib', vm: 'web', timeoutS: 300 }],
    [['start', 'web', '--wait-for-serial', 'login:'], { vm: 'web', waitFor: 'login:', timeoutS: 300 }],
    [['start', 'web', '--wait-for-serial=login: ', '--timeout=12.5'], { vm: 'web', waitFor: 'login: ', timeoutS: 12.5 }],
    [['start', 'web', '--timeout', '0.1', '--wait-for-serial', 'a=b'], { vm: 'web', waitFor: 'a=b', timeoutS: 0.1 }],
    [['start', 'web', '--timeout', '5'], { vm: 'web', timeoutS: 5 }],
    // A name with a space or a non-ASCII letter is still one positional.
    [['start', 'my vm é'], { vm: 'my vm é', timeoutS: 300 }],
  ])('accepts %j', (args, want) => {
    expect(fastStartArgs(args)).toEqual(want);
  });

  it.each([
    ['no verb', []],
    ['another verb', ['stop', 'web']],
    ['no VM', ['start']],
    ['--library with nothing after it', ['--library']],
    ['an empty --library=', ['--library=', 'start', 'web']],
    ['a flag before the verb', ['--json', 'start', 'web']],
    ['a second --library', ['--library', '/a', '--library', '/b', 'start', 'web']],
    ['a disposable run', ['start', 'web', '--disposable']],
    ['a disposable run before the VM', ['start', '--disposable', 'web']],
    ['another connection', ['start', 'web', '--connection', 'qemu:///system']],
    ['another connection before the verb', ['--connection', 'qemu:///system', 'start', 'web']],
    ['--help', ['start', '--help']],
    ['--help after the VM', ['start', 'web', '--help']],
    ['-h', ['start', 'web', '-h']],
    ['an extra positional', ['start', 'web', 'db']],
    ['a repeated --wait-for-serial', ['start', 'web', '--wait-for-serial', 'a', '--wait-for-serial', 'b']],
    ['a repeated --timeout (= form)', ['start', 'web', '--timeout=5', '--timeout', '6']],
    ['--timeout without a value', ['start', 'web', '--timeout']],
    ['--wait-for-serial without a value', ['start', 'web', '--wait-for-serial']],
    ['a timeout that is not a number', ['start', 'web', '--timeout', 'soon']],
    ['an infinite timeout', ['start', 'web', '--timeout', 'Infinity']],
    ['a negative timeout', ['start', 'web', '--timeout', '-1']],
    ['a zero timeout', ['start', 'web', '--timeout', '0']],
    ['a timeout too small to wait for anything', ['start', 'web', '--timeout', '0.05']],
    ['an empty marker', ['start', 'web', '--wait-for-serial', '']],
    ['an empty marker (= form)', ['start', 'web', '--wait-for-serial=']],
    ['a VM starting with -', ['start', '-web']],
    ['a VM that is a flag', ['start', '--timeout', '5']],
    ['a blank VM', ['start', '   ']],
    ['an empty VM', ['start', '']],
  ])('refuses %s', (_what, args) => {
    expect(fastStartArgs(args)).toBeNull();
  });
});
