import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineClient, VmEvent } from '../../../src-shared/contract/index.js';
import { followConsole } from '../../../src-main/cli/console.js';
import { EXIT } from '../../../src-main/cli/exit-codes.js';

// `hangar --connection X console` on a libvirt domain whose serial is a pty: the log is followed, the user is told
// why typing is not sent, and stdin is not read (nothing goes to vm.console.write).
function fakeClient(attach: { log: string; readOnly?: string }) {
  const calls: string[] = [];
  const listeners = new Set<(e: VmEvent) => void>();
  const client = {
    call: async (command: string) => {
      calls.push(command);
      if (command === 'vm.get') return { doc: { id: 'u1' } };
      if (command === 'vm.console.attach') return attach;
      return { ok: true };
    },
    onEvent: (l: (e: VmEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as EngineClient;
  const emit = (e: Record<string, unknown>) => listeners.forEach((l) => l({ seq: 1, ...e } as unknown as VmEvent));
  return { client, calls, emit };
}

afterEach(() => vi.restoreAllMocks());

describe('hangar console on a read-only console', () => {
  it('says why on stderr, does not read stdin, follows until the machine stops', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const f = fakeClient({ log: 'boot\n', readOnly: '"d"\'s serial console is a pseudo-terminal (pty)' });
    let out = '';
    const stdinListeners = process.stdin.listenerCount('data');
    const done = followConsole(f.client, 'd', { follow: true, out: (s) => (out += s) });
    await vi.waitFor(() => expect(stderr).toHaveBeenCalledWith(expect.stringContaining('read-only console (typing is not sent): "d"\'s serial console is a pseudo-terminal (pty)')));
    expect(process.stdin.listenerCount('data')).toBe(stdinListeners);
    f.emit({ type: 'vm.serial', vmId: 'u1', data: 'more\n' });
    f.emit({ type: 'vm.state', vmId: 'u1', state: { kind: 'stopped' } });
    expect(await done).toBe(EXIT.ok);
    expect(out).toBe('boot\nmore\n');
    expect(f.calls).not.toContain('vm.console.write');
  });
});
