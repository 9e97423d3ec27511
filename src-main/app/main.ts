// Electron main-process entry (out/main/main.js). Small on purpose: each feature is a setupXxx().
import { app, BrowserWindow, screen, session } from 'electron';
import type { BrowserWindow as BrowserWindowType } from 'electron';
import { join } from 'node:path';
import { setupAppIpc } from './app-ipc.js';
import { cliArgs, runCliMode } from './cli-mode.js';
import { handleAppProtocol, registerAppSchemePrivileged } from './app-protocol.js';
import { setupDialogs } from './dialogs.js';
import { setupDisplayPorts } from './display-ports.js';
import { EngineHost } from './engine-host.js';
import { setupMenu } from './menu.js';
import { fileArgs } from './open-paths.js';
import { OpenRequestQueue } from './open-requests.js';
import { createMemoryPrefs, createPrefsStore, type PrefsStore } from './prefs.js';
import { setupQuitGuard } from './quit.js';
import { hardenSession, hardenWebContents } from './security.js';
import { setupSingleInstance } from './single-instance.js';
import { createMainWindow } from './window.js';
import { initialBounds, trackWindowBounds } from './window-state.js';

const here = import.meta.dirname; // out/main
const rendererRoot = join(here, '../renderer');
const preloadPath = join(here, '../preload/preload.cjs');
const enginePath = join(here, 'engine.js');

/** `--library DIR` / `--library=DIR` on the app's command line; otherwise the engine picks (HANGAR_LIBRARY, then the platform default). */
export function libraryArgs(argv: readonly string[]): string[] {
  const i = argv.indexOf('--library');
  const dir = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--library='))?.slice('--library='.length);
  return dir ? ['--library', dir] : [];
}

let mainWindow: BrowserWindowType | null = null;
let ready = false;
let prefs: PrefsStore = createMemoryPrefs();
const engine = new EngineHost({ modulePath: enginePath, args: libraryArgs(process.argv) });
// Files opened with Hangar wait here for the window (macOS may send them with no window open).
const openRequests = new OpenRequestQueue(() => {
  if (ready && !mainWindow) openMainWindow();
});

function openMainWindow(): void {
  const saved = prefs.getWindowBounds();
  const win = createMainWindow({
    preloadPath,
    iconPath: join(rendererRoot, 'icon.png'),
    version: app.getVersion(),
    bounds: initialBounds(saved, screen.getAllDisplays().map((d) => d.workArea)),
    maximized: saved?.maximized ?? false,
    devTools: !app.isPackaged,
  });
  trackWindowBounds(win, (b) => prefs.setWindowBounds(b));
  engine.addWindow(win);
  openRequests.attach(win);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
}

const cli = cliArgs(process.argv);
if (cli) {
  // `Hangar --cli VERB ...` (the packaged `hangar` command): no window, no lock, no engine of the app's own.
  void runCliMode(cli);
} else {
  // Before `ready`: privileged schemes can only be registered now; every renderer is sandboxed.
  registerAppSchemePrivileged();
  app.enableSandbox();
  startApp();
}

function startApp(): void {
  if (!setupSingleInstance(() => mainWindow, (args, cwd) => void openRequests.open(args, cwd))) {
    app.quit();
  } else {
    // macOS hands double-clicked files over with open-file, possibly before `ready`: register it now.
    app.on('open-file', (event, path) => {
      event.preventDefault();
      void openRequests.open([path], process.cwd());
    });
    void openRequests.open(fileArgs(process.argv), process.cwd());
    app.on('web-contents-created', (_event, contents) => {
      hardenSession(contents.session);
      hardenWebContents(contents);
    });
    app.on('window-all-closed', () => {
      if (process.platform !== 'darwin') app.quit();
    });
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openMainWindow();
    });
    setupQuitGuard(engine, {
      onCancel: () => {
        if (BrowserWindow.getAllWindows().length === 0) openMainWindow();
      },
    });
    void app.whenReady().then(() => {
      hardenSession(session.defaultSession);
      handleAppProtocol(rendererRoot);
      try {
        prefs = createPrefsStore();
      } catch (err) {
        console.error(`hangar: preferences unavailable, not saving them this session: ${(err as Error).message}`);
      }
      setupAppIpc(prefs);
      setupDialogs();
      setupDisplayPorts(engine);
      setupMenu();
      engine.start();
      ready = true;
      openMainWindow();
    });
  }
}
