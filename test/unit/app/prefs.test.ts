// App preferences: electron-store (conf) with a JSON schema, mode 0600, and zod at the prefs:set edge.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { storeDir } from './fake-store.js';
import { createMemoryPrefs, createPrefsStore } from '../../../src-main/app/prefs.js';
import { DEFAULT_PREFS } from '../../../src-main/app/prefs-schema.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
vi.mock('electron-store', async () => (await import('./fake-store.js')).fakeElectronStoreModule());

let dir: string;

describe('preferences', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-prefs-'));
    storeDir.cwd = dir;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts from the defaults and round-trips a valid patch to preferences.json', () => {
    const prefs = createPrefsStore();
    expect(prefs.get()).toEqual({ theme: 'system', lastIsoFolder: null, lastDiskFolder: null, hostKey: 'ControlRight', customKeyCombos: [] });
    const next = prefs.set({ theme: 'dark', lastIsoFolder: '/home/me/isos', customKeyCombos: ['ctrl-alt-f7'] });
    expect(next).toMatchObject({ theme: 'dark', lastIsoFolder: '/home/me/isos', customKeyCombos: ['ctrl-alt-f7'], hostKey: 'ControlRight' });
    expect(prefs.path).toBe(join(dir, 'preferences.json'));
    expect(createPrefsStore().get()).toEqual(next); // a new store reads the file
    expect(JSON.parse(readFileSync(prefs.path, 'utf8'))).toMatchObject({ theme: 'dark' });
  });

  it('writes the file with mode 0600', () => {
    const prefs = createPrefsStore();
    prefs.set({ theme: 'light' });
    expect(statSync(prefs.path).mode & 0o777).toBe(0o600);
  });

  it.each([
    [{ theme: 'pink' }, /theme/],
    [{ theme: 42 }, /theme/],
    [{ lastIsoFolder: 'relative/dir' }, /lastIsoFolder.*absolute/],
    [{ hostKey: 'Ctrl; rm -rf' }, /hostKey/],
    [{ customKeyCombos: ['ctrl alt del'] }, /customKeyCombos/],
    [{ window: { x: 0, y: 0, width: 1, height: 1, maximized: false } }, /Unrecognized key/i],
    [{ __proto__: { theme: 'dark' }, polluted: true }, /Unrecognized key/i],
    ['dark', /expected object/i],
    [null, /expected object/i],
  ])('refuses %j and leaves the stored prefs unchanged', (patch, message) => {
    const prefs = createPrefsStore();
    prefs.set({ theme: 'light' });
    expect(() => prefs.set(patch)).toThrow(message);
    expect(prefs.get().theme).toBe('light');
    expect(createMemoryPrefs().set.bind(null, patch)).toThrow(message);
  });

  it('keeps window bounds apart from the renderer-visible prefs', () => {
    const prefs = createPrefsStore();
    prefs.setWindowBounds({ x: 5.4, y: 6, width: 900, height: 600, maximized: true });
    expect(createPrefsStore().getWindowBounds()).toEqual({ x: 5, y: 6, width: 900, height: 600, maximized: true });
    expect(prefs.get()).not.toHaveProperty('window');
    // Out-of-range bounds are dropped (schema), not thrown from a window event.
    prefs.setWindowBounds({ x: 1e9, y: 0, width: 900, height: 600, maximized: false });
    expect(prefs.getWindowBounds()).toMatchObject({ x: 5 });
  });

  it('replaces a damaged or schema-violating file with the defaults', () => {
    writeFileSync(join(dir, 'preferences.json'), '{ not json');
    expect(createPrefsStore().get()).toMatchObject({ theme: DEFAULT_PREFS.theme });
    writeFileSync(join(dir, 'preferences.json'), JSON.stringify({ theme: 'pink' }));
    expect(createPrefsStore().get().theme).toBe('system');
  });
});
