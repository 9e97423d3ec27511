// Every renderer → main handler checks the sender frame and the arguments before doing anything.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import { FakeBrowserWindow, type FakeElectron } from './fake-electron.js';
import { APP_CHANNELS, type AppChannel } from '../../../src-shared/contract/app-contract.js';
import { setupAppIpc } from '../../../src-main/app/app-ipc.js';
import { setupDialogs } from '../../../src-main/app/dialogs.js';
import { setupDisplayPorts } from '../../../src-main/app/display-ports.js';
import { createMemoryPrefs } from '../../../src-main/app/prefs.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
vi.mock('electron-store', () => ({ default: class {} }));
const fake = electron as unknown as FakeElectron;

const VALID_ARGS: Record<AppChannel, unknown> = {
  'app:info': undefined,
  'dialog:openFile': { title: 'Choose an ISO', filters: [{ name: 'ISO', extensions: ['iso'] }] },
  'dialog:chooseFolder': { title: 'Choose a folder', defaultPath: '/home/me' },
  'prefs:get': undefined,
  'prefs:set': { theme: 'dark' },
  'display:open': { vmId: 'vm-1' },
};

const UNTRUSTED_FRAMES: Array<[string, unknown]> = [
  ['a foreign https frame', { url: 'https://evil.example/' }],
  ['another app:// host', { url: 'app://evil/index.html' }],
  ['a look-alike host', { url: 'app://hangar.evil/index.html' }],
  ['credentials in the URL', { url: 'app://user@hangar/index.html' }],
  ['a file:// frame', { url: 'file:///home/me/out/renderer/index.html' }],
  ['an empty URL', { url: '' }],
  ['a null frame (navigated away / destroyed)', null],
  ['no frame at all', undefined],
];

let win: FakeBrowserWindow;

function invoke(channel: AppChannel, senderFrame: unknown, args: unknown): Promise<unknown> {
  const handler = fake.ipcMain.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return Promise.resolve().then(() => handler({ senderFrame, sender: win.webContents }, args));
}

const trusted = { url: 'app://hangar/index.html' };

describe('app IPC handlers', () => {
  beforeEach(() => {
    fake.reset();
    win = new FakeBrowserWindow({});
    setupAppIpc(createMemoryPrefs());
    setupDialogs();
    setupDisplayPorts({ postToEngine: () => true });
  });

  it('registers a handler for every app-contract channel', () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...APP_CHANNELS].sort());
  });

  describe.each(APP_CHANNELS.map((c) => [c]))('%s', (channel) => {
    it.each(UNTRUSTED_FRAMES)('rejects %s without acting', async (_label, frame) => {
      await expect(invoke(channel, frame, VALID_ARGS[channel])).rejects.toThrow(/untrusted frame/);
      expect(fake.dialog.showOpenDialog).not.toHaveBeenCalled();
    });

    it('answers our own frame', async () => {
      await expect(invoke(channel, trusted, VALID_ARGS[channel])).resolves.toBeDefined();
    });
  });

  it.each([
    ['app:info', { sneaky: true }],
    ['prefs:get', 'x'],
    ['prefs:set', { theme: 'pink' }],
    ['prefs:set', { theme: 'dark', extra: 1 }],
    ['dialog:openFile', undefined],
    ['dialog:openFile', { filters: [] }],
    ['dialog:openFile', { title: 'x', filters: [{ name: 'x', extensions: ['../../etc'] }] }],
    ['dialog:openFile', { title: 'x', filters: [{ name: 'x', extensions: ['*.iso'] }] }],
    ['dialog:openFile', { title: 'x', filters: [], defaultPath: 'relative/path' }],
    ['dialog:openFile', { title: 'x', filters: [], properties: ['multiSelections'] }],
    ['dialog:chooseFolder', { title: '' }],
    ['dialog:chooseFolder', { title: 'x', defaultPath: '/a\0b' }],
  ] as Array<[AppChannel, unknown]>)('%s refuses bad arguments %j', async (channel, args) => {
    await expect(invoke(channel, trusted, args)).rejects.toThrow(/invalid arguments/);
    expect(fake.dialog.showOpenDialog).not.toHaveBeenCalled();
  });

  it('prefs:set then prefs:get round-trips; a bad theme is refused and changes nothing', async () => {
    await invoke('prefs:set', trusted, { theme: 'light', hostKey: 'AltRight' });
    await expect(invoke('prefs:set', trusted, { theme: 'neon' })).rejects.toThrow(/theme/);
    await expect(invoke('prefs:get', trusted, undefined)).resolves.toMatchObject({ theme: 'light', hostKey: 'AltRight' });
  });

  it('app:info says which host this is', async () => {
    await expect(invoke('app:info', trusted, undefined)).resolves.toEqual({ version: '9.9.9', platform: process.platform, host: 'electron' });
  });

  it('dialog:openFile opens a native dialog on the sender window with the given filters', async () => {
    const result = await invoke('dialog:openFile', trusted, { title: 'Choose an ISO', filters: [{ name: 'ISO', extensions: ['iso'] }], defaultPath: '/isos' });
    expect(result).toBe('/isos/debian.iso');
    expect(fake.dialog.showOpenDialog).toHaveBeenCalledWith(win, {
      title: 'Choose an ISO',
      filters: [{ name: 'ISO', extensions: ['iso'] }],
      defaultPath: '/isos',
      properties: ['openFile', 'dontAddToRecent'],
    });
  });

  it('dialogs answer null when cancelled', async () => {
    fake.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    await expect(invoke('dialog:chooseFolder', trusted, { title: 'Folder' })).resolves.toBeNull();
    expect(fake.dialog.showOpenDialog.mock.calls[0]![1]).toMatchObject({ properties: ['openDirectory', 'createDirectory', 'dontAddToRecent'] });
  });
});
