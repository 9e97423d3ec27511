// The object exposed to the page as window.hangar, and the port forwarding. Built from an injected
// ipcRenderer and window so it can be unit-tested without Electron.
import {
  DISPLAY_PORT_MESSAGE,
  ENGINE_PORT_MESSAGE,
  isEngineStatus,
  isInvokeChannel,
  isMenuCommand,
  isOpenRequest,
  TO_RENDERER,
  type AppChannel,
  type AppChannels,
  type EngineStatus,
  type HangarPreloadApi,
  type MenuCommand,
  type OpenRequest,
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

function subscribe<T>(ipc: PreloadIpc, channel: string, accept: (v: unknown) => v is T, listener: (v: T) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('listener must be a function');
  // The renderer never sees the IpcRendererEvent (it carries `sender`, i.e. ipcRenderer itself).
  const wrapped = (_event: IpcEventLike, value: unknown): void => {
    if (accept(value)) listener(value);
  };
  ipc.on(channel, wrapped);
  return () => void ipc.removeListener(channel, wrapped);
}

export function createHangarApi(ipc: PreloadIpc, version: string): HangarPreloadApi {
  return Object.freeze({
    version,
    invoke<C extends AppChannel>(channel: C, args?: AppChannels[C]['args']): Promise<AppChannels[C]['result']> {
      if (!isInvokeChannel(channel)) {
        return Promise.reject(new Error(`window.hangar.invoke: channel "${String(channel)}" is not allowed`));
      }
      return ipc.invoke(channel, args) as Promise<AppChannels[C]['result']>;
    },
    onEngineStatus(listener: (status: EngineStatus) => void): () => void {
      return subscribe(ipc, TO_RENDERER.engineStatus, isEngineStatus, listener);
    },
    onMenuCommand(listener: (command: MenuCommand) => void): () => void {
      return subscribe(ipc, TO_RENDERER.menuCommand, isMenuCommand, listener);
    },
    onOpenRequest(listener: (request: OpenRequest) => void): () => void {
      return subscribe(ipc, TO_RENDERER.openRequest, isOpenRequest, listener);
    },
  });
}

/**
 * contextBridge cannot carry a MessagePort, so ports from the main process are re-posted to the main
 * world with window.postMessage; the renderer bridge picks them up (`event.source === window`).
 * Addressed to the app's own origin, never '*': a window that somehow shows another page gets no port.
 */
export function forwardPorts(ipc: PreloadIpc, target: PostTarget): void {
  ipc.on(TO_RENDERER.enginePort, (event) => {
    const ports = [...event.ports];
    if (ports.length !== 1) return;
    target.postMessage({ kind: ENGINE_PORT_MESSAGE }, APP_ORIGIN, ports);
  });
  ipc.on(TO_RENDERER.displayPort, (event, meta) => {
    const ports = [...event.ports];
    const vmId = (meta as { vmId?: unknown } | null)?.vmId;
    if (ports.length !== 1 || typeof vmId !== 'string') return;
    target.postMessage({ kind: DISPLAY_PORT_MESSAGE, vmId }, APP_ORIGIN, ports);
  });
}
