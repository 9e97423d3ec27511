import { describe, expect, it } from 'vitest';
import { bytesToBase64, sendFileToGuest } from '../../../../src-renderer/features/display/file-drop.js';

type Call = { command: string; args: Record<string, unknown> };
function fakeApi(failChunk = -1) {
  const calls: Call[] = [];
  let chunks = 0;
  return {
    calls,
    api: {
      call: async (command: string, args: Record<string, unknown>) => {
        calls.push({ command, args });
        if (command === 'file.drop.begin') return { dropId: 'drop-1', jobId: 'j', guestPath: '/tmp/x.bin' };
        if (command === 'file.drop.chunk' && chunks++ === failChunk) throw new Error('the guest agent does not answer');
        return {};
      },
    } as never,
  };
}

describe('sendFileToGuest (display drop)', () => {
  it('sends the file in 256 KiB base64 chunks, in order, then ends it', async () => {
    const bytes = new Uint8Array(600 * 1024).map((_, i) => i % 251);
    const { api, calls } = fakeApi();
    expect(await sendFileToGuest(api, 'vm1', new File([bytes], 'x.bin'))).toBe('/tmp/x.bin');
    expect(calls.map((c) => c.command)).toEqual(['file.drop.begin', 'file.drop.chunk', 'file.drop.chunk', 'file.drop.chunk', 'file.drop.end']);
    expect(calls[0]!.args).toEqual({ vm: 'vm1', name: 'x.bin', size: bytes.length });
    expect(calls.slice(1, 4).map((c) => c.args['offset'])).toEqual([0, 262144, 524288]);
    const joined = calls.slice(1, 4).map((c) => atob(String(c.args['data']))).join('');
    expect([...joined].map((ch) => ch.charCodeAt(0))).toEqual([...bytes]);
    expect(bytesToBase64(new Uint8Array([0, 255, 1]))).toBe('AP8B');
  });

  it('refuses a 10 GiB file before anything is sent, and cancels a drop whose chunk failed', async () => {
    const { api, calls } = fakeApi();
    await expect(sendFileToGuest(api, 'vm1', { name: 'huge.img', size: 10 * 1024 ** 3, slice: () => { throw new Error('read'); } })).rejects.toThrow(/huge\.img is too big to drop into the guest \(at most 1 GiB\)/);
    expect(calls).toEqual([]);
    const failing = fakeApi(1);
    await expect(sendFileToGuest(failing.api, 'vm1', new File([new Uint8Array(300 * 1024)], 'y.bin'))).rejects.toThrow(/does not answer/);
    expect(failing.calls.map((c) => c.command)).toEqual(['file.drop.begin', 'file.drop.chunk', 'file.drop.chunk', 'file.drop.cancel']);
  });
});
