import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChecksumAlgorithm } from '../../../src-shared/os-downloads/types.js';

export async function hashFile(path: string, algorithm: ChecksumAlgorithm, signal?: AbortSignal): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path, signal ? { signal } : {})) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** What a signature check of a checksum list found. `checksum-only`: no gpgv or no key here; the reason says which. */
export type SignatureResult = { status: 'verified'; fingerprint: string } | { status: 'checksum-only'; reason: string };

export class BadSignatureError extends Error {}

/** Keyrings gpgv may read: the user's trusted keys, Hangar's own, and the distributions' packaged keyrings. */
export function keyringCandidates(env: Readonly<Record<string, string | undefined>>): string[] {
  const home = env['HOME'] || homedir();
  return [
    ...(env['HANGAR_GPG_KEYRING'] ? [env['HANGAR_GPG_KEYRING']] : []),
    join(home, '.gnupg', 'trustedkeys.kbx'),
    join(home, '.gnupg', 'trustedkeys.gpg'),
    '/usr/share/keyrings/debian-role-keys.gpg',
    '/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg',
    '/usr/share/keyrings/ubuntu-archive-keyring.gpg',
  ];
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/**
 * Checks a detached signature of a checksum list with gpgv (no shell: argv only) against the keyrings found, and
 * requires the signing key's fingerprint. A bad signature throws; no gpgv, no keyring or a key not in them is
 * `checksum-only`, which the caller reports as such.
 */
export async function checkSignature(list: Buffer, signature: Buffer, fingerprint: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<SignatureResult> {
  const keyrings: string[] = [];
  for (const k of keyringCandidates(env)) if (await exists(k)) keyrings.push(k);
  if (keyrings.length === 0) return { status: 'checksum-only', reason: 'no OpenPGP keyring with the distribution\'s key is installed' };
  const dir = await mkdtemp(join(tmpdir(), 'hangar-gpgv-'));
  try {
    await writeFile(join(dir, 'list'), list);
    await writeFile(join(dir, 'list.sig'), signature);
    const args = ['--status-fd', '1', ...keyrings.flatMap((k) => ['--keyring', k]), '--', join(dir, 'list.sig'), join(dir, 'list')];
    const out = await new Promise<{ code: number | null; stdout: string; missing: boolean }>((resolve) => {
      execFile('gpgv', args, { timeout: 60_000 }, (err, stdout) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout: String(stdout ?? ''), missing: e?.code === 'ENOENT' });
      });
    });
    if (out.missing) return { status: 'checksum-only', reason: 'gpgv is not installed' };
    if (/^\[GNUPG:\] BADSIG /m.test(out.stdout)) throw new BadSignatureError('the checksum file\'s signature is bad: the list was altered');
    if (/^\[GNUPG:\] (NO_PUBKEY|ERRSIG) /m.test(out.stdout)) return { status: 'checksum-only', reason: 'the signing key is not in any installed keyring' };
    const valid = /^\[GNUPG:\] VALIDSIG ([0-9A-F]{40}) .* ([0-9A-F]{40})$/m.exec(out.stdout) ?? /^\[GNUPG:\] VALIDSIG ([0-9A-F]{40})/m.exec(out.stdout);
    if (out.code !== 0 || !valid) throw new BadSignatureError('gpgv could not verify the checksum file\'s signature');
    const fprs = valid.slice(1).filter(Boolean);
    if (fingerprint !== undefined && !fprs.includes(fingerprint)) throw new BadSignatureError(`the checksum file is signed by ${fprs[0]}, not by the distribution's key ${fingerprint}`);
    return { status: 'verified', fingerprint: fprs[fprs.length - 1]! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
