import { BrowserWindow } from 'electron';
import { APP_START_URL } from './app-url.js';
import { hardenSession, hardenWebContents } from './security.js';

export interface MainWindowOptions {
  preloadPath: string;
  /** Passed to the preload as `--hangar-version=…` (the sandboxed preload cannot read package.json). */
  version: string;
  url?: string;
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Hangar',
    webPreferences: {
      preload: opts.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      additionalArguments: [`--hangar-version=${opts.version}`],
    },
  });
  hardenSession(win.webContents.session);
  hardenWebContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.url ?? APP_START_URL);
  return win;
}
