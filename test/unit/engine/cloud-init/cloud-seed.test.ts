import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../../../src-shared/contract/index.js';
import { readIsoInfo, bufferSource } from '../../../../src-main/engine/iso/index.js';
import { checkCloudInit, cloudConfig, cloudSeedIso, hostnameFromName, metaData, userData } from '../../../../src-main/engine/cloud-init/cloud-seed.js';
import { SHA512_CRYPT_RE, sha512Crypt } from '../../../../src-main/engine/crypt/sha512-crypt.js';
import { sshKeyLines, sshKeyProblem } from '../../../../src-shared/cloud-init/cloud-init-rules.js';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEggYlb0WrW1+dRkKoOSAJBizcjB8u0uFJz63w4PnP/V alice@host';
const O = { instanceId: 'i-0123', vmName: 'My Box' };

function refusal(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected a refusal');
}

describe('cloud-init values', () => {
  it('accepts a real OpenSSH public key and refuses damaged, private, multi-line and foreign ones', () => {
    expect(sshKeyProblem(ED25519)).toBeNull();
    expect(sshKeyProblem(ED25519.replace('AAAAC3', 'AAAAC4'))).toMatch(/damaged/);
    expect(sshKeyProblem(ED25519.replace('ssh-ed25519', 'ssh-rsa'))).toMatch(/damaged/);
    expect(sshKeyProblem('-----BEGIN OPENSSH PRIVATE KEY-----')).toMatch(/private key/);
    expect(sshKeyProblem(`${ED25519}\nssh-ed25519 AAAA`)).toMatch(/one line/);
    expect(sshKeyProblem('ssh-dss AAAAB3NzaC1kc3M= x')).toMatch(/key type/);
    expect(sshKeyProblem('notakey')).toMatch(/not an OpenSSH public key/);
    expect(sshKeyLines(`# mine\n${ED25519}\r\n\n${ED25519}\n`)).toEqual([ED25519, ED25519]);
  });

  it('names the field of each bad value, and never echoes a password', () => {
    expect(refusal(() => checkCloudInit({ user: 'Alice' }, O)).details).toMatchObject({ field: 'cloudInit.user' });
    expect(refusal(() => checkCloudInit({ user: 'root' }, O)).message).toMatch(/system account/);
    expect(refusal(() => checkCloudInit({ user: 'a"b' }, O)).details).toMatchObject({ field: 'cloudInit.user' });
    expect(refusal(() => checkCloudInit({ user: 'a\nb' }, O)).details).toMatchObject({ field: 'cloudInit.user' });
    expect(refusal(() => checkCloudInit({ hostname: 'bad host' }, O)).details).toMatchObject({ field: 'cloudInit.hostname' });
    expect(refusal(() => checkCloudInit({ hostname: `a\nruncmd: [x]` }, O)).details).toMatchObject({ field: 'cloudInit.hostname' });
    expect(refusal(() => checkCloudInit({ hostname: `${'a'.repeat(64)}` }, O)).details).toMatchObject({ field: 'cloudInit.hostname' });
    const pw = refusal(() => checkCloudInit({ user: 'alice', password: 'sec\nret-XYZ' }, O));
    expect(pw.details).toMatchObject({ field: 'cloudInit.password' });
    expect(pw.message).not.toContain('ret-XYZ');
    expect(refusal(() => checkCloudInit({ password: 'secret' }, O)).message).toMatch(/needs a user name/);
    expect(refusal(() => checkCloudInit({ sshKeys: [ED25519, 'ssh-ed25519 AAAA'] }, O)).details).toMatchObject({ field: 'cloudInit.sshKeys', index: 1 });
    expect(refusal(() => checkCloudInit({ userData: 'runcmd: [x]' }, O)).message).toMatch(/#cloud-config/);
    expect(refusal(() => checkCloudInit({ userData: `#cloud-config\n${'x'.repeat(64 * 1024)}` }, O)).message).toMatch(/larger than/);
  });

  it('derives a host name from the machine name', () => {
    expect(hostnameFromName('My Box')).toBe('my-box');
    expect(hostnameFromName('Überbox 2!')).toBe('uberbox-2');
    expect(hostnameFromName('日本')).toBe('hangar');
    expect(hostnameFromName('x'.repeat(100))).toHaveLength(63);
  });
});

describe('the seed', () => {
  const v = checkCloudInit({ user: 'alice', password: 'p"w\'\n'.trim(), sshKeys: [ED25519], hostname: 'box-1' }, O);

  it('hashes the password (SHA-512 crypt) and keeps no plain text', () => {
    expect(v.passwordHash).toMatch(SHA512_CRYPT_RE);
    const all = metaData(v) + userData(v);
    expect(all).not.toContain('p"w\'');
    expect(all).toContain(v.passwordHash);
  });

  it('writes meta-data and a #cloud-config that YAML reads back to exactly the values (JSON-quoted scalars)', () => {
    expect(metaData(v)).toBe('instance-id: "i-0123"\nlocal-hostname: "box-1"\n');
    const cc = cloudConfig(v);
    expect(cc.startsWith('#cloud-config\n')).toBe(true);
    // python3's YAML parser is what cloud-init uses.
    const parsed = JSON.parse(execFileSync('python3', ['-c', 'import sys,yaml,json; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: cc }).toString()) as Record<string, unknown>;
    expect(parsed).toEqual({
      hostname: 'box-1',
      preserve_hostname: false,
      users: [{ name: 'alice', shell: '/bin/bash', sudo: 'ALL=(ALL) NOPASSWD:ALL', lock_passwd: false, passwd: v.passwordHash, ssh_authorized_keys: [ED25519] }],
      ssh_pwauth: true,
    });
  });

  it('gives the image default user the keys when no user is named; no password login then', () => {
    const d = checkCloudInit({ sshKeys: [ED25519] }, O);
    expect(cloudConfig(d)).toContain(`ssh_authorized_keys:\n  - ${JSON.stringify(ED25519)}\n`);
    expect(cloudConfig(d)).toContain('ssh_pwauth: false');
    expect(cloudConfig(d)).not.toContain('users:');
    expect(metaData(d)).toContain('local-hostname: "my-box"');
  });

  it('adds extra user-data as a second MIME part that Python\'s email parser splits back out', () => {
    const extra = '#!/bin/sh\necho hi\n';
    const w = checkCloudInit({ user: 'alice', userData: extra }, O);
    const ud = userData(w, '==b==');
    const parts = JSON.parse(
      execFileSync('python3', ['-c', 'import sys,email,json; m=email.message_from_string(sys.stdin.read()); print(json.dumps([[p.get_content_type(), p.get_payload()] for p in m.get_payload()]))'], { input: ud }).toString(),
    ) as Array<[string, string]>;
    expect(parts).toEqual([['text/cloud-config', cloudConfig(w)], ['text/x-shellscript', extra]]);
    expect(() => userData(checkCloudInit({ userData: '#cloud-config\n# ==b==\n' }, O), '==b==')).toThrow(/boundary/);
  });

  it('is an ISO with volume id cidata holding user-data and meta-data by those names', async () => {
    const iso = cloudSeedIso(v);
    expect((await readIsoInfo(bufferSource(iso))).volumeId).toBe('cidata');
    const dir = mkdtempSync(join(tmpdir(), 'hangar-seed-'));
    try {
      writeFileSync(join(dir, 'seed.iso'), iso);
      execFileSync('xorriso', ['-read_fs', 'norock', '-indev', join(dir, 'seed.iso'), '-osirrox', 'on', '-extract', '/', join(dir, 'x')], { stdio: 'pipe' });
      expect(readFileSync(join(dir, 'x', 'user-data'), 'utf8')).toBe(cloudConfig(v));
      expect(readFileSync(join(dir, 'x', 'meta-data'), 'utf8')).toBe(metaData(v));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hashes with a fresh salt each time', () => {
    expect(sha512Crypt('a')).not.toBe(sha512Crypt('a'));
  });
});
