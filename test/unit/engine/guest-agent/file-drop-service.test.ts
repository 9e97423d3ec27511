import { describe, expect, it } from 'vitest';
import { FileDropService } from '../../../../src-main/engine/guest-agent/file-drop-service.js';

/** A fake agent that records every command (one layer: the service's own rules). */
function fakeAgent() {
  const calls: Array<[string, unknown]> = [];
  const files = new Map<number, string>();
  let next = 1;
  const agent = {
    command: async (_vm: string, cmd: string, args: unknown): Promise<never> => {
      calls.push([cmd, args]);
      const a = args as { path?: string; mode?: string; handle?: number; 'buf-b64'?: string };
      if (cmd === 'guest-get-users') return [] as never;
      if (cmd === 'guest-file-open') {
        if (a.mode === 'r') throw new Error('No such file');
        files.set(next, ''); return next++ as never;
      }
      if (cmd === 'guest-file-write') return { count: Buffer.from(a['buf-b64']!, 'base64').length, eof: false } as never;
      return {} as never;
    },
  };
  return { agent, calls, files };
}

const vm = { id: 'v1', name: 'deb', doc: { osId: 'debian12', guestAgent: true } };

describe('FileDropService', () => {
  it('refuses a 10 GiB drop before asking the agent anything', async () => {
    const { agent, calls } = fakeAgent();
    const s = new FileDropService({ agent, emit: () => undefined, log: () => undefined });
    await expect(s.begin(vm, true, 'big.img', 10 * 1024 ** 3)).rejects.toThrow(/^big\.img is 10 GiB; files dropped into a guest may be at most 1 GiB/);
    expect(calls).toEqual([]);
  });

  it('says what is missing: a stopped machine, no agent channel', async () => {
    const { agent, calls } = fakeAgent();
    const s = new FileDropService({ agent, emit: () => undefined, log: () => undefined });
    await expect(s.begin(vm, false, 'a.txt', 1)).rejects.toThrow('"deb" is not running; start it to drop files into it');
    await expect(s.begin({ ...vm, doc: { ...vm.doc, guestAgent: false } }, true, 'a.txt', 1)).rejects.toThrow(/has no guest agent channel: turn it on in Settings → Display, and install qemu-guest-agent/);
    expect(calls).toEqual([]);
  });

  it('writes chunks in order, refuses a gap or more than announced (the partial file is emptied), and a short drop keeps nothing', async () => {
    const { agent, calls } = fakeAgent();
    const events: unknown[] = [];
    const s = new FileDropService({ agent, emit: (_id, e) => events.push(e), log: () => undefined });
    const d = await s.begin(vm, true, 'a.txt', 4);
    expect(d.guestPath).toBe('/tmp/a.txt');
    await expect(s.chunk(d.dropId, 2, Buffer.from('ab').toString('base64'))).rejects.toThrow(/chunk at 2, but 0 bytes were written/);
    await expect(s.chunk(d.dropId, 0, 'YQ==')).rejects.toThrow(/no file drop .* is under way/);
    expect(calls.filter(([c, a]) => c === 'guest-file-open' && (a as { mode: string }).mode === 'w')).toHaveLength(2); // the create, then the emptying
    const e = await s.begin(vm, true, 'b.txt', 2);
    await s.chunk(e.dropId, 0, Buffer.from('b').toString('base64'));
    await expect(s.end(e.dropId)).rejects.toThrow(/ended after 1 of 2 bytes; nothing was kept/);
    expect(events.filter((x) => (x as { status: string }).status === 'failed')).toHaveLength(2);
  });
});
