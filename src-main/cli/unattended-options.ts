import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { UNATTENDED_METHODS, type UnattendedMethod } from '../../src-shared/os-downloads/types.js';
import type { UnattendedAnswersInput } from '../../src-shared/unattended/answers.js';

/** `hangar create`'s unattended-install options (#18). */
export const UNATTENDED_CREATE_OPTIONS = {
  unattended: { type: 'boolean' },
  'unattended-method': { type: 'string' },
  user: { type: 'string' },
  'full-name': { type: 'string' },
  'password-file': { type: 'string' },
  hostname: { type: 'string' },
  language: { type: 'string' },
  keyboard: { type: 'string' },
  timezone: { type: 'string' },
} as const;

const ANSWER_FLAGS = ['unattended-method', 'full-name', 'language', 'keyboard', 'timezone'] as const;

/**
 * The answers `--unattended` sends to vm.create (the engine checks every value). The password comes only
 * from a file (never the command line, where `ps` shows it): its first line, without the line break.
 */
export function unattendedAnswersOf(v: Record<string, unknown>, fail: (message: string) => Error): UnattendedAnswersInput | undefined {
  if (v['unattended'] !== true) {
    const stray = ANSWER_FLAGS.find((f) => v[f] !== undefined);
    if (stray) throw fail(`--${stray} goes with --unattended`);
    return undefined;
  }
  const user = v['user'] as string | undefined;
  const file = v['password-file'] as string | undefined;
  const hostname = v['hostname'] as string | undefined;
  if (!user) throw fail('--unattended needs --user NAME');
  if (!file) throw fail('--unattended needs --password-file FILE (its first line is the password)');
  let text: string;
  try {
    text = readPasswordFile(resolve(file));
  } catch (err) {
    throw fail(`cannot read --password-file ${file}: ${(err as Error).message}`);
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw fail(`--password-file ${file}: the first line is empty`);
  const method = v['unattended-method'] as string | undefined;
  if (method !== undefined && !(UNATTENDED_METHODS as readonly string[]).includes(method)) throw fail(`--unattended-method must be one of ${UNATTENDED_METHODS.join(', ')}`);
  const pick = (k: string) => (v[k] === undefined ? {} : { [k === 'full-name' ? 'fullName' : k]: v[k] as string });
  return {
    ...(method ? { method: method as UnattendedMethod } : {}),
    user,
    password,
    hostname: hostname ?? user.replace(/_/g, '-').replace(/^-+|-+$/g, '') + '-vm',
    ...pick('full-name'),
    ...pick('language'),
    ...pick('keyboard'),
    ...pick('timezone'),
  };
}

/**
 * At most 4 KiB of a regular file. O_NONBLOCK: a FIFO (or a device) given as the file is refused at once
 * instead of hanging the CLI on its open, as --cloud-image's seed files are (cloud-init-args.ts).
 */
function readPasswordFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    const buf = Buffer.alloc(4097);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n > 4096) throw new Error('larger than 4096 bytes');
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
