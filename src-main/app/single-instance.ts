// One Hangar per user: a second launch focuses the existing window and hands over its file arguments
// (an .iso or a .hangar bundle to open, later).
import { app } from 'electron';
import type { BrowserWindow } from 'electron';

const OPENABLE = /\.(iso|img|hangar)$/i;

/** File arguments worth acting on (no switches, nothing from Chromium/Electron). */
export function openablePaths(argv: readonly string[]): string[] {
  return argv.slice(1).filter((a) => !a.startsWith('-') && OPENABLE.test(a));
}

/** Returns false when another instance holds the lock (the caller should quit at once). */
export function setupSingleInstance(getWindow: () => BrowserWindow | null, onOpenPaths: (paths: string[]) => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', (_event, argv) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    }
    const paths = openablePaths(argv);
    if (paths.length > 0) onOpenPaths(paths);
  });
  return true;
}
