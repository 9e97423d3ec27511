// What a cloud-init seed accepts from a person (wizard, CLI, engine edge): the same rules everywhere, so the
// wizard says what the engine would. No zod here: the renderer imports it for its fields' messages.

/** useradd's default NAME_REGEX (Debian, Fedora): lower case, starts with a letter or _, at most 32. */
export const CLOUD_USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 63 each, 253 in all. */
export const CLOUD_HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const CLOUD_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;
export const CLOUD_MAX_KEYS = 32;
/** An RSA 16384-bit public key is about 2.8 KB of base 64; a comment more than that is not a key file. */
export const CLOUD_MAX_KEY_LENGTH = 8192;
export const CLOUD_MAX_PASSWORD_LENGTH = 1024;
/** Extra user-data a person adds (a script, more cloud-config): a seed is a small file. */
export const CLOUD_MAX_USER_DATA = 64 * 1024;
/** Names cloud-init treats as special or that would take over an existing system account. */
const RESERVED_USERS = new Set(['root', 'daemon', 'bin', 'sys', 'sync', 'nobody', 'default']);

/** A problem with one value, or null when it is fine. */
export function cloudUserProblem(user: string): string | null {
  if (RESERVED_USERS.has(user)) return `"${user}" is a system account; choose another user name`;
  if (!CLOUD_USER_RE.test(user)) return 'must be 1–32 characters: lower-case letters, digits, "_" or "-", starting with a letter or "_"';
  return null;
}

export function cloudHostnameProblem(host: string): string | null {
  return CLOUD_HOSTNAME_RE.test(host) ? null : 'must be a host name: letters, digits and inner hyphens, dot-separated labels of at most 63 (253 in all)';
}

export function cloudPasswordProblem(password: string): string | null {
  if (password.length === 0) return 'must not be empty';
  if (password.length > CLOUD_MAX_PASSWORD_LENGTH) return `must be at most ${CLOUD_MAX_PASSWORD_LENGTH} characters`;
  if (/[\u0000\r\n]/.test(password)) return 'must not contain a NUL or a line break';
  return null;
}

/**
 * One OpenSSH public key line (`type base64 [comment]`), or a problem. The base 64 must decode to a blob that
 * starts with the same type (what sshd checks), so a truncated or pasted-over key is caught here.
 */
export function sshKeyProblem(line: string): string | null {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(line)) return 'this is a private key: give the public key (the .pub file)';
  if (line.length > CLOUD_MAX_KEY_LENGTH) return `is longer than ${CLOUD_MAX_KEY_LENGTH} characters: not one public key`;
  if (/[\u0000-\u001f\u007f]/.test(line)) return 'must be one line (no line breaks or control characters)';
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,3})(?: (.*))?$/.exec(line);
  if (!m) return 'is not an OpenSSH public key line ("ssh-ed25519 AAAA… comment")';
  const [, type, b64] = m as unknown as [string, string, string];
  if (!(CLOUD_KEY_TYPES as readonly string[]).includes(type)) return `has the key type "${type}"; use one of ${CLOUD_KEY_TYPES.join(', ')}`;
  const blob = base64Bytes(b64);
  const n = blob.length >= 4 ? ((blob[0]! << 24) | (blob[1]! << 16) | (blob[2]! << 8) | blob[3]!) >>> 0 : -1;
  const named = n >= 0 && 4 + n <= blob.length ? String.fromCharCode(...blob.slice(4, 4 + n)) : null;
  if (named !== type) return `is damaged: its data does not start with the key type "${type}"`;
  return null;
}

/** Keys from a file or a paste: one per line; blank lines and # comments left out. */
export function sshKeyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function base64Bytes(s: string): number[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of s.replace(/=+$/, '')) {
    acc = (acc << 6) | alphabet.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return out;
}
