// `display:open {vmId}`: a fresh MessageChannelMain per display. port1 goes to the engine (utility
// process) as `{type:'attach-display', vmId}`, port2 to the asking window on `display:port`; the preload
// forwards it to the page. The bytes then flow engine ⇄ page directly: main copies nothing.
import { MessageChannelMain } from 'electron';
import type { MessagePortMain } from 'electron';
import { z } from 'zod';
import { handleTrusted } from './ipc-guard.js';
import { sendPortToRenderer } from './renderer-sends.js';

/** The part of EngineHost display ports need. */
export interface DisplayEngine {
  /** Posts a control message with transferred ports to the engine; false while it is not ready. */
  postToEngine(message: unknown, ports: MessagePortMain[]): boolean;
}

export const displayOpenArgs = z.strictObject({ vmId: z.string().min(1).max(1000) });

export function setupDisplayPorts(engine: DisplayEngine): void {
  handleTrusted('display:open', displayOpenArgs, (args, event) => {
    const { port1, port2 } = new MessageChannelMain();
    if (!engine.postToEngine({ type: 'attach-display', vmId: args.vmId }, [port1])) {
      port1.close();
      port2.close();
      throw new Error('the Hangar engine is not running; try again in a moment');
    }
    sendPortToRenderer(event.sender, 'display:port', { vmId: args.vmId }, port2);
    return { ok: true as const };
  });
}
