// End-to-end test of "Resize guest to window": the built app served by `serve.js`, in Debian Chromium, against real
// QEMU. The fixture Linux guest has a virtio-vga display and prints its DRM connector's preferred mode on serial
// (`DRM-MODE:`, see test/fixtures/README.md): the page's window size must reach the guest through noVNC's
// SetDesktopSize, QEMU's VNC server and virtio-gpu, and the guest's new mode must come back as the framebuffer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { DISPLAY_CANVAS as CANVAS } from './display-canvas.js';
import { runHangar } from '../helpers/cli-runner.js';
import { repoRoot } from '../helpers/engine-harness.js';

interface Ctx extends E2eContext {
  origin: string;
  linuxVm: string;
  vgaVm: string;
}
const ctx = {} as Ctx;
const SLOW = 90_000;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args);
}

/** The guest's DRM-MODE lines so far, oldest first ("Virtual-1:1040x640"). */
async function drmModes(vm: string): Promise<string[]> {
  const log = (await hangar('console', vm, '--no-follow')).stdout;
  return [...log.matchAll(new RegExp(`${markers.linuxDrmModePrefix}(\\S+)`, 'g'))].map((m) => m[1]!);
}
const lastDrmMode = async (vm: string) => (await drmModes(vm)).at(-1) ?? '';

/** The size noVNC asks for: the screen box's, floored (noVNC's _screenSize of the box it fills). */
async function screenBox(page: Page): Promise<{ width: number; height: number }> {
  const box = (await page.getByTestId('display-screen').boundingBox())!;
  return { width: Math.floor(box.width), height: Math.floor(box.height) };
}

async function openDisplay(page: Page, vm: string): Promise<void> {
  await page.goto(`${ctx.origin}/#/display/${vm}`);
  await page.locator(CANVAS).waitFor({ state: 'attached', timeout: 30_000 });
  await page.getByRole('button', { name: 'Close display' }).waitFor({ timeout: 30_000 });
}

const pressed = (page: Page, name: string) => page.getByRole('button', { name }).getAttribute('aria-pressed');

describe('the display follows the window (browser host, virtio-vga guest)', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('display-resize', 'hgz'));
    const images = join(ctx.root, 'images');
    mkdirSync(images);
    copyFileSync(fixturePaths.linuxIso, join(images, 'linux.iso'));
    copyFileSync(fixturePaths.bootImg, join(images, 'boot.img'));
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: images });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ctx.origin = new URL(ctx.url).origin;

    ctx.linuxVm = (await hangar('create', 'resize-vm', '--iso', join(images, 'linux.iso'), '--memory', '256', '--cpus', '1')).stdout.trim().split(/\s+/).pop()!;
    await hangar('set', ctx.linuxVm, 'display=virtio');
    ctx.vgaVm = (await hangar('create', 'vga-vm', '--disk', join(images, 'boot.img'), '--memory', '64')).stdout.trim().split(/\s+/).pop()!;
    await hangar('start', ctx.linuxVm, '--wait-for-serial', markers.linuxReady, '--timeout', '120');
    await hangar('start', ctx.vgaVm, '--wait-for-serial', markers.bootOk, '--timeout', '60');
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1040, height: 720 }));
    await ctx.page.goto(ctx.url); // sets the token cookie
  }, 240_000);

  afterAll(() =>
    closeE2e(ctx, async () => {
      for (const vm of [ctx.linuxVm, ctx.vgaVm]) if (vm) await hangar('stop', vm, '--force').catch(() => undefined);
    }),
  );

  it('a virtio machine opens in "Resize guest to window": the guest takes the screen box\'s size as its mode', async () => {
    const { page } = ctx;
    // Before any client asked: QEMU's default virtio-gpu size.
    expect(await drmModes(ctx.linuxVm)).toEqual(['Virtual-1:1280x800']);
    await openDisplay(page, ctx.linuxVm);
    expect(await pressed(page, 'Resize guest to window')).toBe('true');
    const want = await screenBox(page);
    expect(want.width).toBeLessThan(1280); // smaller than the console's framebuffer, so fbcon can take it
    await expect.poll(() => lastDrmMode(ctx.linuxVm), { timeout: SLOW, interval: 500 }).toBe(`Virtual-1:${want.width}x${want.height}`);
    // The guest set that mode: QEMU sends the new framebuffer size and noVNC's canvas takes it.
    await expect.poll(() => page.getByTestId('status-resolution').textContent(), { timeout: SLOW, interval: 500 }).toBe(`${want.width}×${want.height}`);
    expect(await page.getByTestId('status-resize').count()).toBe(0);
    // README: the display following the window (mode selector, sound and clipboard on the toolbar and status bar).
    await page.screenshot({ path: join(repoRoot, 'docs', 'screenshots', 'display.png') });
  }, 200_000);

  it('resizing the window resizes the guest again', async () => {
    const { page } = ctx;
    await page.setViewportSize({ width: 880, height: 600 });
    await expect.poll(async () => (await screenBox(page)).width, { timeout: 15_000 }).toBe(880);
    const want = await screenBox(page);
    await expect.poll(() => lastDrmMode(ctx.linuxVm), { timeout: SLOW, interval: 500 }).toBe(`Virtual-1:${want.width}x${want.height}`);
    await expect.poll(() => page.getByTestId('status-resolution').textContent(), { timeout: SLOW, interval: 500 }).toBe(`${want.width}×${want.height}`);
  }, 200_000);

  it('"Scale to fit" stops asking, and the choice is remembered for this machine', async () => {
    const { page } = ctx;
    const had = await page.getByTestId('status-resolution').textContent();
    await page.getByRole('button', { name: 'Scale to fit' }).click();
    const before = (await drmModes(ctx.linuxVm)).length;
    await page.setViewportSize({ width: 1000, height: 700 });
    await expect.poll(async () => (await screenBox(page)).width, { timeout: 15_000 }).toBe(1000);
    await page.reload();
    await page.locator(CANVAS).waitFor({ state: 'attached', timeout: 30_000 });
    await expect.poll(() => pressed(page, 'Scale to fit'), { timeout: 15_000 }).toBe('true');
    await expect.poll(() => page.getByTestId('status-resolution').textContent(), { timeout: 30_000 }).toBe(had);
    expect((await drmModes(ctx.linuxVm)).length).toBe(before); // no size was sent to the guest
  }, 200_000);

  it('a standard VGA machine cannot follow: the status bar says so and names the fix', async () => {
    const { page } = ctx;
    await openDisplay(page, ctx.vgaVm);
    expect(await pressed(page, 'Scale to fit')).toBe('true'); // std: fit by default
    await page.getByRole('button', { name: 'Resize guest to window' }).click();
    const notice = page.getByTestId('status-resize');
    await expect.poll(() => notice.textContent(), { timeout: 15_000 }).toMatch(/cannot follow the window.*standard VGA.*"virtio" under Settings → Display/);
    expect(await page.getByTestId('status-resolution').textContent()).toBe('640×400'); // unchanged, scaled
  }, 120_000);
});
