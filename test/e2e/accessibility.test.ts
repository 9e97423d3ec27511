// End-to-end accessibility checks (issue #16 item 3) in Debian Chromium through the browser host, with a real
// engine and QEMU. Playwright's role queries leave out what assistive technology cannot reach (aria-hidden
// subtrees), so "found by role" here means a screen reader can find it too.
//  - notices raised while a dialog is open are in that dialog (results in its role=status line, errors as alerts);
//  - the guest screen is reached with Tab, named "Screen of NAME"; Enter captures the keyboard, the host key
//    releases it (back to the screen, so Tab moves on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';

const run = promisify(execFile);
const SLOW = 60_000;
const LIVE = 'a11y-vm';
const RAW = 'raw-vm';

interface Ctx extends E2eContext {
  origin: string;
  liveId: string;
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args);
}

async function serialLog(): Promise<string> {
  return (await hangar('console', LIVE, '--no-follow')).stdout;
}

/** The accessible name of the focused element (aria-label, else its text). */
function focusedName(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? (el.getAttribute('aria-label') ?? el.textContent) : null;
  });
}

async function selectVm(page: Page, name: string): Promise<void> {
  const option = page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name });
  await option.waitFor({ timeout: SLOW });
  await option.click();
}

describe('accessibility in the browser host', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('a11y', 'hga'));
    const images = join(ctx.root, 'images');
    mkdirSync(images);
    // A qcow2 disk (snapshots work) for the running machine, a raw one (snapshots refused) for the stopped one.
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, join(images, 'boot.qcow2')]);
    copyFileSync(fixturePaths.bootImg, join(images, 'raw.img'));

    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: images });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ctx.origin = new URL(ctx.url).origin;

    ctx.liveId = (await hangar('create', LIVE, '--disk', join(images, 'boot.qcow2'), '--memory', '64')).stdout.trim().split(/\s+/).pop()!;
    await hangar('create', RAW, '--disk', join(images, 'raw.img'), '--memory', '64');
    await hangar('start', LIVE, '--wait-for-serial', markers.bootOk, '--timeout', '60');
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 900 }));
    expect((await ctx.page.goto(ctx.url))?.status()).toBe(200);
  });

  afterAll(() => closeE2e(ctx, ctx.liveId ? () => hangar('stop', LIVE, '--force') : undefined));

  it('the page has the app icon as its favicon: no request of the load fails (no /favicon.ico 404)', async () => {
    const page = await ctx.browser.newPage();
    try {
      const failed: string[] = [];
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
      });
      await page.goto(ctx.url);
      await page.getByRole('listbox', { name: 'Virtual machines' }).waitFor({ timeout: SLOW });
      const icons = await page.locator('link[rel="icon"]').evaluateAll((els) => els.map((e) => (e as HTMLLinkElement).href));
      expect(icons.map((u) => new URL(u).pathname)).toEqual(['/icon.svg', '/icon.png']);
      for (const u of icons) {
        const r = await page.request.get(u);
        expect(r.status(), u).toBe(200);
        expect(r.headers()['content-type']).toMatch(/^image\//);
      }
      await page.waitForLoadState('networkidle');
      expect(failed).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('job results are announced in the Snapshots dialog\'s status line while it is open', async () => {
    const { page } = ctx;
    await selectVm(page, LIVE);
    await page.getByRole('button', { name: 'Manage snapshots' }).click();
    const panel = page.getByRole('dialog', { name: 'Snapshots' });
    await panel.getByRole('tree', { name: 'Snapshot tree' }).waitFor({ timeout: SLOW });

    await panel.getByRole('button', { name: 'Take snapshot' }).click();
    const take = page.getByRole('dialog', { name: `Take a snapshot of "${LIVE}"` });
    await take.getByRole('textbox', { name: 'Name' }).fill('A');
    await take.getByRole('button', { name: 'Take' }).click();
    await take.waitFor({ state: 'detached', timeout: SLOW });
    await expect.poll(() => panel.getByRole('status').textContent(), { timeout: SLOW }).toBe('Took snapshot "A" with RAM.');

    await panel.getByRole('treeitem', { name: 'A', exact: true }).click();
    await panel.getByRole('button', { name: 'Restore' }).click();
    const restore = page.getByRole('dialog', { name: 'Restore "A"?' });
    await restore.getByRole('button', { name: 'Restore' }).click();
    await restore.waitFor({ state: 'detached', timeout: SLOW });
    await expect.poll(() => panel.getByRole('status').textContent(), { timeout: SLOW }).toBe('Restored "A".');

    await panel.getByRole('button', { name: 'Close' }).click();
    await panel.waitFor({ state: 'detached', timeout: SLOW });
  }, 120_000);

  it('an error notice raised while a dialog is open is an alert inside that dialog', async () => {
    const { page } = ctx;
    await selectVm(page, RAW);
    await page.getByRole('button', { name: 'Manage snapshots' }).click();
    const panel = page.getByRole('dialog', { name: 'Snapshots' });
    await panel.getByRole('tree', { name: 'Snapshot tree' }).waitFor({ timeout: SLOW });
    await panel.getByRole('button', { name: 'Take snapshot' }).click();
    const take = page.getByRole('dialog', { name: `Take a snapshot of "${RAW}"` });
    await take.getByRole('textbox', { name: 'Name' }).fill('never');
    await take.getByRole('button', { name: 'Take' }).click();
    // The engine refuses (a raw image has no internal snapshots): the alert is in the Take dialog, not behind it.
    const alert = take.getByRole('alert').filter({ hasText: 'Could not take snapshot' });
    await alert.waitFor({ timeout: SLOW });
    expect(await alert.textContent()).toMatch(/Could not take snapshot "never"/);
    await alert.getByRole('button', { name: 'Close' }).click();
    await take.getByRole('button', { name: 'Cancel' }).click();
    await panel.getByRole('button', { name: 'Close' }).click();
    await panel.waitFor({ state: 'detached', timeout: SLOW });
  }, 120_000);

  it('"Saved the settings of …" is announced in the Settings dialog\'s status line (Apply keeps it open)', async () => {
    const { page } = ctx;
    await selectVm(page, RAW);
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: `Settings of ${RAW}` });
    await settings.getByRole('textbox', { name: 'Description' }).fill('checked by the accessibility test');
    await settings.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => settings.getByRole('status').textContent(), { timeout: SLOW }).toBe(`Saved the settings of "${RAW}".`);
    await settings.getByRole('button', { name: 'Close' }).click();
    await settings.waitFor({ state: 'detached', timeout: SLOW });
  }, 120_000);

  it('the menus have names: Stop, and the display\'s Send keys', async () => {
    const { page } = ctx;
    await selectVm(page, LIVE);
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('menu', { name: 'Stop' }).waitFor({ timeout: SLOW });
    await page.keyboard.press('Escape');
    await page.getByRole('menu', { name: 'Stop' }).waitFor({ state: 'detached', timeout: SLOW });
  }, 60_000);

  it('Tab reaches the screen ("Screen of NAME"); Enter captures the keyboard; the host key releases it', async () => {
    const { page } = ctx;
    await page.goto(`${ctx.origin}/#/display/${ctx.liveId}`);
    const screen = page.getByRole('application', { name: `Screen of ${LIVE}` });
    await screen.waitFor({ timeout: SLOW });
    await page.getByRole('button', { name: 'Send keys' }).click();
    await page.getByRole('menu', { name: 'Send keys' }).waitFor({ timeout: SLOW });
    await page.keyboard.press('Escape');

    // From the top of the page, Tab until the screen has the focus (it is one of the page's tab stops).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let reached = false;
    for (let i = 0; i < 25 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await focusedName(page)) === `Screen of ${LIVE}`;
    }
    expect(reached, 'Tab reaches the screen').toBe(true);
    expect(await page.getByTestId('keyboard-capture').textContent()).toMatch(/press Enter on it/);

    const before = await serialLog();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('keyboard-capture').textContent(), { timeout: SLOW }).toContain('Keyboard captured');
    await page.keyboard.type('ab', { delay: 50 });
    await expect.poll(serialLog, { timeout: 15_000, interval: 300 }).toContain(`${markers.bootKeyPrefix}a\r\n${markers.bootKeyPrefix}b`);
    // The Enter that captured was not sent to the guest.
    expect((await serialLog()).slice(before.length)).not.toContain('KEY:#1C0D');

    await page.keyboard.press('ControlRight');
    await expect.poll(() => page.getByTestId('keyboard-capture').textContent(), { timeout: SLOW }).toContain('Click the screen');
    expect(await focusedName(page)).toBe(`Screen of ${LIVE}`);
    const released = await serialLog();
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).not.toBe(`Screen of ${LIVE}`);
    await page.keyboard.type('z');
    await new Promise((r) => setTimeout(r, 700)); // a key that reached the guest would be on serial by now
    expect(await serialLog()).toBe(released);
  }, 120_000);
});
