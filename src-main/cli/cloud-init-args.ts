// `hangar create --cloud-image …`: the seed's values from the command line and from files. Files are read
// here (the engine gets their text); a private key given as --ssh-key is refused before anything is sent.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EngineError, type CommandArgs } from '../../src-shared/contract/index.js';
import { CLOUD_MAX_USER_DATA, sshKeyLines } from '../../src-shared/cloud-init/cloud-init-rules.js';
import { resolveCloudImage } from './cloud-image-source.js';

type Values = Record<string, string | boolean | string[] | undefined>;
const SEED_FLAGS = ['user', 'password-file', 'ssh-key', 'hostname', 'user-data'] as const;
const UNATTENDED_SHARED: ReadonlyArray<string> = ['user', 'password-file', 'hostname'];

/** At most `max` bytes of a file, or an error naming the flag (a larger file is refused, not cut). */
async function readSmall(path: string, flag: string, max: number): Promise<string> {
  const abs = resolve(path);
  let fh;
  try {
    // O_NONBLOCK: a FIFO given as the file must not hang the CLI before the check below refuses it.
    fh = await open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EngineError(code === 'ENOENT' ? 'not-found' : 'invalid-args', `--${flag}: cannot read ${abs} (${code ?? (err as Error).message})`);
  }
  try {
    if (!(await fh.stat()).isFile()) throw new EngineError('invalid-args', `--${flag}: ${abs} is not a file`);
    const buf = Buffer.alloc(max + 1);
    const { bytesRead } = await fh.read(buf, 0, max + 1, 0);
    if (bytesRead > max) throw new EngineError('invalid-args', `--${flag}: ${abs} is larger than ${max} bytes`);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** `cloudImage` and `cloudInit` for vm.create, or {} without --cloud-image (then the seed flags are refused). */
export async function cloudCreateArgs(v: Values, download: (id: string) => Promise<string>): Promise<Pick<CommandArgs<'vm.create'>, 'cloudImage' | 'cloudInit' | 'osId'>> {
  const image = v['cloud-image'] as string | undefined;
  if (image === undefined) {
    // --user, --password-file and --hostname also answer an installer (--unattended), which checks them itself.
    const stray = SEED_FLAGS.find((f) => v[f] !== undefined && !(v['unattended'] === true && UNATTENDED_SHARED.includes(f)));
    if (stray) throw new EngineError('invalid-args', `--${stray} goes with --cloud-image`);
    return {};
  }
  const { path, osId } = await resolveCloudImage(image, download);
  const cloudInit: NonNullable<CommandArgs<'vm.create'>['cloudInit']> = {};
  if (v['user'] !== undefined) cloudInit.user = v['user'] as string;
  if (v['hostname'] !== undefined) cloudInit.hostname = v['hostname'] as string;
  if (v['password-file'] !== undefined) {
    // The first line, as `passwd --stdin` and most tools read a password file.
    cloudInit.password = (await readSmall(v['password-file'] as string, 'password-file', 4096)).split(/\r?\n/)[0] ?? '';
    if (cloudInit.password === '') throw new EngineError('invalid-args', '--password-file: the file is empty (the password is its first line)');
  }
  const keyFiles = (v['ssh-key'] as string[] | undefined) ?? [];
  if (keyFiles.length) {
    const keys: string[] = [];
    for (const f of keyFiles) {
      const text = await readSmall(f, 'ssh-key', 64 * 1024);
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new EngineError('invalid-args', `--ssh-key: ${resolve(f)} is a private key; give the public key (${resolve(f)}.pub)`);
      keys.push(...sshKeyLines(text));
    }
    if (keys.length === 0) throw new EngineError('invalid-args', '--ssh-key: no key in the file(s)');
    cloudInit.sshKeys = keys;
  }
  if (v['user-data'] !== undefined) cloudInit.userData = await readSmall(v['user-data'] as string, 'user-data', CLOUD_MAX_USER_DATA);
  return { cloudImage: path, cloudInit, ...(osId !== undefined && v['os'] === undefined ? { osId } : {}) };
}
