// SHA-512 crypt (`$6$`), as glibc's crypt(3), shadow files and cloud-init's `passwd:` read it: Ulrich
// Drepper's "Unix crypt using SHA-256 and SHA-512" (2008), over node's own SHA-512. Only the hash ever leaves
// the engine; the password is never stored or logged.
import { createHash, randomBytes } from 'node:crypto';

const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;
const SALT_MAX = 16;
const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The salt alphabet crypt(3) writes; `$` and `:` would break the hash's or the shadow file's fields. */
const SALT_RE = /^[./0-9A-Za-z]{1,16}$/;
/** A `$6$` hash as crypt(3) gives it (optional rounds, salt, 86 characters). */
export const SHA512_CRYPT_RE = /^\$6\$(rounds=[1-9][0-9]{3,8}\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/;

const sha512 = (...parts: Buffer[]) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `n` bytes cycling through `src` (the spec's "for each block of 64 bytes, then the remaining bytes"). */
function repeat(src: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = src[i % src.length]!;
  return out;
}

/** A fresh 16-character salt from the crypt alphabet. */
export function randomSalt(): string {
  return [...randomBytes(SALT_MAX)].map((b) => B64[b & 63]).join('');
}

/** `$6$[rounds=N$]salt$hash` for `password`; `salt` random unless given (tests). */
export function sha512Crypt(password: string, opts: { salt?: string; rounds?: number } = {}): string {
  const salt = (opts.salt ?? randomSalt()).slice(0, SALT_MAX); // crypt(3) reads at most 16
  if (!SALT_RE.test(salt)) throw new Error(`bad SHA-512 crypt salt ${JSON.stringify(salt)}: 1–16 of [./0-9A-Za-z]`);
  const customRounds = opts.rounds !== undefined;
  const rounds = Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, opts.rounds ?? ROUNDS_DEFAULT));
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt, 'ascii');

  const b = sha512(p, s, p);
  const aParts = [p, s, repeat(b, p.length)];
  for (let n = p.length; n > 0; n >>= 1) aParts.push(n & 1 ? b : p);
  const a = sha512(...aParts);
  const dp = sha512(...Array.from({ length: p.length }, () => p));
  const pBytes = repeat(dp, p.length);
  const ds = sha512(...Array.from({ length: 16 + a[0]! }, () => s));
  const sBytes = repeat(ds, s.length);

  let c = a;
  for (let i = 0; i < rounds; i++) {
    const parts: Buffer[] = [i & 1 ? pBytes : c];
    if (i % 3) parts.push(sBytes);
    if (i % 7) parts.push(pBytes);
    parts.push(i & 1 ? c : pBytes);
    c = sha512(...parts);
  }

  // The spec's byte order for the final base-64 groups.
  const order = [
    [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
    [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
  ] as const;
  let out = '';
  const enc = (v: number, n: number) => {
    for (let k = 0; k < n; k++, v >>= 6) out += B64[v & 63];
  };
  for (const [x, y, z] of order) enc((c[x]! << 16) | (c[y]! << 8) | c[z]!, 4);
  enc(c[63]!, 2);
  return `$6$${customRounds ? `rounds=${rounds}$` : ''}${salt}$${out}`;
}
