// Electron main-process entry (out/main/main.js). Small on purpose: windows and OS glue only.
import { app, BrowserWindow, session } from 'electron';
import { join } from 'node:path';
import { handleAppProtocol, registerAppSchemePrivileged } from './app-protocol.js';
import { hardenWebContents, hardenSession } from './security.js';
import { registerIpcHandlers } from './ipc.js';
import { createMainWindow } from './window.js';

const here = import.meta.dirname; // out/main
const rendererRoot = join(here, '../renderer');
const preloadPath = join(here, '../preload/preload.cjs');

// Before `ready`: privileged schemes can only be registered now.
registerAppSchemePrivileged();

let mainWindow: BrowserWindow | null = null;

function openMainWindow(): void {
  mainWindow = createMainWindow({ preloadPath, version: app.getVersion() });
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openMainWindow();
  });
  void app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    handleAppProtocol(rendererRoot);
    registerIpcHandlers();
    openMainWindow();
  });
}
