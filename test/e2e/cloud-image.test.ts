// End to end (issue #18, cloud images): the built app served by `serve.js`, driven in Debian Chromium by
// accessible names, with a real engine and QEMU. The wizard's "From a cloud image" path creates a machine on the
// fixture cloud image (linux.iso's hybrid image as a qcow2 disk) with a user, an SSH key and a host name, and
// starts it; the fixture guest mounts its cidata seed and prints what it found on the serial console.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { fixturePaths } from '../helpers/fixtures.js';
import { cleanupRuntime, launchBrowser, makeE2eDirs, spawnServe, stopServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { startDownloadServer, type DownloadServer } from '../helpers/download-server.js';
import { findDownloadEntry } from '../../src-shared/os-downloads/index.js';

const VIEWPORT = { width: 1280, height: 800 };
/** Generous: 2 cores, TCG, and other suites running at the same time. No timed assertions. */
const SLOW = 60_000;
const BOOT = 240_000;
const VM = 'e2e-cloud';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEggYlb0WrW1+dRkKoOSAJBizcjB8u0uFJz63w4PnP/V alice@host';

interface Ctx extends E2eContext {
  image: string;
  server: DownloadServer;
}
/** Served by the test's local mirror (HANGAR_DOWNLOAD_MIRROR rewrites the catalog's origin): the fixture image stands for Debian's. */
const CATALOG = findDownloadEntry('debian-12-cloud-amd64')!;
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args, { timeout: SLOW, maxBuffer: 64 * 1024 * 1024 });
}

const list = () => ctx.page.getByRole('listbox', { name: 'Virtual machines' });
const toolbarButton = (name: string) => ctx.page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name, exact: true });

async function chooseOption(wizard: Locator, combobox: string, value: string): Promise<void> {
  await wizard.getByRole('combobox', { name: combobox }).click();
  await ctx.page.getByRole('option', { name: value, exact: true }).click();
  await expect.poll(async () => (await wizard.getByRole('combobox', { name: combobox }).textContent()) ?? '', { timeout: SLOW }).toContain(value);
}

/** System, Resources and Disk pages: BIOS, 256 MiB, 1 CPU, a new 1 GiB disk (the overlay); ends on the Summary. */
async function smallMachine(wizard: Locator): Promise<void> {
    await wizard.getByRole('heading', { name: 'System' }).waitFor();
    await chooseOption(wizard, 'Firmware', 'BIOS');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('textbox', { name: 'Memory (MiB)' }).fill('256');
    await wizard.getByRole('textbox', { name: 'CPUs' }).fill('1');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'New disk' }).check();
    await wizard.getByRole('textbox', { name: 'Disk size (GiB)' }).fill('1');
    await wizard.getByRole('button', { name: 'Next' }).click();
}

