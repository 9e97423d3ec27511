// What crosses the preload boundary, derived from the renderer ⇄ shell contract (app-contract.ts).
// Shared by the preload (which refuses anything else) and src-main/app (which handles and sends them).
// Imports only app-contract.ts (no zod, no npm): the preload is one sandboxed CommonJS file.
import { APP_CHANNELS, type AppChannel, type AppChannels } from '../../src-shared/contract/app-contract.js';

export type { AppChannel, AppChannels };

/** The invoke() allowlist: exactly the contract's channels. */
export const INVOKE_CHANNELS: ReadonlySet<string> = new Set<string>(APP_CHANNELS);

export function isInvokeChannel(channel: unknown): channel is AppChannel {
  return typeof channel === 'string' && INVOKE_CHANNELS.has(channel);
}

/** Main → renderer channels (webContents.send / webContents.postMessage). */
export const TO_RENDERER = {
  engineStatus: 'engine:status',
  enginePort: 'engine:port',
  displayPort: 'display:port',
  menuCommand: 'menu:command',
  /** A file or folder opened with Hangar (OpenRequest), sent to the library window. */
  openRequest: 'open:request',
} as const;

/** What the preload posts to the main world with window.postMessage (ports cannot cross contextBridge). */
export const ENGINE_PORT_MESSAGE = 'hangar-engine-port';
export const DISPLAY_PORT_MESSAGE = 'hangar-display-port';

// TODO(lead): EngineStatus, MenuCommand and HangarPreloadApi belong in src-shared/contract/app-contract.ts
// so that src-renderer/bridge can import them; they live here until then.

/** The engine's state as the shell sees it (sent on `engine:status`). */
export interface EngineStatus {
  state: 'restarting' | 'ready' | 'failed';
  /** Consecutive restart attempts; 0 for a first start that came up. */
  attempt: number;
}

export const ENGINE_STATES: ReadonlyArray<EngineStatus['state']> = ['restarting', 'ready', 'failed'];

// Application-menu items the renderer acts on (sent on `menu:command` to the focused window): one
// definition in the app contract, shared with the renderer.
import { MENU_COMMANDS, type MenuCommand } from '../../src-shared/contract/app-contract.js';
export { MENU_COMMANDS, type MenuCommand };
import { isOpenRequest, type OpenRequest } from '../../src-shared/contract/app-contract.js';
export { isOpenRequest, type OpenRequest };

export function isMenuCommand(value: unknown): value is MenuCommand {
  return typeof value === 'string' && (MENU_COMMANDS as readonly string[]).includes(value);
}

export function isEngineStatus(value: unknown): value is EngineStatus {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['state'] === 'string' &&
    (ENGINE_STATES as readonly string[]).includes(v['state']) &&
    typeof v['attempt'] === 'number' &&
    Number.isInteger(v['attempt']) &&
    v['attempt'] >= 0
  );
}

/** `window.hangar` as the page sees it. */
export interface HangarPreloadApi {
  readonly version: string;
  invoke<C extends AppChannel>(channel: C, args?: AppChannels[C]['args']): Promise<AppChannels[C]['result']>;
  /** Returns the unsubscribe function. */
  onEngineStatus(listener: (status: EngineStatus) => void): () => void;
  /** Returns the unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /** Files and folders opened with Hangar; malformed ones are dropped. Returns the unsubscribe function. */
  onOpenRequest(listener: (request: OpenRequest) => void): () => void;
}
