// End-to-end test of the display: the built app served by `serve.js`, in Debian Chromium through
// playwright-core, showing the fixture boot image's screen through noVNC and Hangar's relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openEngineSocket } from './engine-socket.js';
import { bootPattern, colourDistance, fixturePaths, markers, type Rgb } from '../helpers/fixtures.js';
import { qemuPidsUnder } from '../helpers/engine-harness.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { DISPLAY_CANVAS as CANVAS, glyphPixels, patternMismatches, readCanvas } from './display-canvas.js';
import { runHangar } from '../helpers/cli-runner.js';
import { decodePng } from '../helpers/png.js';

interface Ctx extends E2eContext {
  origin: string;
  vmId: string;
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args);
}

async function serialLog(): Promise<string> {
  return (await hangar('console', ctx.vmId, '--no-follow')).stdout;
}

/** Width, height and the RGB at (x, y) of a PNG the engine wrote. */
function pngPixel(png: Buffer, x: number, y: number): { width: number; height: number; rgb: Rgb } {
  const img = decodePng(png);
  return { width: img.width, height: img.height, rgb: img.pixel(x, y) };
}


const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

/** Opens the display route in a page that already has the token cookie. */
async function openDisplay(page: Page): Promise<void> {
  await page.goto(`${ctx.origin}/#/display/${ctx.vmId}`);
  await page.locator(CANVAS).waitFor({ state: 'attached', timeout: 30_000 });
  await page.getByRole('button', { name: 'Close display' }).waitFor({ timeout: 30_000 });
}

/** The canvas's displayed (CSS) size. */
function displayedSize(page: Page): Promise<{ width: number; height: number }> {
  return page.evaluate((selector) => {
    const r = (document.querySelector(selector) as HTMLCanvasElement).getBoundingClientRect();
    return { width: Math.round(r.width), height: Math.round(r.height) };
  }, CANVAS);
}

