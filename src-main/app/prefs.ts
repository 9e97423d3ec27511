// App preferences in <userData>/preferences.json via electron-store (conf): schema-checked on every
// write, mode 0600, a damaged or schema-violating file is replaced by the defaults.
// Only the main process writes it; the renderer reads and writes through prefs:get / prefs:set.
import Store, { type Options, type Schema } from 'electron-store';
import type { AppPrefs } from '../../src-shared/contract/app-contract.js';
import { appPrefsPatchSchema, DEFAULT_PREFS, PREFS_JSON_SCHEMA, toAppPrefs, type StoredPrefs, type WindowBounds } from './prefs-schema.js';

export interface PrefsStore {
  get(): AppPrefs;
  /** Validates `patch` (throws on a bad value or an unknown key) and returns the new prefs. */
  set(patch: unknown): AppPrefs;
  getWindowBounds(): WindowBounds | null;
  setWindowBounds(bounds: WindowBounds): void;
  readonly path: string;
}

export function createPrefsStore(options: { cwd?: string } = {}): PrefsStore {
  const store = new Store<StoredPrefs>({
    name: 'preferences',
    ...(options.cwd ? { cwd: options.cwd } : {}),
    // conf's Schema type is keyed by the store's own type; the JSON literal is checked by ajv at runtime.
    schema: PREFS_JSON_SCHEMA as unknown as Schema<StoredPrefs>,
    // conf also types dotted paths into the displayModes map ("displayModes.<id>"), which a plain object lacks.
    defaults: DEFAULT_PREFS as Options<StoredPrefs>['defaults'],
    configFileMode: 0o600,
    clearInvalidConfig: true,
    watch: false,
  });

  const read = (): StoredPrefs => ({ ...DEFAULT_PREFS, ...store.store });

  return {
    path: store.path,
    get: () => toAppPrefs(read()),
    set(patch: unknown): AppPrefs {
      const parsed = appPrefsPatchSchema.safeParse(patch);
      if (!parsed.success) {
        const problem = parsed.error.issues.map((i) => `${i.path.join('.') || 'prefs'}: ${i.message}`).join('; ');
        throw new Error(`invalid preferences: ${problem}`);
      }
      const next: StoredPrefs = { ...read() };
      for (const [key, value] of Object.entries(parsed.data)) {
        if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
      }
      store.store = next;
      return toAppPrefs(next);
    },
    getWindowBounds: () => read().window,
    setWindowBounds(bounds: WindowBounds): void {
      // Called from window events: a refused value (e.g. a huge off-screen position) is dropped, not thrown.
      try {
        store.set('window', {
          x: Math.round(bounds.x),
          y: Math.round(bounds.y),
          width: Math.round(bounds.width),
          height: Math.round(bounds.height),
          maximized: bounds.maximized,
        });
      } catch {
        /* keep the previous bounds */
      }
    },
  };
}

/** Used when preferences.json cannot be opened at all (unwritable userData): same rules, nothing saved. */
export function createMemoryPrefs(): PrefsStore {
  let stored: StoredPrefs = { ...DEFAULT_PREFS };
  return {
    path: ':memory:',
    get: () => toAppPrefs(stored),
    set(patch: unknown): AppPrefs {
      const parsed = appPrefsPatchSchema.safeParse(patch);
      if (!parsed.success) throw new Error(`invalid preferences: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      stored = { ...stored, ...Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) };
      return toAppPrefs(stored);
    },
    getWindowBounds: () => stored.window,
    setWindowBounds: (bounds) => void (stored = { ...stored, window: bounds }),
  };
}
