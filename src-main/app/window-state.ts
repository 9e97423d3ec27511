// Saved window bounds: restored only when they still overlap a display's work area (a monitor may have
// gone away since), saved on move/resize (debounced) and on close. Pure helpers + a small binder.
import type { BrowserWindow, Rectangle } from 'electron';
import type { WindowBounds } from './prefs-schema.js';

export const DEFAULT_SIZE = { width: 1200, height: 800 };
export const MIN_SIZE = { width: 720, height: 480 };
/** At least this much of the window must be on some display to reuse the saved position. */
const MIN_VISIBLE = 100;

function overlap(a: Rectangle, b: Rectangle): { w: number; h: number } {
  return {
    w: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    h: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** The BrowserWindow geometry to open with: saved bounds if still visible, else the default size (centered by Electron). */
export function initialBounds(saved: WindowBounds | null, workAreas: readonly Rectangle[]): Partial<Rectangle> & { width: number; height: number } {
  if (!saved) return { ...DEFAULT_SIZE };
  const width = Math.max(saved.width, MIN_SIZE.width);
  const height = Math.max(saved.height, MIN_SIZE.height);
  const rect = { x: saved.x, y: saved.y, width, height };
  const visible = workAreas.some((area) => {
    const o = overlap(rect, area);
    return o.w >= MIN_VISIBLE && o.h >= MIN_VISIBLE;
  });
  return visible ? rect : { width, height };
}

/** Saves the window's normal (un-maximized) bounds and maximized flag on move/resize and on close. */
export function trackWindowBounds(win: BrowserWindow, save: (bounds: WindowBounds) => void, debounceMs = 500): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    save({ x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  };
  const later = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(event as 'resize', later);
  win.on('close', flush);
}
