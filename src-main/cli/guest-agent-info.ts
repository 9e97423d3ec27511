import type { GuestAgentInfo } from '../../src-shared/contract/index.js';

/** `hangar info --json`'s `guestAgent`: the setting (`channel`) and what the agent said (status off while stopped). */
export function guestAgentJson(channel: boolean, info: GuestAgentInfo | undefined): GuestAgentInfo & { channel: boolean } {
  return { channel, ...(info ?? { status: 'off', addresses: [] }) };
}

/** `hangar info`'s agent lines: status, then hostname, OS and addresses once the agent has answered. */
export function guestAgentLines(channel: boolean, info: GuestAgentInfo | undefined): Array<[string, string]> {
  if (!channel) return [['Agent', 'off (no guest agent channel)']];
  if (!info || info.status === 'off') return [['Agent', 'channel on (machine not running)']];
  if (info.status === 'waiting') return [['Agent', 'not answering (is qemu-ga installed and running in the guest?)']];
  const lines: Array<[string, string]> = [['Agent', `running${info.version ? ` (qemu-ga ${info.version})` : ''}`]];
  if (info.hostname) lines.push(['Hostname', info.hostname]);
  if (info.os) lines.push(['Guest OS', `${info.os.name}${info.os.kernel ? ` (kernel ${info.os.kernel})` : ''}`]);
  lines.push(['Addresses', info.addresses.map((a) => `${a.address}/${a.prefix} (${a.interface})`).join(', ') || '(none)']);
  return lines;
}
