// The display mode remembered per VM id in the desktop app's preferences: checked by zod at prefs:set and by the
// JSON schema conf enforces on the file, bounded in size; the browser host's localStorage copy is in create-bridge.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { storeDir } from './fake-store.js';
import { createMemoryPrefs, createPrefsStore } from '../../../src-main/app/prefs.js';
import { DISPLAY_MODES_MAX } from '../../../src-shared/contract/app-contract.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
vi.mock('electron-store', async () => (await import('./fake-store.js')).fakeElectronStoreModule());

let dir: string;
const id = 'c0a80101-0000-4000-8000-000000000001';

describe('preferences: display modes per machine', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-prefs-'));
    storeDir.cwd = dir;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('absent until one is chosen; then round-trips through preferences.json', () => {
    const prefs = createPrefsStore();
    expect(prefs.get()).not.toHaveProperty('displayModes');
    prefs.set({ displayModes: { [id]: 'resize', 'vm-2': 'actual' } });
    expect(createPrefsStore().get().displayModes).toEqual({ [id]: 'resize', 'vm-2': 'actual' });
    expect(JSON.parse(readFileSync(prefs.path, 'utf8')).displayModes).toEqual({ [id]: 'resize', 'vm-2': 'actual' });
  });

  it.each([
    [{ displayModes: { [id]: 'zoom' } }, /displayModes/],
    [{ displayModes: { '../etc': 'fit' } }, /displayModes/],
    [{ displayModes: { [id]: ['fit'] } }, /displayModes/],
    [{ displayModes: ['fit'] }, /displayModes/],
    [{ displayModes: Object.fromEntries(Array.from({ length: DISPLAY_MODES_MAX + 1 }, (_, i) => [`vm-${i}`, 'fit'])) }, /displayModes.*at most/],
  ])('refuses %# and keeps the stored modes', (patch, message) => {
    const prefs = createPrefsStore();
    prefs.set({ displayModes: { [id]: 'fit' } });
    expect(() => prefs.set(patch)).toThrow(message);
    expect(prefs.get().displayModes).toEqual({ [id]: 'fit' });
    expect(() => createMemoryPrefs().set(patch)).toThrow(message);
  });

  it('a "__proto__" key pollutes nothing and is not stored', () => {
    const prefs = createPrefsStore();
    const next = prefs.set({ displayModes: JSON.parse(`{"__proto__": {"polluted": "fit"}, "${id}": "fit"}`) });
    expect(next.displayModes).toEqual({ [id]: 'fit' });
    expect(Object.getPrototypeOf(next.displayModes)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.parse(readFileSync(prefs.path, 'utf8')).displayModes).toEqual({ [id]: 'fit' });
  });

  it('a file with a bad display mode is replaced by the defaults (conf\'s JSON schema)', () => {
    writeFileSync(join(dir, 'preferences.json'), JSON.stringify({ theme: 'dark', displayModes: { [id]: 'zoom' } }));
    expect(createPrefsStore().get()).toMatchObject({ theme: 'system' });
    writeFileSync(join(dir, 'preferences.json'), JSON.stringify({ theme: 'dark', displayModes: { 'a/b': 'fit' } }));
    expect(createPrefsStore().get()).toMatchObject({ theme: 'system' });
    writeFileSync(join(dir, 'preferences.json'), JSON.stringify({ theme: 'dark', displayModes: { [id]: 'actual' } }));
    expect(createPrefsStore().get()).toMatchObject({ theme: 'dark', displayModes: { [id]: 'actual' } });
  });
});
