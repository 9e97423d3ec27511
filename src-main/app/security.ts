// Per-session and per-webContents lockdown (Electron security checklist: permissions, navigation,
// new windows, <webview>, downloads). Applied to every webContents through `web-contents-created`,
// and again explicitly to each window we create.
import type { Session, WebContents } from 'electron';
import { isAppUrl } from './app-url.js';

const hardenedSessions = new WeakSet<object>();

/** Deny every permission request and check (camera, notifications, HID, …) and every download. */
export function hardenSession(ses: Session): void {
  if (hardenedSessions.has(ses)) return;
  hardenedSessions.add(ses);
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
}

/** No window.open, no navigation away from app://hangar (main frame or sub-frames), no <webview>. */
export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
