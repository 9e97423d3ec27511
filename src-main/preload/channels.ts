// What crosses the preload boundary, from the renderer ⇄ shell contract (app-contract.ts, where both directions'
// channel maps and window.hangar's type live). Shared by the preload (which refuses anything else) and src-main/app.
// Imports only app-contract.ts (no zod, no npm): the preload is one sandboxed CommonJS file.
import { APP_CHANNELS, type AppChannel } from '../../src-shared/contract/app-contract.js';

export {
  DISPLAY_PORT_MESSAGE,
  ENGINE_PORT_MESSAGE,
  ENGINE_STATES,
  isEngineStatus,
  isMenuCommand,
  isOpenRequest,
  MENU_COMMANDS,
  RENDERER_MESSAGE_CHECKS,
  RENDERER_PORT_KINDS,
  type AppChannel,
  type AppChannels,
  type EngineStatus,
  type HangarPreloadApi,
  type MenuCommand,
  type OpenRequest,
  type RendererMessages,
  type RendererPorts,
} from '../../src-shared/contract/app-contract.js';

/** The invoke() allowlist: exactly the contract's channels. */
export const INVOKE_CHANNELS: ReadonlySet<string> = new Set<string>(APP_CHANNELS);

export function isInvokeChannel(channel: unknown): channel is AppChannel {
  return typeof channel === 'string' && INVOKE_CHANNELS.has(channel);
}
