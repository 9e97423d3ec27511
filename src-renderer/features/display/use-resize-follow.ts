import { useEffect, useState, type RefObject } from 'react';
import type { DisplayMode } from './display-model.js';

type Size = { width: number; height: number };

/**
 * How long a guest gets to take a new window size before the status bar says it did not: QEMU forwards the size
 * at once, but the guest's driver, then its desktop, must pick the mode up (seconds under TCG).
 */
export const FOLLOW_GRACE_MS = 6000;

const sameSize = (a: Size | null, b: Size | null) => a?.width === b?.width && a?.height === b?.height;

/**
 * In "Resize guest to window": the size noVNC asks for (the screen box's, floored as noVNC sends it) and whether
 * it and the guest's resolution have stayed unchanged for FOLLOW_GRACE_MS (`settled`). Other modes: nothing.
 */
export function useResizeFollow(screenRef: RefObject<HTMLElement | null>, mode: DisplayMode, resolution: Size | null): { target: Size | null; settled: boolean } {
  const [target, setTarget] = useState<Size | null>(null);
  const [settled, setSettled] = useState(false);
  const active = mode === 'resize';

  useEffect(() => {
    const screen = screenRef.current;
    if (!active || !screen) {
      setTarget(null);
      return;
    }
    const measure = () => {
      const r = screen.getBoundingClientRect();
      const next = { width: Math.floor(r.width), height: Math.floor(r.height) };
      setTarget((prev) => (next.width > 0 && next.height > 0 && !sameSize(prev, next) ? next : prev));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(screen);
    return () => ro.disconnect();
  }, [screenRef, active]);

  // Any change of what was asked or what the guest shows restarts the grace period.
  const tw = target?.width, th = target?.height, rw = resolution?.width, rh = resolution?.height;
  useEffect(() => {
    setSettled(false);
    if (!active) return;
    const t = setTimeout(() => setSettled(true), FOLLOW_GRACE_MS);
    return () => clearTimeout(t);
  }, [active, tw, th, rw, rh]);

  return { target: active ? target : null, settled: active && settled };
}
