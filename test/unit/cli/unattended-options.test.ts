import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unattendedAnswersOf } from '../../../src-main/cli/unattended-options.js';

const dir = mkdtempSync(join(tmpdir(), 'hangar-unatt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fail = (m: string) => new Error(m);
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('hangar create --unattended options', () => {
  it('reads the password from the first line of --password-file, keeping every other character', () => {
    const p = file('pw', `  p'a"s$s\\w rd  \r\nsecond line\n`);
    expect(unattendedAnswersOf({ unattended: true, user: 'ada', 'password-file': p, hostname: 'h', timezone: 'Europe/Berlin', 'full-name': 'Ada L' }, fail)).toEqual({
      user: 'ada',
      password: `  p'a"s$s\\w rd  `,
      hostname: 'h',
      timezone: 'Europe/Berlin',
      fullName: 'Ada L',
    });
  });

  it('without --unattended nothing is sent, and answer-only flags are refused', () => {
    expect(unattendedAnswersOf({}, fail)).toBeUndefined();
    expect(() => unattendedAnswersOf({ timezone: 'UTC' }, fail)).toThrow('--timezone goes with --unattended');
  });

  it('needs a user and a readable, non-empty password file; a method must be known', () => {
    expect(() => unattendedAnswersOf({ unattended: true, 'password-file': file('a', 'x') }, fail)).toThrow(/--user/);
    expect(() => unattendedAnswersOf({ unattended: true, user: 'ada' }, fail)).toThrow(/--password-file/);
    expect(() => unattendedAnswersOf({ unattended: true, user: 'ada', 'password-file': join(dir, 'missing') }, fail)).toThrow(/cannot read --password-file/);
    // A FIFO nobody writes to is refused at once, not waited on.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => unattendedAnswersOf({ unattended: true, user: 'ada', 'password-file': fifo }, fail)).toThrow(/cannot read --password-file .*fifo: not a regular file/);
    expect(() => unattendedAnswersOf({ unattended: true, user: 'ada', 'password-file': file('e', '\nx') }, fail)).toThrow(/first line is empty/);
    expect(() => unattendedAnswersOf({ unattended: true, user: 'ada', 'password-file': file('b', 'x'), 'unattended-method': 'nsis' }, fail)).toThrow(/--unattended-method must be one of/);
  });

  it('the host name defaults to one derived from the user name', () => {
    expect(unattendedAnswersOf({ unattended: true, user: '_ada_l', 'password-file': file('c', 'x') }, fail)?.hostname).toBe('ada-l-vm');
  });
});
