// The object exposed to the page as window.hangar, and the port forwarding. Built from an injected
// ipcRenderer and window so it can be unit-tested without Electron.
import {
  isInvokeChannel,
  RENDERER_MESSAGE_CHECKS,
  RENDERER_PORT_KINDS,
  type AppChannel,
  type AppChannels,
  type HangarPreloadApi,
  type RendererMessages,
  type RendererPorts,
} from './channels.js';
import { APP_ORIGIN } from '../app/app-url.js';

/** The part of Electron's IpcRendererEvent the preload uses. */
export interface IpcEventLike {
  ports: readonly unknown[]; // DOM MessagePorts (typed loosely: this file is type-checked without the DOM lib)
}

/** The part of ipcRenderer the preload uses. */
export interface PreloadIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
}

/** The part of window the preload uses. */
export interface PostTarget {
  postMessage(message: unknown, targetOrigin: string, transfer?: unknown[]): void;
}

export function versionFromArgv(argv: readonly string[]): string {
  const flag = argv.find((a) => a.startsWith('--hangar-version='));
  return flag ? flag.slice('--hangar-version='.length) : '0.0.0';
}

/** A main → renderer message, its payload checked against the channel map before the page sees it. */
function subscribe<C extends keyof RendererMessages>(ipc: PreloadIpc, channel: C, listener: (value: RendererMessages[C]) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('listener must be a function');
  const accept = RENDERER_MESSAGE_CHECKS[channel];
  // The renderer never sees the IpcRendererEvent (it carries `sender`, i.e. ipcRenderer itself).
  const wrapped = (_event: IpcEventLike, value: unknown): void => {
    if (accept(value)) listener(value);
  };
  ipc.on(channel, wrapped);
  return () => void ipc.removeListener(channel, wrapped);
}

export function createHangarApi(ipc: PreloadIpc, version: string): HangarPreloadApi {
  const api: HangarPreloadApi = {
    version,
    invoke<C extends AppChannel>(channel: C, args?: AppChannels[C]['args']): Promise<AppChannels[C]['result']> {
      if (!isInvokeChannel(channel)) {
        return Promise.reject(new Error(`window.hangar.invoke: channel "${String(channel)}" is not allowed`));
      }
      return ipc.invoke(channel, args) as Promise<AppChannels[C]['result']>;
    },
    onEngineStatus: (listener) => subscribe(ipc, 'engine:status', listener),
    onMenuCommand: (listener) => subscribe(ipc, 'menu:command', listener),
    onOpenRequest: (listener) => subscribe(ipc, 'open:request', listener),
  };
  return Object.freeze(api);
}

/** A port hand-off from main, with what came with it (null when it is not the channel's shape). */
function onPort<C extends keyof RendererPorts>(ipc: PreloadIpc, channel: C, read: (meta: unknown) => RendererPorts[C] | undefined, forward: (meta: RendererPorts[C], port: unknown) => void): void {
  ipc.on(channel, (event, meta) => {
    const ports = [...event.ports];
    const value = read(meta);
    if (ports.length === 1 && value !== undefined) forward(value, ports[0]);
  });
}

/**
 * contextBridge cannot carry a MessagePort, so ports from the main process are re-posted to the main
 * world with window.postMessage; the renderer bridge picks them up (`event.source === window`).
 * Addressed to the app's own origin, never '*': a window that somehow shows another page gets no port.
 */
export function forwardPorts(ipc: PreloadIpc, target: PostTarget): void {
  onPort(ipc, 'engine:port', () => null, (_meta, port) => target.postMessage({ kind: RENDERER_PORT_KINDS['engine:port'] }, APP_ORIGIN, [port]));
  onPort(
    ipc,
    'display:port',
    (meta) => {
      const vmId = (meta as { vmId?: unknown } | null)?.vmId;
      return typeof vmId === 'string' ? { vmId } : undefined;
    },
    ({ vmId }, port) => target.postMessage({ kind: RENDERER_PORT_KINDS['display:port'], vmId }, APP_ORIGIN, [port]),
  );
}
