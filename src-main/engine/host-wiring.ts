import type { MessageTransport } from '../../src-shared/contract/index.js';
import type { EngineServer } from './rpc/engine-server.js';
import { messagePortTransport, type PortLike } from './transport/message-port.js';

/** What the engine announces to its host once it serves. */
export interface EngineReadyInfo {
  libraryDir: string;
  controlSocket: string;
}

const isAttachPort = (data: unknown): boolean => typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'attach-port';
const attachDisplayVm = (data: unknown): string | null => {
  const d = data as { type?: unknown; vmId?: unknown } | null;
  return typeof d === 'object' && d !== null && d.type === 'attach-display' && typeof d.vmId === 'string' ? d.vmId : null;
};

/** Optional handlers for other control messages of the parent port. */
export interface ParentPortHooks {
  /** `{type: 'attach-display', vmId}` with a transferred port: a viewer for that VM's display. */
  attachDisplay?(vmId: string, port: PortLike): void;
}

/**
 * The Electron utility-process host: `process.parentPort` carries engine requests itself, and each
 * window's MessagePort arrives as a transferred port on an `{type: 'attach-port'}` message. Those
 * control messages are consumed here; everything else goes to the engine's edge like any request.
 */
export function wireParentPort(server: Pick<EngineServer, 'attach'>, parentPort: PortLike, ready: EngineReadyInfo, hooks: ParentPortHooks = {}): void {
  const listeners: Array<(message: unknown) => void> = [];
  const closeListeners: Array<(reason: string) => void> = [];
  parentPort.on('message', (e) => {
    if (isAttachPort(e.data)) {
      const port = e.ports?.[0];
      if (port) server.attach(messagePortTransport(port as PortLike));
      return;
    }
    const displayVm = attachDisplayVm(e.data);
    if (displayVm !== null) {
      const port = e.ports?.[0];
      if (port && hooks.attachDisplay) hooks.attachDisplay(displayVm, port as PortLike);
      else (port as PortLike | undefined)?.close?.();
      return;
    }
    for (const l of listeners) l(e.data);
  });
  parentPort.on('close', () => {
    for (const l of closeListeners) l('parent port closed');
  });
  const transport: MessageTransport = {
    send: (message) => parentPort.postMessage(message),
    onMessage: (l) => void listeners.push(l),
    onClose: (l) => void closeListeners.push(l),
    close: () => parentPort.close?.(),
  };
  server.attach(transport);
  parentPort.start?.();
  parentPort.postMessage({ type: 'engine-ready', ...ready });
}
