// End-to-end: Settings ▸ USB in Chromium through the browser host, against real QEMU and the fixture guest (its
// USB:watch reporter prints each USB disk on serial). A disk image is plugged in live as a USB stick from the page
// and the guest sees its bytes; the host's devices are read from a recorded sysfs tree (HANGAR_USB_SYSFS, serve's
// environment) with device nodes only root may open, so the page shows the exact udev rule. Permission refusals
// only exist for a user who is not root (CI runs as root): serve, its engine and QEMU run as that user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { repoRoot } from '../helpers/engine-harness.js';
import { chownTree, unprivilegedUser, type UnprivilegedUser } from '../helpers/unprivileged.js';
import { writeSerialFromPage } from './page-serial.js';

/** Generous: the machine has 2 cores and QEMU runs under TCG. */
const SLOW = 120_000;
const VM = 'usb-e2e';
const SYSFS = join(repoRoot, 'test', 'fixtures', 'usb-sysfs');

interface Ctx extends E2eContext {
  vmId: string;
  stick: string;
  /** Set when this process is root: serve and the CLI run as this user. */
  user?: UnprivilegedUser;
}
const ctx = {} as Ctx;

const exec = promisify(execFile);
/** The CLI as the user serve runs as (the runtime folder is that user's; a root CLI refuses it). */
function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (!ctx.user) return runHangar(ctx.library, ctx.env, args, { timeout: SLOW * 2 });
  const cli = [process.execPath, join(repoRoot, 'bin', 'hangar.js'), '--library', ctx.library, ...args];
  return exec('setpriv', ['--reuid', String(ctx.user.uid), '--regid', String(ctx.user.gid), '--clear-groups', '--', ...cli], { env: ctx.env, timeout: SLOW * 2 });
}
const serialLog = async (): Promise<string> => (await hangar('console', ctx.vmId, '--no-follow')).stdout;

async function waitForText(locator: Locator, text: string, timeout = SLOW): Promise<void> {
  await expect.poll(async () => (await locator.textContent()) ?? '', { timeout, interval: 250 }).toContain(text);
}

const guestSerial = (line: string): Promise<void> => writeSerialFromPage(ctx.page, ctx.vmId, line);

describe('Settings ▸ USB in the browser host (real QEMU, recorded host USB)', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('usb', 'hus'));
    const user = unprivilegedUser();
    const files = join(ctx.root, 'files');
    mkdirSync(files);
    // A private copy: the fixtures may be rebuilt while this runs.
    copyFileSync(fixturePaths.linuxIso, join(files, 'linux.iso'));
    // A 1 MiB raw image whose first bytes the guest's reporter prints.
    ctx.stick = join(files, 'stick.img');
    const img = Buffer.alloc(1024 * 1024);
    img.write('HANGARSTICK-E2E', 0, 'latin1');
    writeFileSync(ctx.stick, img);
    // The recorded /dev/bus/usb: root-owned nodes, the receiver (001/004) and stick (001/007) root-only, the hub
    // (001/005) open to all. Made before the tree is handed over, so they stay root's.
    const devRoot = join(ctx.runtimeBase, 'dev-bus-usb');
    for (const [rel, mode] of [['001/004', 0o600], ['001/005', 0o666], ['001/007', 0o600]] as const) {
      mkdirSync(join(devRoot, rel, '..'), { recursive: true });
      writeFileSync(join(devRoot, rel), '');
      chmodSync(join(devRoot, rel), mode);
    }
    if (process.getuid!() === 0) {
      ctx.user = user;
      chownTree(ctx.root, user);
      chownTree(ctx.runtimeBase, user);
      for (const rel of ['001/004', '001/005', '001/007']) chownTree(join(devRoot, rel), { ...user, uid: 0, gid: 0 });
    }
    ctx.env = { ...ctx.env, HOME: ctx.root, TMPDIR: ctx.root, HANGAR_USB_SYSFS: join(SYSFS, 'laptop'), HANGAR_USB_DEVROOT: devRoot, HANGAR_USB_IDS: join(SYSFS, 'usb.ids') };
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: files, timeoutMs: SLOW, ...(ctx.user ? { runAs: ctx.user } : {}) });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ctx.vmId = (await hangar('create', VM, '--iso', join(files, 'linux.iso'), '--memory', '256', '--cpus', '1')).stdout.trim().split(/\s+/).pop()!;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
    await ctx.page.goto(ctx.url); // sets the token cookie
  }, SLOW * 2);

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', ctx.vmId, '--force') : undefined));

  it('lists the host\'s devices with usb.ids names and the exact udev rule for a node the user cannot open', async () => {
    const { page } = ctx;
    await page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: VM, exact: true }).click({ timeout: SLOW });
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Settings of ${VM}` });
    await dialog.getByRole('tab', { name: 'USB' }).click({ timeout: SLOW });
    const host = dialog.getByRole('region', { name: 'USB devices of this computer' });
    await waitForText(host, 'Logitech, Inc. Unifying Receiver (046d:c52b, port 1-2)');
    await waitForText(host, 'Genesys Logic, Inc. Hub (05e3:0608, port 1-3) (hub)');
    await waitForText(host, 'SanDisk Corp. Cruzer Blade (0781:5567, port 1-3.1)');
    await waitForText(host, 'USB device 1234:abcd (1234:abcd, port 2-1)');
    expect(await host.getByLabel('udev rule for 0781:5567').textContent()).toBe(
      'SUBSYSTEM=="usb", ATTR{idVendor}=="0781", ATTR{idProduct}=="5567", MODE="0660", GROUP="plugdev"',
    );
    expect(await host.getByLabel('udev rule for 046d:c52b').count()).toBe(1);
    // The hub's node is open to everyone: no rule for it.
    expect(await host.getByLabel('udev rule for 05e3:0608').count()).toBe(0);
    await waitForText(host, `You cannot open ${join(ctx.runtimeBase, 'dev-bus-usb', '001/007')}. Add this udev rule, then join plugdev:`);
    expect(await dialog.getByRole('region', { name: 'USB devices of this machine' }).textContent()).toContain('No USB sticks or host devices.');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  }, SLOW * 2);

  it('plugs a disk image in live as a USB stick from the page: the guest sees its bytes', async () => {
    const { page } = ctx;
    await hangar('start', ctx.vmId, '--wait-for-serial', markers.linuxReady, '--timeout', String(SLOW / 1000));
    await guestSerial('USB:watch');
    await expect.poll(serialLog, { timeout: SLOW, interval: 500 }).toContain('HANGAR-USB-WATCHING');

    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Settings of ${VM}` });
    await dialog.getByRole('tab', { name: 'USB' }).click({ timeout: SLOW });
    await waitForText(dialog, 'Changes plug devices in and out of the running machine at once.');
    await dialog.getByRole('textbox', { name: 'Disk image to plug in as a USB stick' }).fill(ctx.stick);
    await dialog.getByRole('button', { name: 'Attach stick' }).click();
    const mine = dialog.getByRole('region', { name: 'USB devices of this machine' });
    await waitForText(mine, `usb0: stick ${ctx.stick} · plugged in`);
    // The guest's SATA disk is sda: the stick is the next disk, writable (0), 2048 sectors, the image's first bytes.
    await expect.poll(serialLog, { timeout: SLOW, interval: 500 }).toMatch(/HANGAR-USB-DISK:sd[a-z]:0:2048:HANGARSTICK-E2E/);
    const listed = (await hangar('usb', 'list', VM)).stdout;
    expect(listed).toContain(ctx.stick);
    await dialog.getByRole('button', { name: 'Close' }).click();
  }, SLOW * 3);
});
