// Per-session and per-webContents lockdown (Electron security checklist items 5, 13, 14, 15).
import type { Session, WebContents } from 'electron';
import { isAppUrl } from './app-url.js';

/** Deny every permission request and permission check (camera, notifications, …) for this session. */
export function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/** No window.open, no navigation away from app://hangar, no <webview>. */
export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
