// Validation of the app preferences, in two forms: zod for what the renderer sends (prefs:set), and the
// JSON schema conf/electron-store enforces on every write and read of preferences.json.
// Pure (no electron) so it can be tested directly.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { DISPLAY_MODE_KEY_PATTERN, DISPLAY_MODES, DISPLAY_MODES_MAX, type AppPrefs } from '../../src-shared/contract/app-contract.js';

export const THEMES = ['system', 'light', 'dark'] as const;
/** KeyboardEvent.code values are ASCII words: "ControlRight", "AltLeft", "F12", "Backquote". */
const HOST_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9]{0,31}$';
/** "ctrl-alt-f7", "shift-a" (the engine's combo syntax; the engine checks the key names). */
const COMBO_PATTERN = '^[a-z0-9_]+(-[a-z0-9_]+){0,7}$';
const MAX_PATH = 4096;
const MAX_COMBOS = 64;

const folder = z
  .string()
  .min(1)
  .max(MAX_PATH)
  .refine((p) => !p.includes('\0') && isAbsolute(p), 'must be an absolute path')
  .nullable();

/** What prefs:set accepts: a strict partial of AppPrefs (unknown keys are refused, not dropped). */
export const appPrefsPatchSchema = z
  .strictObject({
    theme: z.enum(THEMES),
    lastIsoFolder: folder,
    lastDiskFolder: folder,
    hostKey: z.string().regex(new RegExp(HOST_KEY_PATTERN)),
    customKeyCombos: z.array(z.string().max(100).regex(new RegExp(COMBO_PATTERN))).max(MAX_COMBOS),
    displayModes: z
      .record(z.string().regex(new RegExp(DISPLAY_MODE_KEY_PATTERN)), z.enum(DISPLAY_MODES))
      .refine((m) => Object.keys(m).length <= DISPLAY_MODES_MAX, `at most ${DISPLAY_MODES_MAX} machines`),
  })
  .partial();
// Compile-time check that the schema matches the contract (no `satisfies`: electronegativity's TS 4.2 parser).
const _patchMatchesContract: z.ZodType<Partial<AppPrefs>> = appPrefsPatchSchema;
void _patchMatchesContract;

export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
  maximized: boolean;
}

/** Everything preferences.json holds: the renderer-visible AppPrefs plus shell-only state. */
export interface StoredPrefs extends AppPrefs {
  window: WindowBounds | null;
}

export const DEFAULT_PREFS: StoredPrefs = {
  theme: 'system',
  lastIsoFolder: null,
  lastDiskFolder: null,
  hostKey: 'ControlRight',
  customKeyCombos: [],
  window: null,
};

const folderJson = { anyOf: [{ type: 'null' }, { type: 'string', minLength: 1, maxLength: MAX_PATH }] };
const int = { type: 'integer', minimum: -100_000, maximum: 100_000 };

/** The JSON schema handed to electron-store (conf validates with ajv on every write). */
export const PREFS_JSON_SCHEMA = {
  theme: { type: 'string', enum: [...THEMES] },
  lastIsoFolder: folderJson,
  lastDiskFolder: folderJson,
  hostKey: { type: 'string', pattern: HOST_KEY_PATTERN },
  customKeyCombos: { type: 'array', maxItems: MAX_COMBOS, items: { type: 'string', maxLength: 100, pattern: COMBO_PATTERN } },
  displayModes: {
    type: 'object',
    maxProperties: DISPLAY_MODES_MAX,
    propertyNames: { pattern: DISPLAY_MODE_KEY_PATTERN },
    additionalProperties: { type: 'string', enum: [...DISPLAY_MODES] },
  },
  window: {
    anyOf: [
      { type: 'null' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['x', 'y', 'width', 'height', 'maximized'],
        properties: {
          x: int,
          y: int,
          width: { type: 'integer', minimum: 100, maximum: 100_000 },
          height: { type: 'integer', minimum: 100, maximum: 100_000 },
          maximized: { type: 'boolean' },
        },
      },
    ],
  },
} as const;

export function toAppPrefs(stored: StoredPrefs): AppPrefs {
  return {
    theme: stored.theme,
    lastIsoFolder: stored.lastIsoFolder,
    lastDiskFolder: stored.lastDiskFolder,
    hostKey: stored.hostKey,
    customKeyCombos: [...stored.customKeyCombos],
    // Only once one was chosen, so prefs from before display modes read as they did.
    ...(stored.displayModes && Object.keys(stored.displayModes).length > 0 ? { displayModes: { ...stored.displayModes } } : {}),
  };
}
