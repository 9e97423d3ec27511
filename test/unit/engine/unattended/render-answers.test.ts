import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { UNATTENDED_METHODS, type UnattendedMethod } from '../../../../src-shared/os-downloads/types.js';
import { unattendedAnswersSchema, withAnswerDefaults, type UnattendedAnswersInput } from '../../../../src-shared/unattended/answers.js';
import { checkAutounattend, kickstartOption, parseKickstart, parsePreseed, splitKickstartLine, unattendPath } from '../../../../src-main/engine/unattended/answer-structure.js';
import { AnswerFileError, kickstartWord, renderAnswerFile } from '../../../../src-main/engine/unattended/render-answers.js';
import { sha512Crypt } from '../../../../src-main/engine/crypt/sha512-crypt.js';

const GOLDEN_DIR = join(import.meta.dirname, '../../../golden/unattended');
const update = process.env['UPDATE_GOLDEN'] === '1';
const SALT = 'hangarGoldenSalt';

const base: UnattendedAnswersInput = { user: 'ada', fullName: 'Ada Lovelace', password: 'correct horse', hostname: 'analytical', language: 'en_GB', keyboard: 'gb', timezone: 'Europe/London' };
const answers = (over: Partial<UnattendedAnswersInput> = {}) => withAnswerDefaults(unattendedAnswersSchema.parse({ ...base, ...over }));

/** Values an attacker (or a careless paste) would put in the free-text fields. */
const HOSTILE_PASSWORDS = [`a'b"c`, 'line1\nd-i passwd/root-login boolean true', '<x>&amp;]]></Value>', '$(reboot)`id`$HOME', 'back\\slash\\', '# not a comment', "'; rm -rf / #"];

describe('answer files: golden', () => {
  for (const method of UNATTENDED_METHODS) {
    it(`${method} matches its golden file`, () => {
      const file = renderAnswerFile(method, answers(), { salt: SALT });
      const goldenPath = join(GOLDEN_DIR, `${method}.${file.fileName}`);
      if (update) writeFileSync(goldenPath, file.text, 'utf8');
      expect(existsSync(goldenPath), `${goldenPath} is missing: run UPDATE_GOLDEN=1 npx vitest run --project unit ${import.meta.filename}, review it, commit it`).toBe(true);
      expect(file.text).toBe(readFileSync(goldenPath, 'utf8'));
    });
  }
});

/** The values each format's structural parser reads back from the rendered file. */
function readBack(method: UnattendedMethod, text: string): { user: string; hostname: string; hash: string; fullName: string; timezone: string } {
  switch (method) {
    case 'preseed': {
      const p = parsePreseed(text);
      const v = (q: string) => p.get(q)?.value ?? '';
      return { user: v('passwd/username'), hostname: v('netcfg/get_hostname'), hash: v('passwd/user-password-crypted'), fullName: v('passwd/user-fullname'), timezone: v('time/zone') };
    }
    case 'kickstart': {
      const ks = parseKickstart(text);
      const cmd = (n: string) => ks.commands.find((c) => c.name === n)!;
      expect(ks.sections.map((s) => s.name)).toEqual(['%packages']);
      expect(ks.commands.map((c) => c.name)).toContain('poweroff');
      expect(cmd('user').args).toContain('--iscrypted');
      return { user: kickstartOption(cmd('user'), 'name')!, hostname: kickstartOption(cmd('network'), 'hostname')!, hash: kickstartOption(cmd('user'), 'password')!, fullName: kickstartOption(cmd('user'), 'gecos')!, timezone: cmd('timezone').args[0]! };
    }
    case 'autoinstall': {
      expect(text.startsWith('#cloud-config\n')).toBe(true);
      const doc = yaml.load(text) as { autoinstall: { version: number; shutdown: string; timezone: string; identity: Record<string, string> } };
      expect(doc.autoinstall.version).toBe(1);
      expect(doc.autoinstall.shutdown).toBe('poweroff');
      const id = doc.autoinstall.identity;
      return { user: id['username']!, hostname: id['hostname']!, hash: id['password']!, fullName: id['realname']!, timezone: doc.autoinstall.timezone };
    }
    case 'autounattend': {
      const x = checkAutounattend(text);
      const account = unattendPath(x.component('oobeSystem', 'Microsoft-Windows-Shell-Setup'), ['UserAccounts', 'LocalAccounts', 'LocalAccount']);
      const spec = x.component('specialize', 'Microsoft-Windows-Shell-Setup');
      return {
        user: unattendPath(account, ['Name']).textContent!,
        hostname: unattendPath(spec, ['ComputerName']).textContent!,
        hash: unattendPath(account, ['Password', 'Value']).textContent!,
        fullName: unattendPath(account, ['DisplayName']).textContent!,
        timezone: unattendPath(spec, ['TimeZone']).textContent!,
      };
    }
  }
}

