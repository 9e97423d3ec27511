// The one way main sends to a renderer, typed by the main → renderer channel maps of the app contract
// (RendererMessages, RendererPorts), as ipc-guard.ts is for renderer → main. Lint bans raw
// `webContents.send` / `.postMessage` elsewhere in src-main/app.
import type { MessagePortMain } from 'electron';
import { RENDERER_MESSAGE_CHECKS, type RendererMessages, type RendererPorts } from '../../src-shared/contract/app-contract.js';

/** The part of WebContents the sends use. */
export interface RendererTarget {
  send(channel: string, ...args: unknown[]): void;
  postMessage(channel: string, message: unknown, transfer?: MessagePortMain[]): void;
}

/**
 * Sends a message on a channel of RendererMessages. A payload that fails the channel's boundary check (data that
 * came from outside, e.g. an opened file's classification), or a channel not in the map, is not sent: the preload
 * would drop it anyway.
 * Returns whether it was sent.
 */
export function sendToRenderer<C extends keyof RendererMessages>(target: Pick<RendererTarget, 'send'>, channel: C, payload: RendererMessages[C]): boolean {
  // Object.hasOwn: a channel outside the map (an untyped caller) is refused, not looked up on Object.prototype.
  const check = Object.hasOwn(RENDERER_MESSAGE_CHECKS, channel) ? RENDERER_MESSAGE_CHECKS[channel] : undefined;
  if (!check?.(payload)) return false;
  target.send(channel, payload);
  return true;
}

/** Hands one MessagePort to the renderer on a channel of RendererPorts, with what the channel says comes with it. */
export function sendPortToRenderer<C extends keyof RendererPorts>(target: Pick<RendererTarget, 'postMessage'>, channel: C, meta: RendererPorts[C], port: MessagePortMain): void {
  target.postMessage(channel, meta, [port]);
}
