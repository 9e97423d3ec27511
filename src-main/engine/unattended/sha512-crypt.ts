import { createHash, randomBytes } from 'node:crypto';

/**
 * SHA-512 crypt (`$6$`, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512", as glibc implements it):
 * what preseed's `user-password-crypted`, kickstart's `--iscrypted` and autoinstall's `identity.password`
 * take, so no plain password is written into an answer file. No npm package for it is a dependency here,
 * and the algorithm is short; the spec's own test vectors are in test/unit/unattended-crypt.test.ts.
 */
const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROUNDS_DEFAULT = 5000;

const sha512 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `len` bytes of `digest` repeated (the spec's P and S sequences). */
function repeated(digest: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += 64) digest.copy(out, i, 0, Math.min(64, len - i));
  return out;
}

function encode(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let s = '';
  for (let i = 0; i < n; i++) {
    s += B64[w & 0x3f];
    w >>= 6;
  }
  return s;
}

// The spec's byte order for the final 64-byte digest, three bytes at a time.
const ORDER: ReadonlyArray<readonly [number, number, number]> = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

/** `$6$[rounds=N$]salt$hash`. The salt is up to 16 characters of [./0-9A-Za-z]; random when not given. */
export function sha512Crypt(password: string, salt?: string, rounds?: number): string {
  const saltStr = (salt ?? randomSalt()).slice(0, 16);
  if (!/^[./0-9A-Za-z]*$/.test(saltStr)) throw new Error('a crypt salt may only hold . / 0-9 A-Z a-z');
  const r = rounds === undefined ? ROUNDS_DEFAULT : Math.min(999_999_999, Math.max(1000, Math.floor(rounds)));
  const pw = Buffer.from(password, 'utf8');
  const s = Buffer.from(saltStr, 'utf8');

  const b = sha512(pw, s, pw);
  const a = createHash('sha512').update(pw).update(s).update(repeated(b, pw.length));
  for (let n = pw.length; n > 0; n >>= 1) a.update(n & 1 ? b : pw);
  let c = a.digest();

  const dp = repeated(sha512(...Array<Buffer>(pw.length).fill(pw)), pw.length);
  const ds = repeated(sha512(...Array<Buffer>(16 + c[0]!).fill(s)), s.length);

  for (let i = 0; i < r; i++) {
    const h = createHash('sha512');
    h.update(i & 1 ? dp : c);
    if (i % 3) h.update(ds);
    if (i % 7) h.update(dp);
    h.update(i & 1 ? c : dp);
    c = h.digest();
  }

  let out = '';
  for (const [x, y, z] of ORDER) out += encode(c[x]!, c[y]!, c[z]!, 4);
  out += encode(0, 0, c[63]!, 2);
  const roundsPart = rounds === undefined ? '' : `rounds=${r}$`;
  return `$6$${roundsPart}${saltStr}$${out}`;
}

function randomSalt(): string {
  return [...randomBytes(16)].map((x) => B64[x & 0x3f]).join('');
}