describe('answer files: structure', () => {
  for (const method of UNATTENDED_METHODS) {
    it(`${method}: the parser reads back the user, host name, time zone and a hashed password`, () => {
      const a = answers();
      const got = readBack(method, renderAnswerFile(method, a, { salt: SALT }).text);
      expect(got.user).toBe('ada');
      expect(got.hostname).toBe('analytical');
      expect(got.fullName).toBe('Ada Lovelace');
      expect(got.timezone).toBe(method === 'autounattend' ? 'GMT Standard Time' : 'Europe/London');
      if (method === 'autounattend') expect(Buffer.from(got.hash, 'base64').toString('utf16le')).toBe('correct horsePassword');
      else expect(got.hash).toBe(sha512Crypt('correct horse', { salt: SALT }));
    });

    it(`${method}: hostile passwords and full names stay one value and change nothing else`, () => {
      const clean = readBack(method, renderAnswerFile(method, answers(), { salt: SALT }).text);
      for (const password of HOSTILE_PASSWORDS) {
        const got = readBack(method, renderAnswerFile(method, answers({ password }), { salt: SALT }).text);
        expect({ ...got, hash: '' }).toEqual({ ...clean, hash: '' });
        if (method === 'autounattend') expect(Buffer.from(got.hash, 'base64').toString('utf16le')).toBe(`${password}Password`);
        else expect(got.hash).toBe(sha512Crypt(password, { salt: SALT }));
      }
      for (const fullName of [`O'Brien "Bob"`, '<b>&amp;</b>', '$(id) `x` \\n', '# hash']) {
        const got = readBack(method, renderAnswerFile(method, answers({ fullName }), { salt: SALT }).text);
        expect(got).toEqual({ ...clean, fullName });
      }
    });
  }

  it('refuses what no format can carry, at the boundary, naming the field', () => {
    const bad: Array<[Partial<UnattendedAnswersInput>, RegExp]> = [
      [{ user: `a'b` }, /user name/],
      [{ user: 'a\nb' }, /user name/],
      [{ user: 'Root$' }, /user name/],
      [{ user: 'a'.repeat(33) }, /user name/],
      [{ hostname: 'h'.repeat(64) }, /host name/],
      [{ hostname: 'a b' }, /host name/],
      [{ hostname: '-lead' }, /host name/],
      [{ fullName: 'x\ny' }, /full name/],
      [{ password: '' }, /password/],
      [{ password: 'a\0b' }, /password/],
      [{ timezone: '../../etc/passwd' }, /time zone/],
      [{ language: 'en_US.UTF-8\n' }, /language/],
      [{ keyboard: 'us;reboot' }, /keyboard/],
    ];
    for (const [over, msg] of bad) {
      const r = unattendedAnswersSchema.safeParse({ ...base, ...over });
      expect(r.success, JSON.stringify(over)).toBe(false);
      expect(r.error!.issues.map((i) => i.message).join('; ')).toMatch(msg);
    }
  });

  it('Windows computer names longer than 15 characters are refused with a clear error', () => {
    expect(() => renderAnswerFile('autounattend', answers({ hostname: 'a-sixteen-chars1' }))).toThrow(AnswerFileError);
    expect(() => renderAnswerFile('autounattend', answers({ hostname: 'a-sixteen-chars1' }))).toThrow(/at most 15/);
    expect(renderAnswerFile('preseed', answers({ hostname: 'h'.repeat(63) })).text).toContain('h'.repeat(63));
  });

  it('a line break in a preseed or kickstart value is refused, never written', () => {
    const a = { ...answers(), fullName: 'x\ny' };
    expect(() => renderAnswerFile('preseed', a)).toThrow(/line breaks/);
    expect(() => renderAnswerFile('kickstart', a)).toThrow(/line breaks/);
  });

  it('kickstart words round-trip through the shell-like splitter', () => {
    for (const w of ['plain', `it's`, 'a "b" c', 'back\\slash', '$6$x$y', '#lead', '', ' ']) {
      expect(splitKickstartLine(`cmd --x=${kickstartWord(w)}`)).toEqual(['cmd', `--x=${w}`]);
    }
  });

  it('the structural checks catch broken files', () => {
    expect(() => parsePreseed('d-i passwd/username string a\nd-i passwd/username string b\n')).toThrow(/answered twice/);
    expect(() => parsePreseed('d-i just-two\n')).toThrow(/line 1/);
    expect(() => parseKickstart(`user --name='x\n`)).toThrow(/unterminated/);
    expect(() => parseKickstart('%packages\nvim\n')).toThrow(/%end/);
    expect(() => checkAutounattend('<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="windowsPE"></settings></unattend>')).toThrow(/Microsoft-Windows-Setup/);
    expect(() => checkAutounattend('<unattend><x></unattend>')).toThrow(/well-formed|root/);
  });
});
