import { describe, expect, it } from 'vitest';
import { guestAgentJson, guestAgentLines } from '../../../src-main/cli/guest-agent-info.js';

const running = {
  status: 'running' as const, version: '7.2.0', hostname: 'fixture-guest', os: { name: 'Hangar test guest', kernel: '6.1.0' },
  addresses: [{ interface: 'eth0', family: 'ipv4' as const, address: '10.0.2.15', prefix: 24 }], updatedAt: 1,
};

describe('hangar info: the guest agent', () => {
  it('shows status, hostname, OS and addresses once the agent answers', () => {
    expect(guestAgentLines(true, running)).toEqual([
      ['Agent', 'running (qemu-ga 7.2.0)'], ['Hostname', 'fixture-guest'], ['Guest OS', 'Hangar test guest (kernel 6.1.0)'], ['Addresses', '10.0.2.15/24 (eth0)'],
    ]);
  });

  it('says why there is nothing to show: no channel, not running, no agent answering', () => {
    expect(guestAgentLines(false, undefined)).toEqual([['Agent', 'off (no guest agent channel)']]);
    expect(guestAgentLines(true, undefined)).toEqual([['Agent', 'channel on (machine not running)']]);
    expect(guestAgentLines(true, { status: 'waiting', addresses: [] })[0]![1]).toMatch(/not answering.*qemu-ga/);
  });

  it('--json carries the setting and the agent\'s state, hostname and addresses under guestAgent', () => {
    expect(guestAgentJson(true, running)).toEqual({ channel: true, ...running });
    expect(guestAgentJson(false, undefined)).toEqual({ channel: false, status: 'off', addresses: [] });
  });
});
