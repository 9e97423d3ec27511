import { z } from 'zod';

/**
 * The guest agent commands Hangar uses, with their replies as qga/qapi-schema.json (QEMU 7.2) defines them.
 * Replies are checked: the agent runs inside the guest, so what it says is untrusted input.
 */
const ipAddress = z.object({
  'ip-address-type': z.enum(['ipv4', 'ipv6']),
  'ip-address': z.string().max(64),
  prefix: z.number().int(),
});

export const QGA_REPLIES = {
  'guest-sync-delimited': z.number().int(),
  'guest-ping': z.object({}),
  'guest-info': z.object({
    version: z.string().max(200),
    supported_commands: z.array(z.object({ name: z.string(), enabled: z.boolean(), 'success-response': z.boolean() })).max(1000),
  }),
  'guest-get-host-name': z.object({ 'host-name': z.string().max(1024) }),
  'guest-get-osinfo': z.object({
    'kernel-release': z.string().max(1024).optional(),
    'kernel-version': z.string().max(1024).optional(),
    machine: z.string().max(200).optional(),
    id: z.string().max(200).optional(),
    name: z.string().max(1024).optional(),
    'pretty-name': z.string().max(1024).optional(),
    version: z.string().max(1024).optional(),
    'version-id': z.string().max(200).optional(),
  }),
  'guest-network-get-interfaces': z.array(z.object({
    name: z.string().max(256),
    'hardware-address': z.string().max(64).optional(),
    'ip-addresses': z.array(ipAddress).max(256).optional(),
  })).max(256),
  'guest-fsfreeze-status': z.enum(['thawed', 'frozen']),
  'guest-fsfreeze-freeze': z.number().int(),
  'guest-fsfreeze-thaw': z.number().int(),
  'guest-set-time': z.object({}),
  /** Files (dropped on the display): a handle, written in base64 chunks, closed. */
  'guest-file-open': z.number().int(),
  'guest-file-write': z.object({ count: z.number().int(), eof: z.boolean() }),
  'guest-file-close': z.object({}),
  'guest-get-users': z.array(z.object({ user: z.string().max(256), domain: z.string().max(256).optional() }).passthrough()).max(1000),
  /** No reply on success (the guest is going down). */
  'guest-shutdown': z.undefined(),
} as const;

export type QgaCommand = keyof typeof QGA_REPLIES;
export type QgaReply<C extends QgaCommand> = z.infer<(typeof QGA_REPLIES)[C]>;

export interface QgaArguments {
  'guest-sync-delimited': { id: number };
  'guest-ping': undefined;
  'guest-info': undefined;
  'guest-get-host-name': undefined;
  'guest-get-osinfo': undefined;
  'guest-network-get-interfaces': undefined;
  'guest-fsfreeze-status': undefined;
  'guest-fsfreeze-freeze': undefined;
  'guest-fsfreeze-thaw': undefined;
  /** Nanoseconds since the epoch. */
  'guest-set-time': { time: number };
  'guest-shutdown': { mode: 'powerdown' | 'halt' | 'reboot' };
  'guest-file-open': { path: string; mode: 'r' | 'w' };
  'guest-file-write': { handle: number; 'buf-b64': string };
  'guest-file-close': { handle: number };
  'guest-get-users': undefined;
}
