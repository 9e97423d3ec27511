// End-to-end test of the storage UI (issue "Storage and network"): the built app served by `serve.js`, in Debian
// Chromium through playwright-core, with a real engine and qemu-img. With a stopped machine: Settings ▸ Storage adds
// a 1 GiB disk (listed with its sizes), grows it to 2 GiB (the engine's disk.info agrees), then Clone… makes a full
// clone that appears in the list, selected. Then Export… writes the machine into a folder chosen with the in-app file
// browser, and Import… (the same browser, filtered to archives) brings it back under a new name, selected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';

const VM = 'storage-vm';
const SLOW = 30_000;
const GIB = 2 ** 30;

interface Ctx extends Omit<E2eContext, 'url'> {
  archives: string;
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args, { timeout: SLOW });
}

async function diskIds(): Promise<string[]> {
  const info = JSON.parse((await hangar('info', VM, '--json')).stdout) as { disks: Array<{ id: string }> };
  return info.disks.map((d) => d.id);
}

async function waitForText(locator: Locator, text: string, timeout = SLOW): Promise<void> {
  await expect.poll(async () => (await locator.textContent()) ?? '', { timeout, interval: 200 }).toContain(text);
}

const list = () => ctx.page.getByRole('listbox', { name: 'Virtual machines' });
const option = (name: string) => list().getByRole('option', { name, exact: true });

describe('storage UI end to end', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('storage', 'hgr'));
    ctx.archives = join(ctx.root, 'archives');
    mkdirSync(ctx.archives);
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.archives, timeoutMs: SLOW });
    ctx.serve = started.serve;
    const url = await started.url;
    await hangar('create', VM, '--memory', '128');
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
    expect((await ctx.page.goto(url))?.status()).toBe(200);
  }, 60_000);

  afterAll(() => closeE2e(ctx));

  it('adds a 1 GiB disk in Settings ▸ Storage, grows it to 2 GiB, and clones the machine', async () => {
    const { page } = ctx;
    const before = await diskIds();
    await option(VM).click();
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = page.getByRole('dialog', { name: `Settings of ${VM}` });
    await settings.getByRole('tab', { name: 'Storage' }).click();
    const table = settings.getByRole('table', { name: 'Disks' });
    await table.waitFor({ timeout: SLOW });

    // Add: a new qcow2 of 1 GiB; the row shows its virtual size and its (small) size on the host.
    await settings.getByRole('button', { name: 'Add disk', exact: true }).click();
    const add = page.getByRole('dialog', { name: 'Add disk' });
    await add.getByRole('spinbutton', { name: 'Size (GiB)' }).fill('1');
    await add.getByRole('button', { name: 'Add', exact: true }).click();
    await add.waitFor({ state: 'detached', timeout: SLOW });
    const after = await diskIds();
    const added = after.find((d) => !before.includes(d));
    expect(added, `a new disk among ${after.join(', ')}`).toBeTruthy();
    const row = table.getByRole('row', { name: new RegExp(`^${added!}`) });
    await waitForText(row, '1 GiB');
    await waitForText(row, 'qcow2');
    expect(await row.textContent()).toMatch(/\d+(\.\d)? KiB|\d+(\.\d)? MiB/); // the actual size on the host
    const info1 = JSON.parse((await hangar('disk', 'info', VM, added!, '--json')).stdout) as { virtualSize: number; actualSize: number };
    expect(info1.virtualSize).toBe(GIB);

    // Grow to 2 GiB: the table and the engine's disk.info agree.
    await settings.getByRole('button', { name: `Grow ${added!}` }).click();
    const grow = page.getByRole('dialog', { name: `Grow disk ${added!}` });
    await grow.getByRole('spinbutton', { name: 'New size (GiB)' }).fill('2');
    await grow.getByRole('button', { name: 'Grow', exact: true }).click();
    await grow.waitFor({ state: 'detached', timeout: SLOW });
    await waitForText(row, '2 GiB');
    const info2 = JSON.parse((await hangar('disk', 'info', VM, added!, '--json')).stdout) as { virtualSize: number };
    expect(info2.virtualSize).toBe(2 * GIB);
    await settings.getByRole('button', { name: 'Close', exact: true }).click();
    await settings.waitFor({ state: 'detached', timeout: SLOW });

    // Clone (full): the clone appears in the list, selected.
    await page.getByRole('button', { name: 'Clone…' }).click();
    const clone = page.getByRole('dialog', { name: `Clone ${VM}` });
    expect(await clone.getByRole('textbox', { name: 'Name of the clone' }).inputValue()).toBe(`${VM} clone`);
    await clone.getByRole('button', { name: 'Clone', exact: true }).click();
    await clone.waitFor({ state: 'detached', timeout: SLOW });
    const cloned = option(`${VM} clone`);
    await cloned.waitFor({ timeout: SLOW });
    await expect.poll(() => cloned.getAttribute('aria-selected'), { timeout: SLOW }).toBe('true');
    const listed = JSON.parse((await hangar('list', '--json')).stdout) as Array<{ name: string }>;
    expect(listed.map((v) => v.name).sort()).toEqual([VM, `${VM} clone`]);
  }, 60_000);

  it('exports the machine to a chosen folder and imports the archive back, selected', async () => {
    const { page } = ctx;
    const files = page.getByRole('dialog', { name: /Where to save|Choose a Hangar archive/ });
    await option(VM).click();
    await page.getByRole('button', { name: 'Export…' }).click();
    const exp = page.getByRole('dialog', { name: `Export ${VM}` });
    await exp.getByRole('button', { name: 'Choose…' }).click();
    await files.getByRole('navigation', { name: 'Places' }).getByRole('button', { name: ctx.archives, exact: true }).click();
    await waitForText(files.getByLabel('Current folder'), ctx.archives);
    await files.getByRole('button', { name: 'Choose folder' }).click();
    expect(await exp.getByRole('textbox', { name: 'Folder' }).inputValue()).toBe(ctx.archives);
    expect(await exp.getByRole('textbox', { name: 'File name' }).inputValue()).toBe(`${VM}.tar.gz`);
    await exp.getByRole('button', { name: 'Export', exact: true }).click();
    await exp.waitFor({ state: 'detached', timeout: SLOW });
    expect(existsSync(join(ctx.archives, `${VM}.tar.gz`))).toBe(true);

    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Import…' }).click();
    await files.getByRole('navigation', { name: 'Places' }).getByRole('button', { name: ctx.archives, exact: true }).click();
    // The listing loads after the folder changes: wait for it before picking the archive in it.
    await waitForText(files.getByLabel('Current folder'), ctx.archives);
    await files.getByRole('button', { name: new RegExp(`^${VM}\\.tar\\.gz`) }).click({ timeout: SLOW });
    await files.getByRole('button', { name: 'Open', exact: true }).click();
    const imp = page.getByRole('dialog', { name: 'Import a machine' });
    expect(await imp.getByRole('textbox', { name: 'Archive' }).inputValue()).toBe(join(ctx.archives, `${VM}.tar.gz`));
    await imp.getByRole('textbox', { name: 'Name (optional)' }).fill(`${VM} imported`);
    await imp.getByRole('button', { name: 'Import', exact: true }).click();
    await imp.waitFor({ state: 'detached', timeout: SLOW });
    const imported = option(`${VM} imported`);
    await imported.waitFor({ timeout: SLOW });
    await expect.poll(() => imported.getAttribute('aria-selected'), { timeout: SLOW }).toBe('true');
  }, 60_000);
});
