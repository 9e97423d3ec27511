// End-to-end test of the Snapshots panel: the built app served by `serve.js`, in Debian Chromium through
// playwright-core, with a real engine and QEMU. boot.img (converted to qcow2) echoes typed keys as glyphs
// in a key row; the panel takes snapshot "A" after one key, the guest gets a second key, and restoring "A"
// through the UI brings the screen back to one glyph.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { countKeyRowGlyphs, settledGlyphCount, fixturePaths, markers } from '../helpers/fixtures.js';
import { decodePng } from '../helpers/png.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';

const run = promisify(execFile);
const VM = 'snap-vm';
const SLOW = 60_000;

interface Ctx extends E2eContext {
  diskDir: string;
  vmId: string;
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args);
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = SLOW): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let shot = 0;
/** Columns of boot.img's key row showing a glyph, from `hangar screenshot` (PNG). */
async function glyphCount(): Promise<number> {
  const file = join(ctx.root, `screen-${++shot}.png`);
  await hangar('screenshot', VM, file);
  const img = decodePng(readFileSync(file));
  rmSync(file, { force: true });
  return countKeyRowGlyphs(img);
}

async function expectGlyphs(n: number): Promise<void> {
  expect(await settledGlyphCount(glyphCount, n, 20_000), 'glyphs in boot.img\'s key row').toBe(n);
}

const treeNames = (page: Page) => page.getByRole('tree', { name: 'Snapshot tree' }).getByRole('treeitem').evaluateAll((els) => els.map((e) => `${e.getAttribute('aria-level')}:${e.getAttribute('aria-label')}`));

describe('snapshots panel end to end', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('snap', 'hgs'));
    ctx.diskDir = join(ctx.root, 'disks');
    mkdirSync(ctx.diskDir);
    const disk = join(ctx.diskDir, 'disk.qcow2');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);

    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.diskDir });
    ctx.serve = started.serve;
    ctx.url = await started.url;

    ctx.vmId = (await hangar('create', VM, '--disk', disk, '--memory', '64')).stdout.trim().split(/\s+/).pop()!;
    await hangar('start', VM);
    await until('boot.img to boot', async () => (await hangar('console', VM, '--no-follow')).stdout.includes(markers.bootOk));
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 900 }));
  });

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', VM, '--force') : undefined));

  it('takes "A" through the panel, restores it (the guest screen goes back), and deletes it', async () => {
    const { page } = ctx;
    expect((await page.goto(ctx.url))?.status()).toBe(200);
    const option = page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: VM });
    await option.waitFor({ timeout: SLOW });
    await expect.poll(() => option.textContent(), { timeout: SLOW }).toContain('Running');
    await option.click();

    // The details pane's Snapshots section, then the panel.
    await page.getByText('No snapshots', { exact: true }).waitFor({ timeout: SLOW });
    await page.getByRole('button', { name: 'Manage snapshots' }).click();
    const panel = page.getByRole('dialog', { name: 'Snapshots' });
    await panel.getByRole('tree', { name: 'Snapshot tree' }).waitFor({ timeout: SLOW });
    expect(await treeNames(page)).toEqual(['1:Current state']);

    await hangar('type', VM, 'a');
    await expectGlyphs(1);

    // Take "A" with RAM (the default while running).
    await panel.getByRole('button', { name: 'Take snapshot' }).click();
    const take = page.getByRole('dialog', { name: `Take a snapshot of "${VM}"` });
    await take.getByRole('textbox', { name: 'Name' }).fill('A');
    expect(await take.getByRole('checkbox', { name: 'Include RAM' }).isChecked()).toBe(true);
    await take.getByRole('button', { name: 'Take' }).click();
    await take.waitFor({ state: 'detached', timeout: SLOW });
    await panel.getByRole('treeitem', { name: 'A', exact: true }).waitFor({ timeout: SLOW });
    expect(await treeNames(page)).toEqual(['1:A', '2:Current state']);
    // The thumbnail of a live snapshot is shown (fetched lazily through snapshot.thumbnail).
    await panel.getByRole('treeitem', { name: 'A', exact: true }).click();
    await panel.getByRole('img', { name: 'Screen of "A"' }).waitFor({ timeout: SLOW });
    expect(await panel.getByText('Disks and RAM (the running state)').count()).toBe(1);

    await hangar('type', VM, 'b');
    await expectGlyphs(2);

    // Restore "A": the warning, accepted without a new snapshot.
    await panel.getByRole('button', { name: 'Restore' }).click();
    const restore = page.getByRole('dialog', { name: 'Restore "A"?' });
    expect(await restore.getByText(/will be lost/).count()).toBe(1);
    expect(await restore.getByRole('checkbox', { name: 'Take a snapshot first' }).isChecked()).toBe(false);
    await restore.getByRole('button', { name: 'Restore' }).click();
    await restore.waitFor({ state: 'detached', timeout: SLOW });
    await expectGlyphs(1);
    expect(await treeNames(page)).toEqual(['1:A', '2:Current state']);
    // A live restore leaves the machine running (the library behind the modal panel is hidden from queries).
    await panel.getByText(`"${VM}" · Running`).waitFor({ timeout: SLOW });

    // Delete "A": only "Current state" is left, in the panel and in the engine.
    await panel.getByRole('treeitem', { name: 'A', exact: true }).click();
    await panel.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete snapshot "A"?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'detached', timeout: SLOW });
    await expect.poll(() => treeNames(page), { timeout: SLOW }).toEqual(['1:Current state']);
    expect(JSON.parse((await hangar('snapshot', 'list', VM, '--json')).stdout) as { snapshots: unknown[] }).toMatchObject({ snapshots: [] });

    await panel.getByRole('button', { name: 'Close' }).click();
    await page.getByText('No snapshots', { exact: true }).waitFor({ timeout: SLOW });
  });
});
