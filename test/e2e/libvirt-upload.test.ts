// End-to-end: the wizard's Upload… on a libvirt connection (qemu:///system). In Chromium, through the built browser
// host: New → Create on "libvirt: sys" → From an ISO image → Upload… → the browser host's file chooser (its places
// are serve's --allow-dir roots) → progress while the ISO goes into the pool "default" → the uploaded volume is
// listed, selected and in the ISO field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { ensureLibvirt, SYSTEM_URI } from '../helpers/libvirt-host.js';

const SLOW = 120_000;
const ctx = {} as E2eContext & { isos: string };
const volume = `hangar-e2e-up-${randomBytes(3).toString('hex')}.iso`;

describe('Upload… in the wizard on a libvirt connection', () => {
  beforeAll(async () => {
    await ensureLibvirt();
    Object.assign(ctx, makeE2eDirs('libvirt-upload', 'hgu'));
    mkdirSync(ctx.library, { recursive: true });
    writeFileSync(join(ctx.library, 'connections.json'), `${JSON.stringify({ version: 1, connections: [{ name: 'sys', uri: SYSTEM_URI }] })}\n`);
    // 512 MiB (the fixture's volume descriptors, then holes): long enough an upload for its progress to be seen.
    ctx.isos = join(ctx.root, 'isos');
    mkdirSync(ctx.isos);
    const head = Buffer.alloc(1024 * 1024);
    const src = openSync(fixturePaths.linuxIso, 'r');
    readSync(src, head, 0, head.length, 0);
    closeSync(src);
    const fd = openSync(join(ctx.isos, volume), 'w');
    writeSync(fd, head);
    ftruncateSync(fd, 512 * 1024 ** 2);
    closeSync(fd);
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.isos });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 900 }));
  }, SLOW);

  afterAll(async () => {
    await closeE2e(ctx, async () => {
      execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'vol-delete', '--pool=default', `--vol=${volume}`], { stdio: 'pipe' });
    });
  });

  it('uploads a chosen ISO with progress, then lists and selects it', async () => {
    const { page } = ctx;
    expect((await page.goto(ctx.url))?.status()).toBe(200);
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'New', exact: true }).click({ timeout: SLOW });
    const wizard = page.getByRole('dialog', { name: 'New machine' });
    await wizard.getByRole('textbox', { name: 'Name' }).fill('e2e-upload');
    await wizard.getByRole('combobox', { name: 'Create on' }).click({ timeout: SLOW });
    await page.getByRole('option', { name: 'libvirt: sys' }).click();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'From an ISO image' }).check();
    await wizard.getByRole('button', { name: 'Upload an ISO to sys' }).click({ timeout: SLOW });

    const files = page.getByRole('dialog', { name: 'Choose an ISO to upload to “sys”' });
    await files.getByRole('navigation', { name: 'Places' }).getByRole('button', { name: ctx.isos, exact: true }).click({ timeout: SLOW });
    await files.getByRole('list', { name: 'Folder contents' }).getByRole('button', { name: new RegExp(`^${volume.replace(/\./g, '\\.')}`) }).click({ timeout: SLOW });
    await files.getByRole('button', { name: 'Open' }).click();

    // Progress as a job: the bar and its percent (bytes virsh has taken) while the volume fills.
    await wizard.getByRole('progressbar', { name: `Uploading ${volume}` }).waitFor({ timeout: SLOW });
    await expect.poll(async () => Number(/(\d+)%/.exec((await wizard.getByRole('status').filter({ hasText: '%' }).textContent().catch(() => null)) ?? '')?.[1] ?? 0), { timeout: SLOW, interval: 100 }).toBeGreaterThan(0);

    const path = `/var/lib/libvirt/images/${volume}`;
    await expect.poll(() => wizard.getByRole('textbox', { name: 'ISO image' }).inputValue(), { timeout: 5 * SLOW }).toBe(path);
    const listed = wizard.getByRole('list', { name: 'ISOs on sys' }).getByRole('button', { name: new RegExp(volume.replace(/\./g, '\\.')) });
    await listed.waitFor({ timeout: SLOW });
    expect(await listed.getAttribute('class')).toMatch(/Mui-selected/);
    expect(execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'vol-info', '--pool=default', `--vol=${volume}`], { encoding: 'utf8' })).toMatch(/Capacity:\s+512\.00 MiB/);
  }, 6 * SLOW);
});
