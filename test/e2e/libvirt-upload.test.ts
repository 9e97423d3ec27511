// End-to-end: the wizard's Upload… on a libvirt connection (qemu:///system). In Chromium, through the built browser
// host: New → Create on "libvirt: sys" → From an ISO image → Upload… → the browser host's file chooser (its places
// are serve's --allow-dir roots) → progress while the ISO goes into the pool "default" → the uploaded volume is
// listed, selected and in the ISO field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { closeE2e, makeE2eDirs, type E2eContext } from '../helpers/e2e-harness.js';
import { ensureLibvirt, SYSTEM_URI } from '../helpers/libvirt-host.js';
import { sparseFixtureIso, virsh } from '../helpers/libvirt-suite.js';
import { serveWithConnections } from '../helpers/libvirt-e2e.js';

const SLOW = 120_000;
const ctx = {} as E2eContext & { isos: string };
const volume = `hangar-e2e-up-${randomBytes(3).toString('hex')}.iso`;

describe('Upload… in the wizard on a libvirt connection', () => {
  beforeAll(async () => {
    await ensureLibvirt();
    Object.assign(ctx, makeE2eDirs('libvirt-upload', 'hgu'));
    // 512 MiB (the fixture's volume descriptors, then holes): long enough an upload for its progress to be seen.
    ctx.isos = join(ctx.root, 'isos');
    mkdirSync(ctx.isos);
    sparseFixtureIso(join(ctx.isos, volume), 512 * 1024 ** 2);
    await serveWithConnections(ctx, [{ name: 'sys', uri: SYSTEM_URI }], { allowDir: ctx.isos });
  }, SLOW);

  afterAll(async () => {
    await closeE2e(ctx, async () => {
      virsh('vol-delete', '--pool=default', `--vol=${volume}`);
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
    expect(virsh('vol-info', '--pool=default', `--vol=${volume}`)).toMatch(/Capacity:\s+512\.00 MiB/);
  }, 6 * SLOW);
});
