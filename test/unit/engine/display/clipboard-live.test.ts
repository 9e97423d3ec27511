import { describe, expect, it } from 'vitest';
import { applyClipboardLive } from '../../../../src-main/engine/display/clipboard-live.js';
import type { ClipboardPolicy } from '../../../../src-main/engine/display/rfb-clipboard-guard.js';

/** The slice of the engine the live change reads: one VM, maybe running, whose QEMU has the channel or not. */
function engine(state: string | null, channel: boolean, clipboard: ClipboardPolicy = 'both') {
  const doc = { id: 'vm-1', name: 'Work', clipboard };
  const emitted: string[] = [];
  const policies: string[] = [];
  const session = {
    state: { kind: state },
    qmp: { execute: async (name: string) => (name === 'query-chardev' ? (channel ? [{ label: 'vdagent0', filename: 'x', 'frontend-open': true }] : []) : {}) },
  };
  const ctx = {
    store: {
      load: async () => ({ id: 'vm-1', name: 'Work', doc }),
      update: async (_id: string, patch: { clipboard: ClipboardPolicy }) => Object.assign(doc, patch),
    },
    sessions: new Map(state ? [['vm-1', session]] : []),
    emit: (_id: string, e: { type: string }) => emitted.push(e.type),
  };
  const displays = { setClipboardPolicy: (_id: string, p: ClipboardPolicy) => policies.push(p) };
  return { ctx: ctx as never, displays, doc, emitted, policies };
}

describe('applyClipboardLive', () => {
  it('changes a running machine\'s policy at once: document, open displays, vm.changed', async () => {
    const e = engine('running', true);
    expect(await applyClipboardLive(e.ctx, e.displays, 'Work', { clipboard: 'guest-to-host' })).toEqual({ doc: expect.objectContaining({ clipboard: 'guest-to-host' }) });
    expect(e.policies).toEqual(['guest-to-host']);
    expect(e.emitted).toEqual(['vm.changed']);
    const p = engine('paused', true);
    await applyClipboardLive(p.ctx, p.displays, 'Work', { clipboard: 'off' });
    expect(p.doc.clipboard).toBe('off');
  });

  it('refuses to turn sharing on for a run started without the channel, changing nothing', async () => {
    const e = engine('running', false, 'off');
    await expect(applyClipboardLive(e.ctx, e.displays, 'Work', { clipboard: 'both' })).rejects.toMatchObject({ code: 'invalid-state', message: expect.stringMatching(/only while "Work" is shut down/) });
    expect(e.doc.clipboard).toBe('off');
    expect(e.policies).toEqual([]);
  });

  it('leaves every other case to the usual path (stopped, saving, other fields)', async () => {
    for (const [state, patch] of [[null, { clipboard: 'both' }], ['saving', { clipboard: 'both' }], ['running', { clipboard: 'both', memoryMiB: 512 }], ['running', { memoryMiB: 512 }]] as const) {
      const e = engine(state, true);
      expect(await applyClipboardLive(e.ctx, e.displays, 'Work', patch as never)).toBeNull();
      expect(e.policies).toEqual([]);
    }
  });
});
