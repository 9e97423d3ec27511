/**
 * The renderer ⇄ shell contract (things only the host application can do: native dialogs, prefs,
 * window state). The engine contract (commands.ts) is separate and goes straight to the engine.
 * In the browser host, file dialogs are served by an in-app file browser instead (see serve).
 */
export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface AppInfo {
  version: string;
  platform: string;
  /** 'electron' for the desktop app, 'browser' for `hangar serve`. */
  host: 'electron' | 'browser';
}

/** How a display fits its window: scaled, 1:1, or the guest asked to take the window's size (ExtendedDesktopSize). */
export const DISPLAY_MODES = ['fit', 'actual', 'resize'] as const;
export type DisplayMode = (typeof DISPLAY_MODES)[number];
/** Remembered display modes (one per VM id, the newest kept): bounds what a page can make the prefs file hold. */
export const DISPLAY_MODES_MAX = 500;
/** VM ids are UUIDs; anything word-like and short is accepted, nothing that could be a path or a prototype key. */
export const DISPLAY_MODE_KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9-]{0,63}$';

/**
 * The well-formed part of a stored display-mode map (localStorage is user-editable): own keys matching the pattern
 * with a known mode, at most DISPLAY_MODES_MAX of them (the last ones: the newest are written last). Null: none.
 */
export function sanitizeDisplayModes(raw: unknown): Record<string, DisplayMode> | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const key = new RegExp(DISPLAY_MODE_KEY_PATTERN);
  const entries = Object.entries(raw).filter(([k, v]) => key.test(k) && (DISPLAY_MODES as readonly unknown[]).includes(v)) as Array<[string, DisplayMode]>;
  return entries.length > 0 ? Object.fromEntries(entries.slice(-DISPLAY_MODES_MAX)) : null;
}

export interface AppPrefs {
  theme: 'system' | 'light' | 'dark';
  lastIsoFolder: string | null;
  lastDiskFolder: string | null;
  /** Host key that releases keyboard capture in a display (KeyboardEvent.code). */
  hostKey: string;
  /** User-defined key combinations for the send-keys menu, e.g. "ctrl-alt-f7". */
  customKeyCombos: string[];
  /** Display mode per VM id (absent: the machine's default, see display-model.ts `defaultDisplayMode`). */
  displayModes?: Record<string, DisplayMode>;
}

export interface AppChannels {
  'app:info': { args: undefined; result: AppInfo };
  'dialog:openFile': { args: { title: string; filters: FileFilter[]; defaultPath?: string }; result: string | null };
  'dialog:chooseFolder': { args: { title: string; defaultPath?: string }; result: string | null };
  'prefs:get': { args: undefined; result: AppPrefs };
  'prefs:set': { args: Partial<AppPrefs>; result: AppPrefs };
  /** Electron only: a display port for the VM arrives on `display:port` (forwarded by the preload as `hangar-display-port`). */
  'display:open': { args: { vmId: string }; result: { ok: true } };
}

export type AppChannel = keyof AppChannels;
export const APP_CHANNELS: ReadonlyArray<AppChannel> = ['app:info', 'dialog:openFile', 'dialog:chooseFolder', 'prefs:get', 'prefs:set', 'display:open'];

/** Application-menu items the renderer acts on (main sends them to the focused window). */
export const MENU_COMMANDS = ['vm.new', 'vm.addExisting', 'vm.start', 'vm.pause', 'vm.shutdown', 'vm.forceOff', 'vm.reset'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export function isMenuCommand(value: unknown): value is MenuCommand {
  return typeof value === 'string' && (MENU_COMMANDS as readonly string[]).includes(value);
}

/** The engine's state as the shell sees it (sent on `engine:status`). */
export interface EngineStatus {
  state: 'restarting' | 'ready' | 'failed';
  /** Consecutive restart attempts; 0 for a first start that came up. */
  attempt: number;
}

export const ENGINE_STATES: ReadonlyArray<EngineStatus['state']> = ['restarting', 'ready', 'failed'];

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

/** Longest path the shell hands to the renderer (Linux PATH_MAX), and the longest error text. */
export const OPEN_PATH_MAX = 4096;
export const OPEN_MESSAGE_MAX = 1000;

/**
 * A file or folder opened with Hangar (a file association, `Hangar FILE`, a second launch, macOS open-file),
 * already classified by the shell: an ISO opens the new-VM wizard with it, a machine folder is added to the
 * library, anything else is an error to show. Main sends it on `open:request` to the library window.
 */
export type OpenRequest =
  | { kind: 'iso'; path: string }
  | { kind: 'bundle'; path: string }
  | { kind: 'error'; message: string };

/** An absolute POSIX or Windows (drive or UNC) path of bounded length, without NUL. */
export function isAbsoluteHostPath(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= OPEN_PATH_MAX &&
    !value.includes('\0') &&
    (value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || /^\\\\[^\\]/.test(value))
  );
}

/** The boundary check of `open:request` (main before sending, the preload on receipt): exact shapes only. */
export function isOpenRequest(value: unknown): value is OpenRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v).sort().join(',');
  if (v['kind'] === 'iso' || v['kind'] === 'bundle') return keys === 'kind,path' && isAbsoluteHostPath(v['path']);
  if (v['kind'] === 'error') return keys === 'kind,message' && typeof v['message'] === 'string' && v['message'].length > 0 && v['message'].length <= OPEN_MESSAGE_MAX;
  return false;
}

/**
 * Main → renderer messages, the other direction of AppChannels: channel → payload. Main sends them only through
 * src-main/app/renderer-sends.ts (typed by this map, lint bans raw `webContents.send`); the preload checks each
 * payload with RENDERER_MESSAGE_CHECKS before the page sees it.
 */
export interface RendererMessages {
  'engine:status': EngineStatus;
  'menu:command': MenuCommand;
  /** A file or folder opened with Hangar, sent to the library window. */
  'open:request': OpenRequest;
}

/** The boundary check of each main → renderer message (main before sending, the preload on receipt). */
export const RENDERER_MESSAGE_CHECKS: { readonly [C in keyof RendererMessages]: (value: unknown) => value is RendererMessages[C] } = {
  'engine:status': isEngineStatus,
  'menu:command': isMenuCommand,
  'open:request': isOpenRequest,
};

/**
 * Main → renderer MessagePort hand-offs (one port transferred with `webContents.postMessage`): channel → what
 * comes with the port. contextBridge cannot carry a port, so the preload re-posts it to the page as
 * `{kind: RENDERER_PORT_KINDS[channel], ...meta}`, which the renderer's bridge picks up.
 */
export interface RendererPorts {
  /** The window's own connection to the engine. */
  'engine:port': null;
  /** A display's raw RFB bytes, asked for with `display:open`. */
  'display:port': { vmId: string };
}

export const RENDERER_PORT_KINDS = { 'engine:port': 'hangar-engine-port', 'display:port': 'hangar-display-port' } as const satisfies { readonly [C in keyof RendererPorts]: string };
/** What the preload posts to the page with an engine port, `{kind}`. */
export const ENGINE_PORT_MESSAGE = RENDERER_PORT_KINDS['engine:port'];
/** What the preload posts to the page with a display port, `{kind, vmId}`. */
export const DISPLAY_PORT_MESSAGE = RENDERER_PORT_KINDS['display:port'];

/**
 * `window.hangar` as the page sees it: written once, here. The preload implements it (src-main/preload/api.ts),
 * the renderer's bridge reads it (src-renderer/bridge/create-bridge.ts).
 */
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
