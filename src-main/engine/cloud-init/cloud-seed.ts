// The NoCloud seed of a machine made from a cloud image: `meta-data` (instance id, host name) and `user-data`
// (a #cloud-config with the user, the password's SHA-512 crypt hash and the SSH keys; a person's extra
// user-data as a second MIME part, which cloud-init merges), on an ISO whose volume id is `cidata`.
// Every value is checked (cloud-init-rules.ts) and written as a JSON string, which YAML reads as a
// double-quoted scalar: nothing a person types can start a new YAML key.
import { randomBytes } from 'node:crypto';
import { EngineError } from '../../../src-shared/contract/index.js';
import {
  CLOUD_MAX_USER_DATA,
  cloudHostnameProblem,
  cloudPasswordProblem,
  cloudUserProblem,
  sshKeyProblem,
} from '../../../src-shared/cloud-init/cloud-init-rules.js';
import { buildIso } from '../iso/iso-writer.js';
import { sha512Crypt } from '../crypt/sha512-crypt.js';

export const SEED_VOLUME_ID = 'cidata';

export interface CloudInitInput {
  user?: string | undefined;
  password?: string | undefined;
  sshKeys?: readonly string[] | undefined;
  hostname?: string | undefined;
  userData?: string | undefined;
}

/** Checked values, the password already hashed: what the seed is built from (and all that is ever kept). */
export interface CloudSeedValues {
  instanceId: string;
  hostname: string;
  user: string | null;
  passwordHash: string | null;
  sshKeys: string[];
  userData: string | null;
}

const bad = (field: string, message: string) => new EngineError('invalid-args', `cloud-init ${field} ${message}`, { field: `cloudInit.${field}` });

/** A host name from a machine name when none is given: its letters and digits, hyphens between. */
export function hostnameFromName(name: string): string {
  const h = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // the accents NFKD split off
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '')
    .toLowerCase();
  return h === '' ? 'hangar' : h;
}

/** Checks every value (EngineError naming `cloudInit.<field>`) and hashes the password. */
export function checkCloudInit(input: CloudInitInput, o: { instanceId: string; vmName: string }): CloudSeedValues {
  const user = input.user ?? null;
  if (user !== null) {
    const p = cloudUserProblem(user);
    if (p) throw bad('user', `${JSON.stringify(user)} ${p}`);
  }
  const hostname = input.hostname ?? hostnameFromName(o.vmName);
  const hp = cloudHostnameProblem(hostname);
  if (hp) throw bad('hostname', `${JSON.stringify(hostname)} ${hp}`);
  let passwordHash: string | null = null;
  if (input.password !== undefined) {
    const pp = cloudPasswordProblem(input.password);
    if (pp) throw bad('password', pp); // never echo the password
    if (user === null) throw bad('password', 'needs a user name (the user whose password it is)');
    passwordHash = sha512Crypt(input.password);
  }
  const sshKeys = [...(input.sshKeys ?? [])];
  sshKeys.forEach((k, i) => {
    const kp = sshKeyProblem(k);
    if (kp) throw new EngineError('invalid-args', `cloud-init SSH key ${i + 1} ${kp}`, { field: 'cloudInit.sshKeys', index: i });
  });
  const userData = input.userData ?? null;
  if (userData !== null) {
    if (Buffer.byteLength(userData, 'utf8') > CLOUD_MAX_USER_DATA) throw bad('userData', `is larger than ${CLOUD_MAX_USER_DATA} bytes`);
    if (userData.includes('\u0000')) throw bad('userData', 'must be text (it contains a NUL byte)');
    if (!/^(#cloud-config|#!|#include|#cloud-boothook|#part-handler|#cloud-config-archive)/.test(userData)) {
      throw bad('userData', 'must start with "#cloud-config" or "#!" (a script), as cloud-init requires');
    }
  }
  return { instanceId: o.instanceId, hostname, user, passwordHash, sshKeys, userData };
}

const q = (s: string) => JSON.stringify(s);

export function metaData(v: CloudSeedValues): string {
  return `instance-id: ${q(v.instanceId)}\nlocal-hostname: ${q(v.hostname)}\n`;
}

/** Our #cloud-config: the user (or the image's default user's keys), host name, password login only with a password. */
export function cloudConfig(v: CloudSeedValues): string {
  const lines = ['#cloud-config', `hostname: ${q(v.hostname)}`, 'preserve_hostname: false'];
  const keys = v.sshKeys.map((k) => `      - ${q(k)}`);
  if (v.user !== null) {
    lines.push('users:', `  - name: ${q(v.user)}`, '    shell: "/bin/bash"', '    sudo: "ALL=(ALL) NOPASSWD:ALL"');
    if (v.passwordHash !== null) lines.push('    lock_passwd: false', `    passwd: ${q(v.passwordHash)}`);
    if (keys.length) lines.push('    ssh_authorized_keys:', ...keys);
  } else if (keys.length) {
    lines.push('ssh_authorized_keys:', ...keys.map((k) => k.slice(4)));
  }
  lines.push(`ssh_pwauth: ${v.passwordHash !== null}`);
  return `${lines.join('\n')}\n`;
}

/** user-data: our cloud-config alone, or with the person's part as a MIME multipart (cloud-init merges the parts). */
export function userData(v: CloudSeedValues, boundary = `==hangar-${randomBytes(12).toString('hex')}==`): string {
  const ours = cloudConfig(v);
  if (v.userData === null) return ours;
  if (ours.includes(boundary) || v.userData.includes(boundary)) throw new Error('MIME boundary found in a part');
  const type = v.userData.startsWith('#!') ? 'text/x-shellscript' : v.userData.startsWith('#include') ? 'text/x-include-url' : v.userData.startsWith('#cloud-config') ? 'text/cloud-config' : 'text/plain';
  const part = (t: string, name: string, body: string) =>
    `--${boundary}\nContent-Type: ${t}; charset="utf-8"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\nContent-Disposition: attachment; filename="${name}"\n\n${body}\n`; // the line break before a boundary is the boundary's
  return `Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n${part('text/cloud-config', 'hangar.cfg', ours)}${part(type, 'user-data', v.userData)}--${boundary}--\n`;
}

/** The `cidata` ISO: meta-data and user-data (names kept by the Joliet tree). */
export function cloudSeedIso(v: CloudSeedValues, date?: Date): Buffer {
  return buildIso({
    volumeId: SEED_VOLUME_ID,
    files: [
      { name: 'meta-data', data: metaData(v) },
      { name: 'user-data', data: userData(v) },
    ],
    ...(date ? { date } : {}),
  });
}
