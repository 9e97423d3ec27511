import { z } from 'zod';

/** A connection's name: what `--connection NAME` and the sidebar show. "local" is This computer (Hangar's own engine). */
export const LOCAL_CONNECTION = 'local';
export const connectionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'must be 1-40 letters, digits, ".", "_" or "-", starting with a letter or digit')
  .refine((n) => n !== LOCAL_CONNECTION, '"local" is This computer');

/**
 * URI parameters a connection may carry (libvirt's remote driver). Left out on purpose: `command`, `netcat`,
 * `socket` and `keyfile` (they name programs, sockets and files virsh or ssh would run or open: a key goes in the
 * agent or ~/.ssh/config instead), and `no_verify` (it turns host-key checks off).
 */
const ALLOWED_PARAMS = new Set(['no_tty', 'mode', 'proxy']);

/** scheme://[userinfo@]authority/path[?query][#fragment]: parsed here, src-shared has no URL class. */
const URI_SHAPE = /^([a-z0-9+.-]+):\/\/(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/i;

/** A libvirt URI: `qemu:///system`, `qemu:///session`, `qemu+ssh://[user@]host[:port]/system`. No passwords. */
export const connectionUriSchema = z
  .string()
  .max(1000)
  .superRefine((uri, ctx) => {
    const fail = (message: string): void => void ctx.addIssue({ code: 'custom', message });
    if (/[\s\u0000-\u001f\u007f]/.test(uri)) return fail('must not contain spaces or control characters');
    const m = URI_SHAPE.exec(uri);
    if (!m) return fail('must be a libvirt URI like qemu:///system or qemu+ssh://user@host/system');
    const [, scheme, userinfo, authority, path, query, fragment] = m;
    const s = scheme!.toLowerCase();
    if (s !== 'qemu' && s !== 'qemu+ssh') return fail(`"${scheme}://" is not supported: use qemu:/// (this computer's libvirt) or qemu+ssh:// (another host over SSH)`);
    if (userinfo !== undefined && userinfo.includes(':')) return fail('must not carry a password: SSH uses your agent and keys');
    if (path !== '/system' && path !== '/session') return fail('must end in /system or /session');
    if (s === 'qemu' && (authority !== '' || userinfo !== undefined)) return fail('qemu:// with a host needs a transport: use qemu+ssh://user@host/system');
    const host = /^(\[[0-9a-f:.]+\]|[A-Za-z0-9._-]*)(?::(\d{1,5}))?$/i.exec(authority!);
    if (s === 'qemu+ssh') {
      if (authority === '') return fail('qemu+ssh:// needs a host: qemu+ssh://user@host/system');
      if (authority!.startsWith('-') || (userinfo ?? '').startsWith('-')) return fail('the host and user must not start with "-"');
      if (!host || host[1] === '') return fail('the host must be a name, an IPv4 address or an [IPv6] address, with an optional :port');
      if (userinfo !== undefined && !/^[A-Za-z0-9._-]+$/.test(userinfo)) return fail('the user must be letters, digits, ".", "_" or "-"');
    }
    for (const pair of (query ?? '').split('&').filter(Boolean)) {
      const key = pair.split('=')[0]!;
      if (!ALLOWED_PARAMS.has(key)) return fail(`the URI parameter "${key}" is not allowed (allowed: ${[...ALLOWED_PARAMS].join(', ')})`);
    }
    if (fragment) return fail('must not have a #fragment');
  });

/**
 * A storage volume's name in a pool (`pool.upload --name`): a plain file name, since a dir pool makes it a file in its
 * folder: no "/", not "." or "..", no leading dot (a hidden file), no control characters (a line break would forge
 * lines in virsh's listings and logs).
 */
export const volumeNameSchema = z
  .string()
  .min(1)
  .max(255)
  .refine((n) => !n.includes('/'), 'must be a plain file name, without "/"')
  .refine((n) => !n.startsWith('.'), 'must not start with "." (no hidden files, no "..")')
  .refine((n) => !/[\u0000-\u001f\u007f-\u009f]/.test(n), 'must not contain control characters (line breaks, tabs)');

/** A storage pool's name as libvirt shows it (`virsh pool-list`): letters, digits, ".", "_", "-", "+", ":". */
export const poolNameSchema = z.string().regex(/^[A-Za-z0-9_+:][A-Za-z0-9_.+:-]{0,99}$/, 'must be a storage pool name like "default" (letters, digits, ".", "_", "-", "+", ":")');

export type ConnectionState = 'unknown' | 'connected' | 'error';

export interface ConnectionInfo {
  name: string;
  uri: string;
  /** Last known: `connected` once a call succeeded, `error` (with `error`) when the last one failed. */
  state: ConnectionState;
  error?: string;
}
