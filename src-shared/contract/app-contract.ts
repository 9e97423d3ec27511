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

export interface AppPrefs {
  theme: 'system' | 'light' | 'dark';
  lastIsoFolder: string | null;
  lastDiskFolder: string | null;
  /** Host key that releases keyboard capture in a display (KeyboardEvent.code). */
  hostKey: string;
  /** User-defined key combinations for the send-keys menu, e.g. "ctrl-alt-f7". */
  customKeyCombos: string[];
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
