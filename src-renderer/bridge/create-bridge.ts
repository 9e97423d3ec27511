import type { HangarApi } from './hangar-api.js';
// app-contract.js itself: contract/index.js would bring the command schemas (zod) into the first paint.
import {
  DISPLAY_PORT_MESSAGE,
  ENGINE_PORT_MESSAGE,
  isOpenRequest,
  type AppChannel,
  type AppChannels,
  type HangarPreloadApi,
  type OpenRequest,
} from '../../src-shared/contract/app-contract.js';
import { EngineConnection, type Connector, type EngineConnectionOptions } from './engine-connection.js';
import { messagePortTransport, webSocketTransport, type MessagePortLike, type WebSocketLike } from './transports.js';
import { browserAppCalls, type StorageLike } from './browser-app.js';
import { FileDialogHost } from './file-dialog.js';
import { bindDisplayPort, bindDisplaySocket, DisplayChannel, DISPLAY_CLOSE, type DisplayPortLike, type DisplaySocketLike } from './display-channel.js';

/**
 * window.hangar: the app contract's HangarPreloadApi (the type the preload implements). Only `invoke` is relied on;
 * the subscriptions are used when present (a fake in tests may leave them out).
 */
export type PreloadApiLike = Pick<HangarPreloadApi, 'invoke'> & Partial<Omit<HangarPreloadApi, 'invoke'>>;

/** The messages the preload posts (with the port transferred) for an engine port and a display port `{kind, vmId}`. */
export { DISPLAY_PORT_MESSAGE, ENGINE_PORT_MESSAGE };

/** The window facilities the bridge needs; a fake in tests. */
export interface BridgeWindow {
  hangar?: PreloadApiLike;
  location: { protocol: string; host: string };
  localStorage: StorageLike;
  navigator: { platform: string };
  addEventListener(type: 'message', listener: (ev: { source: unknown; data: unknown; ports: ReadonlyArray<unknown> }) => void): void;
  WebSocket: new (url: string) => WebSocketLike;
}

/** The one file-dialog host of this page (browser host only; Electron uses native dialogs). */
export const fileDialogs = new FileDialogHost();

/** The engine WebSocket URL of the browser host serving this page (cookie auth, same origin). */
export function engineUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/engine`;
}

/** The display WebSocket URL of a VM (raw RFB; noVNC accepts the WebSocket itself as its channel). */
export function displayUrl(location: { protocol: string; host: string }, vmId: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/display?vm=${encodeURIComponent(vmId)}`;
}

function webSocketConnector(win: BridgeWindow): Connector {
  return ({ open, fail }) => {
    let ws: WebSocketLike;
    try {
      ws = new win.WebSocket(engineUrl(win.location));
    } catch (err) {
      fail((err as Error).message);
      return () => undefined;
    }
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      open(webSocketTransport(ws));
    });
    ws.addEventListener('close', (ev) => {
      if (!opened) fail(ev.reason || `closed (${ev.code})`);
    });
    return () => {
      if (!opened) ws.close();
    };
  };
}

/**
 * A file opened at launch arrives as soon as the page has loaded, before the library window (lazy, behind
 * the first-run gate) listens: keep requests until a listener comes, then hand them over in order.
 */
function openRequests(preload?: PreloadApiLike): HangarApi['onOpenRequest'] {
  const early: OpenRequest[] = [];
  const listeners = new Set<(request: OpenRequest) => void>();
  preload?.onOpenRequest?.((request) => {
    if (!isOpenRequest(request)) return;
    if (listeners.size === 0) early.push(request);
    else for (const l of [...listeners]) l(request);
  });
  return (listener) => {
    listeners.add(listener);
    for (const request of early.splice(0)) listener(request);
    return () => void listeners.delete(listener);
  };
}

function api(connection: EngineConnection, app: HangarApi['app'], openDisplay: HangarApi['openDisplay'], preload?: PreloadApiLike): HangarApi {
  return {
    openDisplay,
    onMenuCommand: (listener) => preload?.onMenuCommand?.(listener) ?? (() => undefined),
    onOpenRequest: openRequests(preload),
    call: (command, args, options) => connection.call(command, args, options?.connection),
    onEvent: (listener) => connection.onEvent(listener),
    app,
    connection: () => connection.connection(),
    onConnectionChange: (listener) => connection.onConnectionChange(listener),
  };
}

/**
 * The HangarApi for this page. In Electron (window.hangar present) the engine comes over the
 * MessagePort the preload forwards with `window.postMessage({kind: 'hangar-engine-port'}, '*', [port])`,
 * and shell calls go to `window.hangar.invoke`. In the browser host the engine comes over
 * `ws(s)://<host>/engine` (the cookie authenticates it) and shell calls are done in the page:
 * prefs in localStorage, file dialogs through `fileDialogs` (shown by FileBrowserDialog).
 */
export function createBridge(win: BridgeWindow = window as unknown as BridgeWindow, options: EngineConnectionOptions = {}): HangarApi {
  const preload = win.hangar;
  if (preload) {
    // Ports are pushed, never requested: the connector only waits for the next one.
    const connection = new EngineConnection(() => () => undefined, options).start();
    win.addEventListener('message', (ev) => {
      const data = ev.data as { kind?: unknown } | null;
      if (ev.source !== win || data?.kind !== ENGINE_PORT_MESSAGE || ev.ports.length !== 1) return;
      connection.adopt(messagePortTransport(ev.ports[0] as MessagePortLike));
    });
    preload.onEngineStatus?.((status) => {
      if (status.state !== 'ready') connection.drop();
    });
    const app = <C extends AppChannel>(channel: C, args: AppChannels[C]['args']): Promise<AppChannels[C]['result']> => preload.invoke(channel, args);
    // Display ports are asked for with display:open and arrive like engine ports; matched per VM, oldest first.
    const waiting = new Map<string, DisplayChannel[]>();
    win.addEventListener('message', (ev) => {
      const data = ev.data as { kind?: unknown; vmId?: unknown } | null;
      if (ev.source !== win || data?.kind !== DISPLAY_PORT_MESSAGE || typeof data.vmId !== 'string' || ev.ports.length !== 1) return;
      const port = ev.ports[0] as DisplayPortLike;
      const channel = waiting.get(data.vmId)?.shift();
      if (channel) bindDisplayPort(channel, port);
      else port.close();
    });
    const openDisplay = (vmId: string): DisplayChannel => {
      const channel = new DisplayChannel();
      waiting.set(vmId, [...(waiting.get(vmId) ?? []), channel]);
      app('display:open', { vmId }).catch((err: Error) => {
        waiting.set(vmId, (waiting.get(vmId) ?? []).filter((c) => c !== channel));
        channel.closed(DISPLAY_CLOSE.notRunning, err.message);
      });
      return channel;
    };
    return api(connection, app, openDisplay, preload);
  }
  const connection = new EngineConnection(webSocketConnector(win), options).start();
  const app = browserAppCalls({
    storage: win.localStorage,
    dialogs: fileDialogs,
    platform: win.navigator.platform,
    version: async () => (await connection.call('engine.hello', { client: 'hangar-browser' })).engineVersion,
  });
  const openDisplay = (vmId: string): DisplayChannel => {
    const channel = new DisplayChannel();
    try {
      return bindDisplaySocket(channel, new win.WebSocket(displayUrl(win.location, vmId)) as unknown as DisplaySocketLike);
    } catch (err) {
      channel.closed(DISPLAY_CLOSE.unreachable, (err as Error).message);
      return channel;
    }
  };
  return api(connection, app, openDisplay);
}
