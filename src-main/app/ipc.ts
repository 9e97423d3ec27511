// Main-process handlers for the preload's invoke() allowlist. Every handler checks the sender frame.
import { app, ipcMain } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import { isAppUrl } from './app-url.js';
import type { AppInfo } from '../preload/channels.js';

function assertTrustedSender(event: IpcMainInvokeEvent): void {
  // senderFrame can be null (frame navigated away or destroyed).
  if (!isAppUrl(event.senderFrame?.url)) throw new Error('IPC from an untrusted frame');
}

export function registerIpcHandlers(): void {
  ipcMain.handle('app:info', (event): AppInfo => {
    assertTrustedSender(event);
    return {
      version: app.getVersion(),
      platform: process.platform,
      electron: process.versions.electron ?? 'unknown',
    };
  });
}