describe('create from a cloud image end to end (wizard → overlay + cidata seed → the guest reads it)', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('cloud', 'hgc'));
    const images = join(ctx.root, 'images');
    mkdirSync(images);
    ctx.image = join(images, 'fixture-cloud.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.linuxIso, ctx.image]);
    ctx.server = await startDownloadServer();
    const body = readFileSync(ctx.image);
    ctx.server.files.set(new URL(CATALOG.url).pathname, { body });
    ctx.server.files.set(new URL(CATALOG.verify.checksumUrl).pathname, { body: Buffer.from(`${createHash('sha512').update(body).digest('hex')}  ${CATALOG.fileName}\n`) });
    ctx.env['HANGAR_DOWNLOAD_MIRROR'] = ctx.server.origin;
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: images, timeoutMs: SLOW });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser(VIEWPORT));
    expect((await ctx.page.goto(ctx.url))?.status()).toBe(200);
    await list().waitFor({ timeout: SLOW });
  });

  afterAll(async () => {
    await ctx.browser?.close().catch(() => undefined);
    if (ctx.library && existsSync(ctx.library)) for (const vm of [VM, `${VM}-catalog`]) await hangar('stop', vm, '--force').catch(() => undefined);
    await stopServe(ctx.serve);
    cleanupRuntime(ctx.runtimeBase, ctx.root);
    await ctx.server?.close();
  });

  it('the wizard creates and starts it with a user, key and host name; the guest prints them from its seed', { timeout: BOOT + 6 * SLOW }, async () => {
    const { page } = ctx;
    await toolbarButton('New').click();
    const wizard = page.getByRole('dialog', { name: 'New machine' });
    await wizard.waitFor();
    await wizard.getByRole('textbox', { name: 'Name' }).fill(VM);
    await wizard.getByRole('button', { name: 'Next' }).click();

    await wizard.getByRole('radio', { name: 'From a cloud image' }).check();
    await wizard.getByRole('textbox', { name: 'Cloud image' }).fill(ctx.image);
    await wizard.getByRole('textbox', { name: 'User name' }).fill('Alice');
    // The engine's rules, as you type.
    await expect.poll(async () => (await wizard.textContent()) ?? '', { timeout: SLOW }).toContain('The user name must be 1–32 characters');
    await wizard.getByRole('textbox', { name: 'User name' }).fill('alice');
    await wizard.getByRole('textbox', { name: 'SSH public key' }).fill(KEY);
    await wizard.getByRole('textbox', { name: 'Host name' }).fill('cloud-box');
    await wizard.getByRole('button', { name: 'Next' }).click();

    await smallMachine(wizard);

    await wizard.getByRole('heading', { name: 'Summary' }).waitFor();
    await expect.poll(async () => (await wizard.textContent()) ?? '', { timeout: SLOW }).toContain('user alice, no password, 1 SSH key(s), host name cloud-box');
    await wizard.getByRole('button', { name: 'Create and start' }).click();
    await wizard.waitFor({ state: 'detached', timeout: SLOW });

    await expect.poll(async () => (await hangar('console', VM, '--no-follow').catch(() => ({ stdout: '' }))).stdout, { timeout: BOOT, interval: 1000 }).toContain('CIDATA-DONE');
    const lines = (await hangar('console', VM, '--no-follow')).stdout.split(/\r?\n/);
    expect(lines).toContain('CIDATA-USER:alice');
    expect(lines).toContain(`CIDATA-KEY:${KEY}`);
    expect(lines).toContain('CIDATA-HOST:cloud-box');
    const info = JSON.parse((await hangar('info', VM, '--json')).stdout) as { disks: Array<{ baseImage?: string }>; cdroms: Array<{ path: string | null }> };
    expect(info.disks[0]!.baseImage).toBe(ctx.image);
    expect(info.cdroms[0]!.path).toBe('disks/cidata.iso');
  });

  it('picks "Debian 12 (cloud image)" from the catalog (downloaded and verified from the mirror), with a user and key; the guest prints them', { timeout: BOOT + 6 * SLOW }, async () => {
    const { page } = ctx;
    const name = `${VM}-catalog`;
    await toolbarButton('New').click();
    const wizard = page.getByRole('dialog', { name: 'New machine' });
    await wizard.waitFor();
    await wizard.getByRole('textbox', { name: 'Name' }).fill(name);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'From a cloud image' }).check();
    await wizard.getByRole('button', { name: 'Download…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Download a cloud image' });
    await dialog.getByRole('list', { name: 'Cloud images' }).getByRole('button', { name: /Debian 12 \(cloud image\)/ }).click({ timeout: SLOW });
    await dialog.waitFor({ state: 'hidden', timeout: SLOW });
    const file = join(ctx.env['HANGAR_MEDIA_DIR']!, CATALOG.fileName);
    await expect.poll(() => wizard.getByRole('textbox', { name: 'Cloud image' }).inputValue(), { timeout: SLOW }).toBe(file);
    await wizard.getByRole('textbox', { name: 'User name' }).fill('bob');
    await wizard.getByRole('textbox', { name: 'SSH public key' }).fill(KEY);
    await wizard.getByRole('button', { name: 'Next' }).click();

    await smallMachine(wizard);
    await wizard.getByRole('heading', { name: 'Summary' }).waitFor();
    await wizard.getByRole('button', { name: 'Create and start' }).click();
    await wizard.waitFor({ state: 'detached', timeout: SLOW });

    await expect.poll(async () => (await hangar('console', name, '--no-follow').catch(() => ({ stdout: '' }))).stdout, { timeout: BOOT, interval: 1000 }).toContain('CIDATA-DONE');
    const lines = (await hangar('console', name, '--no-follow')).stdout.split(/\r?\n/);
    expect(lines).toContain('CIDATA-USER:bob');
    expect(lines).toContain(`CIDATA-KEY:${KEY}`);
    const info = JSON.parse((await hangar('info', name, '--json')).stdout) as { osId: string; disks: Array<{ baseImage?: string }> };
    expect(info.disks[0]!.baseImage).toBe(file);
    expect(info.osId).toBe(CATALOG.osId);
  });
});
