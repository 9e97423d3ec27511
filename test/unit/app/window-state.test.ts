import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindow } from 'electron';
import { FakeBrowserWindow } from './fake-electron.js';
import { initialBounds, trackWindowBounds } from '../../../src-main/app/window-state.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());

const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window bounds', () => {
  it('uses the default size when nothing was saved', () => {
    expect(initialBounds(null, screen)).toEqual({ width: 1200, height: 800 });
  });

  it('reuses saved bounds that are still on a display', () => {
    expect(initialBounds({ x: 100, y: 80, width: 1000, height: 700, maximized: false }, screen)).toEqual({ x: 100, y: 80, width: 1000, height: 700 });
  });

  it('drops the position (keeps the size) when the saved spot is off every display', () => {
    expect(initialBounds({ x: 3000, y: 80, width: 1000, height: 700, maximized: false }, screen)).toEqual({ width: 1000, height: 700 });
    expect(initialBounds({ x: 1900, y: 1000, width: 1000, height: 700, maximized: false }, screen)).toEqual({ width: 1000, height: 700 });
  });

  it('never restores below the minimum size', () => {
    expect(initialBounds({ x: 0, y: 0, width: 200, height: 100, maximized: false }, screen)).toMatchObject({ width: 720, height: 480 });
  });

  it('saves normal bounds debounced on resize/move and at once on close', () => {
    vi.useFakeTimers();
    const win = new FakeBrowserWindow({});
    const save = vi.fn();
    trackWindowBounds(win as unknown as BrowserWindow, save, 500);
    win.emit('resize');
    win.emit('move');
    expect(save).not.toHaveBeenCalled();
    vi.advanceTimersByTime(500);
    expect(save).toHaveBeenCalledTimes(1);
    win.isMaximized.mockReturnValue(true);
    win.emit('close');
    expect(save).toHaveBeenLastCalledWith({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
    vi.useRealTimers();
  });
});
