// End-to-end test of a foreign-architecture machine (issue #21): the built app served by `serve.js`, in Debian
// Chromium through playwright-core, with a real engine and QEMU. The wizard lists the architectures the host probe
// found, each with its consequence; the aarch64 fixture ISO makes the draft an aarch64 machine; "Create and start"
// boots it under TCG (AAVMF, USB keyboard, ramfb); its display shows the guest's screen and takes typing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { decodePng } from '../helpers/png.js';
import { DISPLAY_CANVAS as CANVAS } from './display-canvas.js';

/** Generous: 2 cores, TCG, and other suites running at the same time. No timed assertions. */
const SLOW = 60_000;
/** An emulated aarch64 guest to its marker under TCG on a loaded machine. */
const BOOT = 400_000;
const VM = 'e2e-arm';

interface Ctx extends E2eContext {
  iso: string;
  vmId: string;
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args, { timeout: SLOW, maxBuffer: 64 * 1024 * 1024 });
}

async function serialLog(): Promise<string> {
  return (await hangar('console', VM, '--no-follow')).stdout;
}

async function waitForText(locator: Locator, text: string, timeout = SLOW): Promise<void> {
  await expect.poll(async () => (await locator.textContent().catch(() => null)) ?? '', { timeout, interval: 250 }).toContain(text);
}

/** Pixels of the canvas brighter than the console background (text), and its size. */
function canvasText(): Promise<{ width: number; height: number; bright: number }> {
  return ctx.page.evaluate((selector) => {
    const canvas = document.querySelector(selector) as HTMLCanvasElement | null;
    if (!canvas || canvas.width === 0) return { width: 0, height: 0, bright: 0 };
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let bright = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! > 300) bright++;
    return { width: canvas.width, height: canvas.height, bright };
  }, CANVAS);
}

describe('an aarch64 machine from the wizard (architectures from the host probe)', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('arch', 'hga'));
    const images = join(ctx.root, 'images');
    mkdirSync(images);
    // A private copy: the fixtures may be rebuilt while this runs.
    ctx.iso = join(images, 'aarch64.iso');
    copyFileSync(fixturePaths.aarch64Iso, ctx.iso);
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: images, timeoutMs: SLOW });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
    expect((await ctx.page.goto(ctx.url))?.status()).toBe(200);
    await ctx.page.getByRole('listbox', { name: 'Virtual machines' }).waitFor({ timeout: SLOW });
  });

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', ctx.vmId, '--force') : undefined));

  it('lists the arches found with their consequence, creates an aarch64 machine from its ISO, and shows its screen', { timeout: BOOT + 10 * SLOW }, async () => {
    const { page } = ctx;
    const host = JSON.parse((await hangar('host', '--json')).stdout) as { architectures: Array<{ arch: string; usable: boolean; note: string; installHint?: string }> };
    // The setup installs all three emulators and their firmware: the wizard must offer each, as the probe said.
    expect(host.architectures.map((a) => [a.arch, a.usable])).toEqual([['x86_64', true], ['aarch64', true], ['riscv64', true]]);

    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'New', exact: true }).click();
    const wizard = page.getByRole('dialog', { name: 'New machine' });
    await wizard.getByRole('textbox', { name: 'Name' }).fill(VM);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'From an ISO image' }).check();
    await wizard.getByRole('textbox', { name: 'ISO image' }).fill(ctx.iso);
    await waitForText(wizard.getByRole('status').filter({ hasText: 'volume label' }), 'Boots with UEFI.');
    await wizard.getByRole('button', { name: 'Next' }).click();

    // System: the image's label names its arch, so the draft is aarch64 (UEFI); the list is the probe's.
    await wizard.getByRole('heading', { name: 'System' }).waitFor();
    const arch = wizard.getByRole('combobox', { name: 'Architecture' });
    await waitForText(arch, 'aarch64');
    expect(await wizard.getByRole('combobox', { name: 'Firmware' }).textContent()).toBe('UEFI');
    await arch.click();
    const options = page.getByRole('listbox').getByRole('option');
    await options.first().waitFor();
    expect(await options.allTextContents()).toEqual(host.architectures.map((a) => `${a.arch}${a.note}`));
    expect(await options.allTextContents()).toContain('aarch64emulated on this x86_64 host: slow');
    await page.getByRole('option', { name: /^aarch64/ }).click();
    await waitForText(wizard, 'No hardware acceleration for aarch64 guests');
    await wizard.getByRole('button', { name: 'Next' }).click();

    await wizard.getByRole('textbox', { name: 'Memory (MiB)' }).fill('768');
    await wizard.getByRole('textbox', { name: 'CPUs' }).fill('2');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'No disk' }).check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('heading', { name: 'Summary' }).waitFor();
    await wizard.getByRole('button', { name: 'Create and start' }).click();
    await wizard.waitFor({ state: 'detached', timeout: SLOW });

    const info = JSON.parse((await hangar('info', VM, '--json')).stdout) as { id: string; arch: string; machine: string; firmware: { type: string }; input: { keyboard: string } };
    expect(info).toMatchObject({ arch: 'aarch64', machine: 'virt', firmware: { type: 'uefi' }, input: { keyboard: 'usb-kbd' } });
    ctx.vmId = info.id;
    await expect.poll(serialLog, { timeout: BOOT, interval: 2_000 }).toContain(markers.linuxReady);

    // The display shows the guest's screen (its framebuffer console, at the guest's resolution) and types into it.
    await page.goto(`${new URL(ctx.url).origin}/#/display/${ctx.vmId}`);
    await page.locator(CANVAS).waitFor({ state: 'attached', timeout: SLOW });
    const shotFile = join(ctx.root, 'arm.png');
    await hangar('screenshot', VM, shotFile);
    const shot = decodePng(readFileSync(shotFile));
    await expect.poll(async () => { const c = await canvasText(); return [c.width, c.height]; }, { timeout: SLOW, interval: 500 }).toEqual([shot.width, shot.height]);
    await expect.poll(async () => (await canvasText()).bright, { timeout: SLOW, interval: 500 }).toBeGreaterThan(500);
    await page.locator(CANVAS).click();
    await expect.poll(() => page.getByTestId('keyboard-capture').textContent(), { timeout: 15_000 }).toContain('Keyboard captured');
    await page.keyboard.type('arm display', { delay: 50 });
    await page.keyboard.press('Enter');
    await expect.poll(serialLog, { timeout: SLOW, interval: 1_000 }).toContain(`${markers.linuxKbdPrefix}arm display`);
  });
});
