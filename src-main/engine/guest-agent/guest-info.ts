import type { GuestAgentInfo } from '../../../src-shared/contract/index.js';
import type { QgaReply } from './qga-commands.js';

/** The agent's replies as the details pane shows them: loopback left out, the OS by its pretty name. */
export function guestInfoFrom(r: {
  version: string;
  host: QgaReply<'guest-get-host-name'> | undefined;
  os: QgaReply<'guest-get-osinfo'> | undefined;
  nics: QgaReply<'guest-network-get-interfaces'> | undefined;
  at: number;
}): GuestAgentInfo {
  const osName = r.os?.['pretty-name'] ?? ([r.os?.name, r.os?.version].filter(Boolean).join(' ') || undefined);
  const addresses = (r.nics ?? [])
    .filter((n) => n.name !== 'lo')
    .flatMap((n) => (n['ip-addresses'] ?? [])
      .filter((a) => !/^(127\.|::1$)/.test(a['ip-address']))
      .map((a) => ({ interface: n.name, family: a['ip-address-type'], address: a['ip-address'], prefix: a.prefix })));
  return {
    status: 'running',
    version: r.version,
    ...(r.host ? { hostname: r.host['host-name'] } : {}),
    ...(osName ? { os: { name: osName, ...(r.os?.['kernel-release'] ? { kernel: r.os['kernel-release'] } : {}) } } : {}),
    addresses,
    updatedAt: r.at,
  };
}
