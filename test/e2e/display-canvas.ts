// Reads the noVNC display canvas in an e2e page (the fixture boot image's pattern and key row).
import type { Page } from 'playwright-core';
import { bootPattern, bootPatternProbes, colourDistance, type Rgb } from '../helpers/fixtures.js';

/** The display route's canvas. */
export const DISPLAY_CANVAS = '[data-testid="display-screen"] canvas';

export interface CanvasRead {
  width: number;
  height: number;
  pixels: Rgb[];
}

/** The framebuffer size and the colours at the given points (0×0 and none while there is no canvas). */
export function readCanvas(page: Page, points: Array<{ x: number; y: number }>, selector = DISPLAY_CANVAS): Promise<CanvasRead> {
  return page.evaluate(
    ({ selector, pts }) => {
      const canvas = document.querySelector(selector) as HTMLCanvasElement | null;
      if (!canvas) return { width: 0, height: 0, pixels: [] };
      const g = canvas.getContext('2d')!;
      const pixels = pts.map((p) => {
        const d = g.getImageData(p.x, p.y, 1, 1).data;
        return [d[0], d[1], d[2]] as [number, number, number];
      });
      return { width: canvas.width, height: canvas.height, pixels };
    },
    { selector, pts: points },
  );
}

/** Where the canvas differs from the boot image's known pattern (empty: it matches). */
export async function patternMismatches(page: Page, selector = DISPLAY_CANVAS): Promise<string[]> {
  const { width, height } = await readCanvas(page, [], selector);
  if (width < 16 || height < 16) return [`canvas is ${width}x${height}`];
  const probes = bootPatternProbes(width, height);
  const read = await readCanvas(page, probes, selector);
  return probes.flatMap((p, i) => (colourDistance(read.pixels[i]!, p.rgb) > 8 ? [`${p.what} at ${p.x},${p.y}: ${read.pixels[i]!.join(',')} ≠ ${p.rgb.join(',')}`] : []));
}

/** White pixels in the glyph cell of key-row column `col` (boot.img echoes typed keys there; 0 without a canvas). */
export function glyphPixels(page: Page, col: number, selector = DISPLAY_CANVAS): Promise<number> {
  return page.evaluate(
    ({ selector, col, row, cellWidth }) => {
      const canvas = document.querySelector(selector) as HTMLCanvasElement | null;
      if (!canvas || canvas.width === 0) return 0;
      const sx = canvas.width / 320;
      const sy = canvas.height / 200;
      const x = Math.floor(col * cellWidth * sx);
      const y = Math.floor(row.y0 * sy);
      const w = Math.floor(cellWidth * sx);
      const h = Math.floor((row.y1 - row.y0 + 1) * sy);
      const d = canvas.getContext('2d')!.getImageData(x, y, w, h).data;
      let white = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! > 0xf0 && d[i + 1]! > 0xf0 && d[i + 2]! > 0xf0) white++;
      return white;
    },
    { selector, col, row: { y0: bootPattern.keyRow.y0, y1: bootPattern.keyRow.y1 }, cellWidth: bootPattern.keyRow.cellWidth },
  );
}
