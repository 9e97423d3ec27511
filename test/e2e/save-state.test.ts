// End to end, in Debian Chromium through the browser host with a real engine and QEMU: "Save the machine
// state" from the Stop menu suspends boot.img (its typed keys are guest RAM and screen), the list says
// "Saved", Start resumes it with the keys still there; "Start without saving changes" runs the installer
// guest (it writes a whole system to its disk) on throwaway overlays, and the disk file is unchanged after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { countKeyRowGlyphs, settledGlyphCount, fixturePaths, markers } from '../helpers/fixtures.js';
import { decodePng } from '../helpers/png.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';

const run = promisify(execFile);
const VM = 'save-vm';
const TMP = 'tmp-vm';
const SLOW = 120_000;

interface Ctx extends E2eContext {
  diskDir: string;
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args);
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

let shot = 0;
async function glyphCount(): Promise<number> {
  const file = join(ctx.root, `screen-${++shot}.png`);
  await hangar('screenshot', VM, file);
  const img = decodePng(readFileSync(file));
  rmSync(file, { force: true });
  return countKeyRowGlyphs(img);
}

async function expectGlyphs(n: number): Promise<void> {
  expect(await settledGlyphCount(glyphCount, n, 30_000), "glyphs in boot.img's key row").toBe(n);
}

async function serialLog(vm: string): Promise<string> {
  return (await hangar('console', vm, '--no-follow')).stdout;
}

describe('save state and disposable runs end to end', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('savestate', 'hgv'));
    ctx.diskDir = join(ctx.root, 'disks');
    mkdirSync(ctx.diskDir);
    const disk = join(ctx.diskDir, 'boot.qcow2');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(ctx.diskDir, 'blank.qcow2'), '64M']);
    // The browser host's engine takes paths inside its folders only (--allow-dir).
    await run('cp', [fixturePaths.installerIso, join(ctx.diskDir, 'installer.iso')]);
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.diskDir });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    await hangar('create', VM, '--disk', disk, '--memory', '64');
    await hangar('create', TMP, '--disk', join(ctx.diskDir, 'blank.qcow2'), '--iso', join(ctx.diskDir, 'installer.iso'), '--memory', '256');
    await hangar('start', VM, '--wait-for-serial', markers.bootOk, '--timeout', '120');
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 900 }));
  }, 300_000);

  afterAll(() => closeE2e(ctx, async () => {
    await hangar('stop', VM, '--force').catch(() => undefined);
    await hangar('stop', TMP, '--force').catch(() => undefined);
  }));

  it('Stop ▸ Save the machine state, then Start: the guest resumes with its RAM and screen (no reboot)', async () => {
    const { page } = ctx;
    expect((await page.goto(ctx.url))?.status()).toBe(200);
    const option = page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: VM });
    await option.waitFor({ timeout: SLOW });
    await expect.poll(() => option.textContent(), { timeout: SLOW }).toContain('Running');
    await option.click();
    await hangar('type', VM, 'ab');
    await expectGlyphs(2);

    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('menuitem', { name: 'Save the machine state' }).click();
    await expect.poll(() => option.textContent(), { timeout: SLOW }).toMatch(/Saved · .*\d{4}/);
    expect((await hangar('list')).stdout).toMatch(/save-vm\s+saved/);

    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Start', exact: true }).click();
    await expect.poll(() => option.textContent(), { timeout: SLOW }).toContain('Running');
    await expectGlyphs(2);
    await hangar('type', VM, 'c');
    await expectGlyphs(3);
    // One boot only: a resumed guest never printed its boot line again.
    expect((await serialLog(VM)).split(markers.bootOk).length - 1).toBe(1);
  }, 300_000);

  it('Start without saving changes: "Disposable" while it runs; the guest\'s disk writes are gone after power-off', async () => {
    const { page } = ctx;
    const blank = join(ctx.diskDir, 'blank.qcow2');
    const before = sha256(blank);
    const option = page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: TMP });
    await option.click();
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Start without saving changes' }).click();
    await expect.poll(() => option.textContent(), { timeout: SLOW }).toContain('Disposable');
    // The installer writes its system to the disk, syncs and powers off by itself.
    await expect.poll(async () => (await serialLog(TMP)).includes(markers.installDone), { timeout: 240_000, interval: 1000 }).toBe(true);
    await expect.poll(() => option.textContent(), { timeout: SLOW }).toContain('Powered off');
    expect(await option.textContent()).not.toContain('Disposable');
    expect(sha256(blank)).toBe(before);
    const bundle = readdirSync(ctx.library).find((f) => f.startsWith('tmp-vm-'))!;
    expect(existsSync(join(ctx.library, bundle, 'disposable'))).toBe(false);
  }, 300_000);
});
