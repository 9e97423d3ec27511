import type { AppChannel, AppChannels, AppPrefs } from '../../src-shared/contract/index.js';
import { sanitizeDisplayModes } from '../../src-shared/contract/app-contract.js';
import type { FileDialogHost } from './file-dialog.js';

export const DEFAULT_PREFS: AppPrefs = {
  theme: 'system',
  lastIsoFolder: null,
  lastDiskFolder: null,
  hostKey: 'ControlRight',
  customKeyCombos: [],
};

const PREFS_KEY = 'hangar.prefs';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Keeps only known keys with values of the right type (localStorage is user-editable). */
export function sanitizePrefs(raw: unknown): Partial<AppPrefs> {
  if (!raw || typeof raw !== 'object') return {};
  const r = raw as Record<string, unknown>;
  const out: Partial<AppPrefs> = {};
  if (r['theme'] === 'system' || r['theme'] === 'light' || r['theme'] === 'dark') out.theme = r['theme'];
  for (const k of ['lastIsoFolder', 'lastDiskFolder'] as const) {
    if (r[k] === null || typeof r[k] === 'string') out[k] = r[k] as string | null;
  }
  if (typeof r['hostKey'] === 'string' && r['hostKey'].length > 0 && r['hostKey'].length < 64) out.hostKey = r['hostKey'];
  if (Array.isArray(r['customKeyCombos']) && r['customKeyCombos'].every((c) => typeof c === 'string')) {
    out.customKeyCombos = (r['customKeyCombos'] as string[]).slice(0, 100);
  }
  const displayModes = sanitizeDisplayModes(r['displayModes']);
  if (displayModes) out.displayModes = displayModes;
  return out;
}

function readPrefs(storage: StorageLike): AppPrefs {
  try {
    return { ...DEFAULT_PREFS, ...sanitizePrefs(JSON.parse(storage.getItem(PREFS_KEY) ?? 'null')) };
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

export interface BrowserAppDeps {
  storage: StorageLike;
  dialogs: FileDialogHost;
  /** The engine's version (the app and engine ship together). */
  version: () => Promise<string>;
  platform: string;
}

/** The shell calls as the browser host provides them: prefs in localStorage, dialogs in the page. */
export function browserAppCalls(deps: BrowserAppDeps) {
  return async function app<C extends AppChannel>(channel: C, args: AppChannels[C]['args']): Promise<AppChannels[C]['result']> {
    type R = AppChannels[C]['result'];
    switch (channel) {
      case 'app:info':
        return { version: await deps.version(), platform: deps.platform, host: 'browser' } as R;
      case 'prefs:get':
        return readPrefs(deps.storage) as R;
      case 'prefs:set': {
        const next = { ...readPrefs(deps.storage), ...sanitizePrefs(args) };
        deps.storage.setItem(PREFS_KEY, JSON.stringify(next));
        return next as R;
      }
      case 'dialog:openFile': {
        const a = args as AppChannels['dialog:openFile']['args'];
        return (await deps.dialogs.request({ mode: 'file', title: a.title, filters: a.filters, defaultPath: a.defaultPath })) as R;
      }
      case 'dialog:chooseFolder': {
        const a = args as AppChannels['dialog:chooseFolder']['args'];
        return (await deps.dialogs.request({ mode: 'folder', title: a.title, filters: [], defaultPath: a.defaultPath })) as R;
      }
      default:
        throw new Error(`unknown app channel "${String(channel)}"`);
    }
  };
}
