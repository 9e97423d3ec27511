import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import type { FakeBrowserWindow, FakeElectron } from './fake-electron.js';
import { createMainWindow } from '../../../src-main/app/window.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

function open(): FakeBrowserWindow {
  return createMainWindow({ preloadPath: '/x/out/preload/preload.cjs', version: '1.2.3' }) as unknown as FakeBrowserWindow;
}

describe('createMainWindow', () => {
  beforeEach(() => fake.reset());

  it('creates an isolated, sandboxed window without Node and with our preload', () => {
    const win = open();
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: '/x/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      experimentalFeatures: false,
      allowRunningInsecureContent: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: false,
      additionalArguments: ['--hangar-version=1.2.3'],
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(win.loadURL).toHaveBeenCalledWith('app://hangar/index.html');
  });

  it('carries the app icon when given (main passes out/renderer/icon.png), none otherwise', () => {
    expect(open().options).not.toHaveProperty('icon');
    const win = createMainWindow({ preloadPath: '/x/out/preload/preload.cjs', version: '1.2.3', iconPath: '/x/out/renderer/icon.png' }) as unknown as FakeBrowserWindow;
    expect(win.options.icon).toBe('/x/out/renderer/icon.png');
  });

  it('denies every permission request and check', () => {
    const win = open();
    const ses = win.webContents.session;
    expect(ses.setPermissionRequestHandler).toHaveBeenCalledTimes(1);
    const handler = ses.setPermissionRequestHandler.mock.calls[0]![0] as (wc: unknown, p: string, cb: (ok: boolean) => void) => void;
    for (const permission of ['media', 'notifications', 'geolocation', 'openExternal']) {
      const cb = vi.fn();
      handler(win.webContents, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    const check = ses.setPermissionCheckHandler.mock.calls[0]![0] as (...a: unknown[]) => boolean;
    expect(check(win.webContents, 'media', 'app://hangar')).toBe(false);
    const device = ses.setDevicePermissionHandler.mock.calls[0]![0] as (...a: unknown[]) => boolean;
    expect(device({ deviceType: 'usb', origin: 'app://hangar' })).toBe(false);
  });

  it('refuses downloads', () => {
    const win = open();
    const event = { preventDefault: vi.fn() };
    win.webContents.session.emit('will-download', event, {}, win.webContents);
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('denies window.open', () => {
    const win = open();
    const handler = win.webContents.setWindowOpenHandler.mock.calls[0]![0] as (d: { url: string }) => unknown;
    expect(handler({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'app://hangar/index.html' })).toEqual({ action: 'deny' });
  });

  it('blocks navigation away from app://hangar', () => {
    const win = open();
    const navigate = (url: string): boolean => {
      const event = { preventDefault: vi.fn() };
      win.webContents.emit('will-navigate', event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('app://other/index.html')).toBe(true);
    expect(navigate('app://hangar/index.html')).toBe(false);
  });

  it('blocks sub-frame navigation and redirects away from app://hangar', () => {
    const win = open();
    const frameEvent = (url: string) => ({ url, preventDefault: vi.fn() });
    const foreign = frameEvent('https://example.com/');
    win.webContents.emit('will-frame-navigate', foreign);
    expect(foreign.preventDefault).toHaveBeenCalled();
    const ours = frameEvent('app://hangar/x.html');
    win.webContents.emit('will-frame-navigate', ours);
    expect(ours.preventDefault).not.toHaveBeenCalled();
    const redirect = { preventDefault: vi.fn() };
    win.webContents.emit('will-redirect', redirect, 'https://example.com/');
    expect(redirect.preventDefault).toHaveBeenCalled();
  });

  it('refuses <webview> attachment', () => {
    const win = open();
    const event = { preventDefault: vi.fn() };
    win.webContents.emit('will-attach-webview', event, {}, {});
    expect(event.preventDefault).toHaveBeenCalled();
  });
});
