// Main → renderer sends are typed by the app contract's channel maps at both ends: main sends through
// renderer-sends.ts, the preload hears the same channel and checks the payload with the same table.
// The `@ts-expect-error` lines are checked by `npm run typecheck`.
import { describe, expect, it, vi } from 'vitest';
import type { MessagePortMain } from 'electron';
import { sendPortToRenderer, sendToRenderer } from '../../../src-main/app/renderer-sends.js';
import { createHangarApi, forwardPorts, type IpcEventLike, type PreloadIpc } from '../../../src-main/preload/api.js';
import { RENDERER_MESSAGE_CHECKS, type HangarPreloadApi, type RendererMessages } from '../../../src-shared/contract/app-contract.js';

/** Main's webContents wired to the preload's ipcRenderer, as Electron does. */
function wired() {
  const listeners = new Map<string, Set<(event: IpcEventLike, ...args: unknown[]) => void>>();
  const ipc: PreloadIpc = {
    invoke: vi.fn(async () => undefined),
    on: (channel, l) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
  const deliver = (channel: string, ports: unknown[], args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l({ ports }, ...args);
  };
  const webContents = {
    send: vi.fn((channel: string, ...args: unknown[]) => deliver(channel, [], args)),
    postMessage: vi.fn((channel: string, message: unknown, transfer: MessagePortMain[] = []) => deliver(channel, transfer, [message])),
  };
  return { ipc, webContents };
}

// Which window.hangar subscription hears each channel (a channel added to the map fails to compile until it has one).
const SUBSCRIPTION: { readonly [C in keyof RendererMessages]: keyof HangarPreloadApi } = {
  'engine:status': 'onEngineStatus',
  'menu:command': 'onMenuCommand',
  'open:request': 'onOpenRequest',
};
const SAMPLES: { readonly [C in keyof RendererMessages]: RendererMessages[C] } = {
  'engine:status': { state: 'restarting', attempt: 2 },
  'menu:command': 'vm.pause',
  'open:request': { kind: 'iso', path: '/isos/debian.iso' },
};

describe('main → renderer sends', () => {
  it.each(Object.keys(SAMPLES) as Array<keyof RendererMessages>)('%s reaches the page through its window.hangar subscription', (channel) => {
    const { ipc, webContents } = wired();
    const api = createHangarApi(ipc, '1.0.0');
    const got: unknown[] = [];
    const subscribe = api[SUBSCRIPTION[channel]] as (l: (v: unknown) => void) => () => void;
    const off = subscribe((v) => got.push(v));
    expect(sendToRenderer(webContents, channel, SAMPLES[channel])).toBe(true);
    expect(webContents.send).toHaveBeenCalledWith(channel, SAMPLES[channel]);
    expect(got).toEqual([SAMPLES[channel]]);
    off();
    sendToRenderer(webContents, channel, SAMPLES[channel]);
    expect(got).toHaveLength(1);
  });

  it('does not send a payload that fails the channel\'s check (it came from outside the types)', () => {
    const { webContents } = wired();
    const bad: Array<[keyof RendererMessages, unknown]> = [
      ['engine:status', { state: 'exploded', attempt: 1 }],
      ['menu:command', 'rm -rf'],
      ['open:request', { kind: 'iso', path: 'relative.iso' }],
    ];
    for (const [channel, payload] of bad) {
      expect(RENDERER_MESSAGE_CHECKS[channel](payload)).toBe(false);
      expect(sendToRenderer(webContents, channel, payload as never)).toBe(false);
    }
    expect(webContents.send).not.toHaveBeenCalled();
  });

  it('hands ports over on the port channels, with what the channel says comes along', () => {
    const { ipc, webContents } = wired();
    const posted: Array<[unknown, string, unknown[] | undefined]> = [];
    forwardPorts(ipc, { postMessage: (m, origin, transfer) => void posted.push([m, origin, transfer]) });
    const port = {} as MessagePortMain;
    sendPortToRenderer(webContents, 'engine:port', null, port);
    sendPortToRenderer(webContents, 'display:port', { vmId: 'vm-1' }, port);
    expect(webContents.postMessage.mock.calls).toEqual([['engine:port', null, [port]], ['display:port', { vmId: 'vm-1' }, [port]]]);
    expect(posted.map(([m, , t]) => [m, t])).toEqual([[{ kind: 'hangar-engine-port' }, [port]], [{ kind: 'hangar-display-port', vmId: 'vm-1' }, [port]]]);
  });

  it('is typed by the channel maps (checked by typecheck)', () => {
    const { webContents } = wired();
    const port = {} as MessagePortMain;
    // @ts-expect-error not a menu command
    sendToRenderer(webContents, 'menu:command', 'vm.delete');
    // @ts-expect-error no such main → renderer channel
    sendToRenderer(webContents, 'engine:restart', {});
    // @ts-expect-error an invoke channel is renderer → main
    sendToRenderer(webContents, 'prefs:get', undefined);
    // @ts-expect-error a display port names its VM
    sendPortToRenderer(webContents, 'display:port', null, port);
    // @ts-expect-error a message channel carries no port
    sendPortToRenderer(webContents, 'menu:command', 'vm.start', port);
    // At run time the first three are refused too (a bad payload, channels outside the map); the ports go out.
    expect(webContents.send).not.toHaveBeenCalled();
  });
});
