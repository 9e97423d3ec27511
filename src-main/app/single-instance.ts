// One Hangar per user: a second launch focuses the existing window and hands over its file arguments
// (an .iso or a .hangar bundle to open: see open-requests.ts).
import { app } from 'electron';
import type { BrowserWindow } from 'electron';
import { fileArgs } from './open-paths.js';

/** Brings the window to the front, restoring it when minimized. */
export function focusWindow(win: BrowserWindow): void {
  if (win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * Returns false when another instance holds the lock (the caller should quit at once). `onOpenPaths` gets
 * the second launch's file arguments and its working directory (they may be relative).
 */
export function setupSingleInstance(getWindow: () => BrowserWindow | null, onOpenPaths: (args: string[], cwd: string) => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const win = getWindow();
    if (win) focusWindow(win);
    const args = fileArgs(argv);
    if (args.length > 0) onOpenPaths(args, workingDirectory);
  });
  return true;
}
