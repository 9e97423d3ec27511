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

/** A libvirt URI: `qemu:///system`, `qemu:///session`, `qemu+ssh://[user@]host[:port]/system`. No passwords. */
export const connectionUriSchema = z
  .string()
  .max(1000)
  .superRefine((uri, ctx) => {
    const fail = (message: string): void => void ctx.addIssue({ code: 'custom', message });
    if (/[\s\0]/.test(uri)) return fail('must not contain spaces or control characters');
    let u: URL;
    try {
      u = new URL(uri);
    } catch {
      return fail('must be a libvirt URI like qemu:///system or qemu+ssh://user@host/system');
    }
    if (u.protocol !== 'qemu:' && u.protocol !== 'qemu+ssh:') return fail(`"${u.protocol}//" is not supported: use qemu:/// (this computer's libvirt) or qemu+ssh:// (another host over SSH)`);
    if (u.password) return fail('must not carry a password: SSH uses your agent and keys');
    if (u.pathname !== '/system' && u.pathname !== '/session') return fail('must end in /system or /session');
    if (u.protocol === 'qemu:' && u.host !== '') return fail('qemu:// with a host needs a transport: use qemu+ssh://user@host/system');
    if (u.protocol === 'qemu+ssh:' && u.hostname === '') return fail('qemu+ssh:// needs a host: qemu+ssh://user@host/system');
    if (u.hostname.startsWith('-') || u.username.startsWith('-')) return fail('the host and user must not start with "-"');
    for (const key of u.searchParams.keys()) if (!ALLOWED_PARAMS.has(key)) return fail(`the URI parameter "${key}" is not allowed (allowed: ${[...ALLOWED_PARAMS].join(', ')})`);
    if (u.hash) return fail('must not have a #fragment');
  });

export type ConnectionState = 'unknown' | 'connected' | 'error';

export interface ConnectionInfo {
  name: string;
  uri: string;
  /** Last known: `connected` once a call succeeded, `error` (with `error`) when the last one failed. */
  state: ConnectionState;
  error?: string;
}
