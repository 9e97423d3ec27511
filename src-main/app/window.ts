// The main window: isolated, sandboxed, no Node, our preload only, loaded from app://hangar.
import { BrowserWindow } from 'electron';
import type { Rectangle } from 'electron';
import { APP_START_URL } from './app-url.js';
import { hardenSession, hardenWebContents } from './security.js';
import { DEFAULT_SIZE, MIN_SIZE } from './window-state.js';

export interface MainWindowOptions {
  preloadPath: string;
  /** Passed to the preload as `--hangar-version=…` (the sandboxed preload cannot read package.json). */
  version: string;
  url?: string;
  bounds?: Partial<Rectangle>;
  maximized?: boolean;
  /** DevTools only in development builds. */
  devTools?: boolean;
  /** The window's icon (the app icon the renderer build puts at out/renderer/icon.png). */
  iconPath?: string;
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    ...DEFAULT_SIZE,
    ...opts.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Hangar',
    ...(opts.iconPath ? { icon: opts.iconPath } : {}),
    webPreferences: {
      // Reviewed: a sandboxed CommonJS preload that exposes only window.hangar (an allowlisted invoke and
      // two listeners) through contextBridge, never ipcRenderer itself; see src-main/preload/.
      preload: opts.preloadPath, /* eng-disable PRELOAD_JS_CHECK */
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // Middle-click (auxclick) would otherwise try to open links in a new window.
      disableBlinkFeatures: 'Auxclick',
      devTools: opts.devTools ?? false,
      spellcheck: false,
      additionalArguments: [`--hangar-version=${opts.version}`],
    },
  });
  hardenSession(win.webContents.session);
  hardenWebContents(win.webContents);
  win.once('ready-to-show', () => {
    if (opts.maximized) win.maximize();
    win.show();
  });
  void win.loadURL(opts.url ?? APP_START_URL);
  return win;
}