describe('the display in the browser host', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('display', 'hgd'));
    const images = join(ctx.root, 'images');
    mkdirSync(images);
    copyFileSync(fixturePaths.bootImg, join(images, 'boot.img'));

    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: images });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ctx.origin = new URL(ctx.url).origin;

    ctx.vmId = (await hangar('create', 'display-vm', '--disk', join(images, 'boot.img'), '--memory', '64')).stdout.trim().split(/\s+/).pop()!;
    await hangar('start', ctx.vmId, '--wait-for-serial', markers.bootOk, '--timeout', '60');
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1100, height: 760 }));
    await ctx.page.goto(ctx.url); // sets the token cookie
  });

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', ctx.vmId, '--force') : undefined));

  it('shows the known pattern on the canvas, with run state and resolution in the status bar', async () => {
    const { page } = ctx;
    await openDisplay(page);
    await expect.poll(() => patternMismatches(page), { timeout: 30_000, interval: 250 }).toEqual([]);
    const { width, height } = await readCanvas(page, []);
    expect({ width, height }).toEqual({ width: 640, height: 400 });
    await expect.poll(() => page.getByTestId('status-resolution').textContent(), { timeout: 15_000 }).toBe('640×400');
    expect(await page.getByTestId('status-state').textContent()).toBe('Running');
    expect(await page.getByTestId('status-accelerator').textContent()).toMatch(/^(TCG|KVM)$/);
    expect(await page.getByTestId('status-clipboard').textContent()).toBe('Clipboard: off');
  });

  it('sends typed keys to the guest: seen on serial and drawn on the canvas', async () => {
    const { page } = ctx;
    expect(await glyphPixels(page, 0)).toBe(0);
    await page.locator(CANVAS).click();
    await expect.poll(() => page.getByTestId('keyboard-capture').textContent(), { timeout: 15_000 }).toContain('Keyboard captured');
    await page.keyboard.type('ab', { delay: 50 });
    await expect.poll(serialLog, { timeout: 15_000, interval: 300 }).toContain(`${markers.bootKeyPrefix}b`);
    const log = await serialLog();
    expect(log).toContain(`${markers.bootKeyPrefix}a\r\n${markers.bootKeyPrefix}b`);
    await expect.poll(() => glyphPixels(page, 0), { timeout: 10_000 }).toBeGreaterThan(10);
    await expect.poll(() => glyphPixels(page, 1), { timeout: 10_000 }).toBeGreaterThan(10);
  });

  it('releases the keyboard with the host key (Right Ctrl): it does not reach the guest', async () => {
    const { page } = ctx;
    const before = await serialLog();
    await page.keyboard.press('ControlRight');
    await expect.poll(() => page.getByTestId('keyboard-capture').textContent(), { timeout: 15_000 }).toContain('Click the screen');
    await page.keyboard.type('z');
    await new Promise((r) => setTimeout(r, 700));
    expect(await serialLog()).toBe(before);
  });

  it('two viewers at once both update', async () => {
    const second = await ctx.browser.newPage({ viewport: { width: 900, height: 700 } });
    try {
      await second.goto(ctx.url);
      await openDisplay(second);
      await expect.poll(() => patternMismatches(second), { timeout: 30_000, interval: 250 }).toEqual([]);
      expect(await glyphPixels(ctx.page, 2)).toBe(0);
      expect(await glyphPixels(second, 2)).toBe(0);
      await second.locator(CANVAS).click();
      await second.keyboard.type('c');
      await expect.poll(serialLog, { timeout: 15_000, interval: 300 }).toContain(`${markers.bootKeyPrefix}c`);
      await expect.poll(() => glyphPixels(second, 2), { timeout: 10_000 }).toBeGreaterThan(10);
      await expect.poll(() => glyphPixels(ctx.page, 2), { timeout: 10_000 }).toBeGreaterThan(10);
    } finally {
      await second.close();
    }
  });

  it('the scale modes change the canvas size', async () => {
    const { page } = ctx;
    await page.getByRole('button', { name: 'Actual size' }).click();
    await expect.poll(() => displayedSize(page), { timeout: 15_000 }).toEqual({ width: 640, height: 400 });
    await page.getByRole('button', { name: 'Scale to fit' }).click();
    await expect.poll(() => displayedSize(page).then((s) => s.width), { timeout: 15_000 }).not.toBe(640);
    const fit = await displayedSize(page);
    const box = await page.getByTestId('display-screen').boundingBox();
    expect(fit.width).toBeLessThanOrEqual(Math.ceil(box!.width));
    expect(fit.height).toBeLessThanOrEqual(Math.ceil(box!.height));
    // Fitting keeps the aspect ratio and touches one side of the screen area.
    expect(Math.abs(fit.width / fit.height - 640 / 400)).toBeLessThan(0.02);
    expect(Math.max(fit.width / box!.width, fit.height / box!.height)).toBeGreaterThan(0.97);
    // A smaller window: the fitted canvas shrinks with it, 1:1 stays 640×400.
    await page.setViewportSize({ width: 500, height: 420 });
    await expect.poll(() => displayedSize(page).then((s) => s.width), { timeout: 15_000 }).toBeLessThanOrEqual(500);
    expect((await displayedSize(page)).height).toBeLessThan(400);
    await page.getByRole('button', { name: 'Actual size' }).click();
    await expect.poll(() => displayedSize(page), { timeout: 15_000 }).toEqual({ width: 640, height: 400 });
    await page.getByRole('button', { name: 'Scale to fit' }).click();
    await page.setViewportSize({ width: 1100, height: 760 });
  });

  it('"Send keys" → Ctrl+Alt+Del reaches the guest (it reboots and prints the marker again)', async () => {
    const { page } = ctx;
    expect(count(await serialLog(), markers.bootOk)).toBe(1);
    await page.getByRole('button', { name: 'Send keys' }).click();
    await page.getByRole('menuitem', { name: 'Ctrl+Alt+Del' }).click();
    await expect.poll(async () => count(await serialLog(), markers.bootOk), { timeout: 30_000, interval: 300 }).toBe(2);
    // The display follows the reboot: the pattern again, with an empty key row.
    await expect.poll(() => patternMismatches(page), { timeout: 30_000, interval: 250 }).toEqual([]);
    await expect.poll(() => glyphPixels(page, 0), { timeout: 10_000 }).toBe(0);
  });

  it('sends live thumbnails only while a client subscribes', async () => {
    const engine = await openEngineSocket(ctx.url);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(engine.events.filter((e) => e['type'] === 'vm.thumbnail')).toEqual([]);
      expect(await engine.call('vm.thumbnails.subscribe', {})).toMatchObject({ intervalMs: 5000 });
      await expect.poll(() => engine.events.filter((e) => e['type'] === 'vm.thumbnail').length, { timeout: 15_000 }).toBeGreaterThan(0);
      const thumb = engine.events.find((e) => e['type'] === 'vm.thumbnail')!;
      expect(thumb).toMatchObject({ vmId: ctx.vmId, width: 320, height: 200 });
      // The bars in the bottom half: red at the left.
      const px = pngPixel(Buffer.from(thumb['pngBase64'] as string, 'base64'), 40, 150);
      expect(colourDistance(px.rgb, bootPattern.bars[0]!.rgb)).toBeLessThanOrEqual(8);
      expect(await engine.call('vm.thumbnails.unsubscribe', {})).toEqual({ ok: true });
    } finally {
      engine.close();
    }
  });

  it('closing the view leaves the VM running', async () => {
    const { page } = ctx;
    await page.getByRole('button', { name: 'Close display' }).click();
    await page.locator(CANVAS).waitFor({ state: 'detached', timeout: 10_000 });
    expect(page.url()).not.toContain('#/display/');
    await new Promise((r) => setTimeout(r, 500));
    const info = JSON.parse((await hangar('info', ctx.vmId, '--json')).stdout) as { state: { kind: string } };
    expect(info.state.kind).toBe('running');
    expect(qemuPidsUnder(ctx.runtimeBase)).toHaveLength(1);
    // And the guest still answers.
    await hangar('type', ctx.vmId, 'q');
    await expect.poll(serialLog, { timeout: 15_000, interval: 300 }).toContain(`${markers.bootKeyPrefix}q`);
  });

  it('keeps the last screen in the bundle once the VM stops', async () => {
    const info = JSON.parse((await hangar('info', ctx.vmId, '--json')).stdout) as { bundleDir: string };
    await hangar('stop', ctx.vmId, '--force');
    const file = join(info.bundleDir, 'thumbs', 'last.png');
    await expect.poll(() => existsSync(file), { timeout: 10_000 }).toBe(true);
    const px = pngPixel(readFileSync(file), 200, 150);
    expect(px.width).toBe(320);
    expect(colourDistance(px.rgb, bootPattern.bars[2]!.rgb)).toBeLessThanOrEqual(8);
    const engine = await openEngineSocket(ctx.url);
    try {
      const kept = (await engine.call('vm.thumbnail', { vm: ctx.vmId })) as { pngBase64: string | null };
      expect(kept.pngBase64).toBe(readFileSync(file).toString('base64'));
    } finally {
      engine.close();
    }
  });
});
