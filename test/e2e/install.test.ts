// End-to-end test of the install flow (issue "Install"): the built app (out/) served by `serve.js`, driven in
// Debian Chromium through playwright-core by accessible names, with a real engine and QEMU. For BIOS and
// UEFI: the wizard creates a machine from the installer fixture with a new 1 GiB disk and starts it; the
// list shows "Installing…"; the installer writes the disk and powers off; Hangar removes the ISO and
// makes the disk boot first, and the UI says so; the details show the CD empty; "Start" boots the
// installed system from its disk (its marker on the serial console); the ISO goes back in live from the
// recent-ISO menu and is ejected again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { qemuPidsUnder } from '../helpers/engine-harness.js';
import { cleanupRuntime, launchBrowser, makeE2eDirs, spawnServe, stopServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';

const VIEWPORT = { width: 1280, height: 800 };
/** Generous: 2 cores, TCG, and other suites running at the same time. No timed assertions. */
const SLOW = 60_000;
/** The installer under TCG: ~20 s (BIOS) to ~40 s (UEFI) on an idle machine; much more under load. */
const INSTALL = 420_000;

interface Ctx extends E2eContext {
  isoDir: string;
  installerIso: string;
  created: string[];
}
const ctx = { created: [] } as unknown as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args, { timeout: SLOW, maxBuffer: 64 * 1024 * 1024 });
}

async function serialLog(vm: string): Promise<string> {
  return (await hangar('console', vm, '--no-follow')).stdout;
}

const list = () => ctx.page.getByRole('listbox', { name: 'Virtual machines' });
const option = (name: string) => list().getByRole('option', { name, exact: true });
const toolbarButton = (name: string) => ctx.page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name, exact: true });

async function waitForText(locator: Locator, text: string, timeout = SLOW): Promise<void> {
  await expect.poll(async () => (await locator.textContent().catch(() => null)) ?? '', { timeout, interval: 250 }).toContain(text);
}

async function chooseOption(wizard: Locator, combobox: string, value: string): Promise<void> {
  await wizard.getByRole('combobox', { name: combobox }).click();
  await ctx.page.getByRole('option', { name: value, exact: true }).click();
  await waitForText(wizard.getByRole('combobox', { name: combobox }), value);
}

async function createWithWizard(name: string, firmware: 'BIOS' | 'UEFI'): Promise<void> {
  const { page } = ctx;
  await toolbarButton('New').click();
  const wizard = page.getByRole('dialog', { name: 'New machine' });
  await wizard.waitFor();
  await wizard.getByRole('textbox', { name: 'Name' }).fill(name);
  await wizard.getByRole('button', { name: 'Next' }).click();

  await wizard.getByRole('radio', { name: 'From an ISO image' }).check();
  await wizard.getByRole('textbox', { name: 'ISO image' }).fill(ctx.installerIso);
  // The fixture boots with both; wait for the inspection so its recommendation does not land later.
  await waitForText(wizard.getByRole('status').filter({ hasText: 'volume label' }), 'Boots with BIOS and UEFI');
  await wizard.getByRole('button', { name: 'Next' }).click();

  await wizard.getByRole('heading', { name: 'System' }).waitFor();
  await chooseOption(wizard, 'Firmware', firmware);
  await wizard.getByRole('button', { name: 'Next' }).click();

  await wizard.getByRole('textbox', { name: 'Memory (MiB)' }).fill('256');
  await wizard.getByRole('textbox', { name: 'CPUs' }).fill('1');
  await wizard.getByRole('button', { name: 'Next' }).click();

  await wizard.getByRole('radio', { name: 'New disk' }).check();
  await wizard.getByRole('textbox', { name: 'Disk size (GiB)' }).fill('1');
  await wizard.getByRole('button', { name: 'Next' }).click();

  await wizard.getByRole('heading', { name: 'Summary' }).waitFor();
  await wizard.getByRole('button', { name: 'Create and start' }).click();
  await wizard.waitFor({ state: 'detached', timeout: SLOW });
  ctx.created.push(name);
}

