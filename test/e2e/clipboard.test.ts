// End-to-end test of clipboard sharing: the built app served by `serve.js`, in Debian Chromium, noVNC through
// serve's display relay (which applies the policy), QEMU's vdagent and linux.iso's vdagent-lite guest agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { DISPLAY_CANVAS as CANVAS } from './display-canvas.js';
import { writeSerialFromPage } from './page-serial.js';

interface Ctx extends E2eContext {
  origin: string;
  vmId: string;
}
const ctx = {} as Ctx;
const VM = 'clip-vm';

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args);
}

async function serialLog(): Promise<string> {
  return (await hangar('console', ctx.vmId, '--no-follow')).stdout;
}

const guestSerial = (line: string): Promise<void> => writeSerialFromPage(ctx.page, ctx.vmId, line);

/** Every text the page put on the clipboard (noVNC's clipboard event → navigator.clipboard.writeText). */
const pageClips = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __clips: string[] }).__clips);

async function openDisplay(page: Page): Promise<void> {
  await page.goto(`${ctx.origin}/#/display/${ctx.vmId}`);
  await page.locator(CANVAS).waitFor({ state: 'attached', timeout: 30_000 });
  await page.getByRole('button', { name: 'Close display' }).waitFor({ timeout: 30_000 });
}

/** Copies text in the page, then gives the screen the keyboard (the display shares the clipboard when it gets focus). */
async function copyInPage(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Close display' }).focus(); // out of the canvas first
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.locator(CANVAS).click();
}

describe('clipboard sharing in the browser host', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('clipboard', 'hgc'));
    const isoDir = join(ctx.root, 'isos');
    mkdirSync(isoDir);
    copyFileSync(fixturePaths.linuxIso, join(isoDir, 'linux.iso'));
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: isoDir });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ctx.origin = new URL(ctx.url).origin;
    ctx.vmId = (await hangar('create', VM, '--iso', join(isoDir, 'linux.iso'), '--memory', '256', '--cpus', '1')).stdout.trim().split(/\s+/).pop()!;
    await hangar('set', VM, 'clipboard=both');
    await hangar('start', ctx.vmId, '--wait-for-serial', markers.linuxReady, '--timeout', '180');
    // The agent announces itself around READY (it starts just before): wait for its line too.
    for (const deadline = Date.now() + 60_000; !(await serialLog()).includes('VDAGENT-LITE-CONNECTED'); ) {
      if (Date.now() > deadline) throw new Error('the guest clipboard agent did not connect');
      await new Promise((r) => setTimeout(r, 500));
    }
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1100, height: 760 }));
    await ctx.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ctx.origin });
    await ctx.page.addInitScript(() => {
      const w = window as unknown as { __clips: string[] };
      w.__clips = [];
      const write = navigator.clipboard.writeText.bind(navigator.clipboard);
      navigator.clipboard.writeText = (t: string) => (w.__clips.push(t), write(t));
    });
    await ctx.page.goto(ctx.url); // sets the token cookie
  }, 300_000);

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', ctx.vmId, '--force') : undefined));

  it('text copied in the page reaches the guest, text the guest sets reaches the page', async () => {
    const { page } = ctx;
    await openDisplay(page);
    await expect.poll(() => page.getByTestId('status-clipboard').textContent(), { timeout: 15_000 }).toBe('Clipboard: both ways');
    await expect.poll(() => page.getByTestId('status-state').textContent(), { timeout: 30_000 }).toBe('Running');
    await copyInPage(page, 'from the page: grüße 1');
    await expect.poll(serialLog, { timeout: 60_000, interval: 500 }).toContain('CLIP-GUEST:from the page: grüße 1');

    await guestSerial('CLIP-SET:from the guest 2');
    await expect.poll(() => pageClips(page), { timeout: 60_000, interval: 250 }).toContain('from the guest 2');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText()), { timeout: 10_000 }).toBe('from the guest 2');
  });

  it('with the policy off (changed while it runs) nothing crosses in either direction', async () => {
    const { page } = ctx;
    expect((await hangar('set', VM, 'clipboard=off')).stdout).toBe('clipboard=off\n');
    await expect.poll(() => page.getByTestId('status-clipboard').textContent(), { timeout: 15_000 }).toBe('Clipboard: off');
    await page.getByRole('button', { name: 'Close display' }).waitFor({ timeout: 30_000 });
    await copyInPage(page, 'blocked page text 3');
    await guestSerial('CLIP-SET:blocked guest text 4');
    await expect.poll(serialLog, { timeout: 30_000, interval: 500 }).toContain('CLIP-SET-OK');

    // Back to both ways: a fresh exchange crosses, and the blocked ones never did (the stream is ordered).
    await hangar('set', VM, 'clipboard=both');
    await expect.poll(() => page.getByTestId('status-clipboard').textContent(), { timeout: 15_000 }).toBe('Clipboard: both ways');
    await copyInPage(page, 'allowed page text 5');
    await expect.poll(serialLog, { timeout: 60_000, interval: 500 }).toContain('CLIP-GUEST:allowed page text 5');
    await guestSerial('CLIP-SET:allowed guest text 6');
    await expect.poll(() => pageClips(page), { timeout: 60_000, interval: 250 }).toContain('allowed guest text 6');
    expect(await serialLog()).not.toContain('blocked page text 3');
    expect(await pageClips(page)).not.toContain('blocked guest text 4');
  });
});