describe('install flow end to end (wizard → installer → boots from disk)', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('install', 'hgi'));
    ctx.isoDir = join(ctx.root, 'images');
    mkdirSync(ctx.isoDir);
    // A private copy: the fixtures may be rebuilt while this runs.
    ctx.installerIso = join(ctx.isoDir, 'installer.iso');
    copyFileSync(fixturePaths.installerIso, ctx.installerIso);

    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.isoDir, timeoutMs: SLOW });
    ctx.serve = started.serve;
    ctx.url = await started.url;

    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser(VIEWPORT));
    expect((await ctx.page.goto(ctx.url))?.status()).toBe(200);
    await list().waitFor({ timeout: SLOW });
  });

  afterAll(async () => {
    await ctx.browser?.close().catch(() => undefined);
    if (ctx.library && existsSync(ctx.library)) {
      for (const name of ctx.created) await hangar('stop', name, '--force').catch(() => undefined);
    }
    await stopServe(ctx.serve);
    cleanupRuntime(ctx.runtimeBase, ctx.root);
  });

  for (const firmware of ['BIOS', 'UEFI'] as const) {
    const VM = `e2e-install-${firmware.toLowerCase()}`;

    it(`${firmware}: installs from the ISO, removes it, and boots the installed system from its disk`, { timeout: 2 * INSTALL + 4 * SLOW }, async () => {
      const { page } = ctx;
      await createWithWizard(VM, firmware);

      // The list shows the install under way (the option is still named by the VM alone).
      const vm = option(VM);
      await vm.waitFor({ timeout: SLOW });
      await waitForText(vm, 'Installing…');
      expect(await vm.getAttribute('aria-selected')).toBe('true');
      const info = JSON.parse((await hangar('info', VM, '--json')).stdout) as { firmware: { type: string }; bootOrder: string[]; cdroms: Array<{ path: string | null }> };
      expect(info.firmware.type).toBe(firmware.toLowerCase());
      expect(info.bootOrder).toEqual(['cd0', 'disk0']);
      expect(info.cdroms[0]!.path).toBe(ctx.installerIso);

      const details = page.getByRole('article', { name: `Details of ${VM}` });
      const media = details.getByRole('region', { name: 'Removable media' });
      await waitForText(media, 'installer.iso');
      await details.getByRole('status', { name: 'Installation' }).waitFor({ timeout: SLOW });

      // The installer writes the disk and powers off; Hangar removes the medium and tells the user.
      await page
        .getByRole('alert')
        .filter({ hasText: `Installation finished on "${VM}": the installation medium was removed and the machine now boots from its disk.` })
        .waitFor({ timeout: INSTALL });
      await waitForText(vm, 'Powered off', SLOW);
      await expect.poll(async () => (await vm.textContent()) ?? '', { timeout: SLOW }).not.toContain('Installing…');
      await waitForText(media, 'Empty');
      await waitForText(details.getByRole('region', { name: 'Storage' }), 'Empty');
      expect(await details.getByRole('status', { name: 'Installation' }).count()).toBe(0);
      const log = await serialLog(VM);
      expect(log).toContain(markers.installDone);
      const after = JSON.parse((await hangar('info', VM, '--json')).stdout) as { bootOrder: string[]; cdroms: Array<{ path: string | null }> };
      expect(after.cdroms[0]!.path).toBeNull();
      expect(after.bootOrder[0]).toBe('disk0');

      // Start: the installed system boots from its disk.
      await vm.click();
      await toolbarButton('Start').click();
      await waitForText(vm, 'Running');
      await expect
        .poll(async () => (await serialLog(VM).catch(() => '')).includes(markers.installedBootOk), { timeout: INSTALL, interval: 1000 })
        .toBe(true);

      // Removable media, live: put the ISO back from the recent list, then eject it.
      await media.getByRole('button', { name: 'Recent ISOs' }).click();
      await page.getByRole('menu').getByRole('menuitem', { name: 'installer.iso' }).click();
      await waitForText(media, 'installer.iso');
      expect((JSON.parse((await hangar('info', VM, '--json')).stdout) as { cdroms: Array<{ path: string | null }> }).cdroms[0]!.path).toBe(ctx.installerIso);
      await media.getByRole('button', { name: 'Eject' }).click();
      await waitForText(media, 'Empty');

      await toolbarButton('Stop').click();
      await page.getByRole('menuitem', { name: 'Force off' }).click();
      await waitForText(vm, 'Powered off');
      await expect.poll(() => qemuPidsUnder(ctx.runtimeBase).length, { timeout: SLOW }).toBe(0);
    });
  }
});
