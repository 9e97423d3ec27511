// End-to-end test of the library UI (issue "Library UI"): the built app (out/) served by `serve.js`, driven in
// Debian Chromium through playwright-core by the controls' accessible names, with a real engine and QEMU.
// Creates a machine with the wizard from a Debian-labelled copy of the Linux fixture (its OS detected), starts
// it, forces it off, changes its memory while stopped (and sees the field locked while it runs), deletes it
// with its files; captures docs/screenshots/{library,wizard,settings}.png on the way (1280x800).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { repoRoot } from '../helpers/engine-harness.js';
import { qemuPidsUnder } from '../helpers/engine-harness.js';
import { cleanupRuntime, launchBrowser, makeE2eDirs, spawnServe, stopServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';

const VIEWPORT = { width: 1280, height: 800 };
const SCREENSHOTS = join(repoRoot, 'docs', 'screenshots');
/** A Debian netinst volume label: the OS catalog knows it (Debian 12). */
const DEBIAN_LABEL = 'Debian 12.5.0 amd64 n';
const VM = 'e2e-debian';
/** Generous: the machine has 2 cores, QEMU runs under TCG and other suites run at the same time. */
const SLOW = 60_000;

interface Ctx extends E2eContext {
  isoDir: string;
  linuxIso: string;
  debianIso: string;
  vmId: string;
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args, { timeout: SLOW });
}

async function infoJson(vm: string): Promise<Record<string, unknown>> {
  return JSON.parse((await hangar('info', vm, '--json')).stdout) as Record<string, unknown>;
}

/** Bundle folders (`<slug>-<8 hex of id>.hangar`) of a VM id in the library folder. */
function bundleDirsOf(id: string): string[] {
  const tag = `-${id.slice(0, 8)}.hangar`;
  return readdirSync(ctx.library).filter((n) => n.endsWith(tag));
}

const list = () => ctx.page.getByRole('listbox', { name: 'Virtual machines' });
const option = (name: string) => list().getByRole('option', { name, exact: true });
const toolbarButton = (name: string) => ctx.page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name, exact: true });

async function waitForText(locator: Locator, text: string, timeout = SLOW): Promise<void> {
  await expect.poll(async () => (await locator.textContent()) ?? '', { timeout, interval: 200 }).toContain(text);
}

/** The text of the elements an input's aria-describedby points at (MUI links the helper text that way). */
function description(input: Locator): Promise<string> {
  return input.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
}

async function forceOff(name: string): Promise<void> {
  await option(name).click();
  await toolbarButton('Stop').click();
  await ctx.page.getByRole('menuitem', { name: 'Force off' }).click();
  await waitForText(option(name), 'Powered off');
}

async function screenshot(file: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Let transitions (dialog fade, ripples) settle; the picture is documentation, not an assertion.
  await ctx.page.waitForTimeout(600);
  // Without the passing notices ("Created …"), which would cover part of the window.
  await ctx.page.screenshot({ path: join(SCREENSHOTS, file), style: '.MuiSnackbar-root { visibility: hidden !important; }' });
}

describe('library UI end to end', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('library', 'hgr'));
    ctx.isoDir = join(ctx.root, 'images');
    mkdirSync(ctx.isoDir);
    // Private copies: the fixtures may be rebuilt while this runs, and other tests use them.
    ctx.linuxIso = join(ctx.isoDir, 'linux.iso');
    copyFileSync(fixturePaths.linuxIso, ctx.linuxIso);
    // The same bootable image with a Debian netinst label, so detection meets an OS the catalog knows.
    ctx.debianIso = join(ctx.isoDir, 'debian-12.5.0-amd64-netinst.iso');
    execFileSync('xorriso', ['-indev', ctx.linuxIso, '-outdev', ctx.debianIso, '-volid', DEBIAN_LABEL, '-boot_image', 'any', 'replay'], { stdio: 'pipe' });

    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.isoDir, timeoutMs: SLOW });
    ctx.serve = started.serve;
    ctx.url = await started.url;

    // Neighbours for the library screenshot (created through serve's engine, never started).
    await hangar('create', 'Ubuntu desktop', '--os', 'ubuntu24.04', '--memory', '4096', '--cpus', '2');
    await hangar('create', 'FreeBSD build box', '--os', 'freebsd', '--memory', '2048');
    await hangar('create', 'Windows 11', '--os', 'win11', '--memory', '4096', '--cpus', '2');

    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser(VIEWPORT));
  });

  afterAll(async () => {
    await ctx.browser?.close().catch(() => undefined);
    if (ctx.library && existsSync(ctx.library)) {
      for (const name of [VM]) await hangar('stop', name, '--force').catch(() => undefined);
    }
    await stopServe(ctx.serve);
    cleanupRuntime(ctx.runtimeBase, ctx.root);
  });

  it('shows the library with each machine\'s OS family', async () => {
    const { page } = ctx;
    expect((await page.goto(ctx.url))?.status()).toBe(200);
    await option('Windows 11').waitFor({ timeout: SLOW });
    await waitForText(option('Ubuntu desktop'), 'Powered off');
    expect(await option('Ubuntu desktop').getByRole('img', { name: 'Ubuntu 24.04 LTS Desktop (Linux)' }).count()).toBe(1);
    expect(await option('Windows 11').getByRole('img', { name: 'Windows 11' }).count()).toBe(1);
    expect(await option('FreeBSD build box').getByRole('img', { name: 'FreeBSD (BSD)' }).count()).toBe(1);
  });

  it('creates a machine with the wizard, detecting its OS from the ISO, and starts it', async () => {
    const { page } = ctx;
    await toolbarButton('New').click();
    const wizard = page.getByRole('dialog', { name: 'New machine' });
    await wizard.waitFor();
    await wizard.getByRole('textbox', { name: 'Name' }).fill(VM);
    await wizard.getByRole('button', { name: 'Next' }).click();

    // The fixture's own label names no OS Hangar knows: the wizard says so and keeps "Other".
    const iso = wizard.getByRole('textbox', { name: 'ISO image' });
    await iso.fill(ctx.linuxIso);
    const detection = wizard.getByRole('status').filter({ hasText: 'volume label' });
    await waitForText(detection, 'The volume label "HANGAR_LINUX" names no operating system Hangar knows');
    await waitForText(detection, 'Boots with BIOS and UEFI');

    // The Debian-labelled copy: detected as Debian 12, which becomes the machine's OS.
    await iso.fill(ctx.debianIso);
    await waitForText(detection, `Detected Debian 12 from the volume label "${DEBIAN_LABEL}".`);
    await waitForText(wizard.getByRole('combobox', { name: 'Operating system' }), 'Debian 12');
    await screenshot('wizard.png');
    await wizard.getByRole('button', { name: 'Next' }).click();

    await wizard.getByRole('heading', { name: 'System' }).waitFor();
    await wizard.getByRole('button', { name: 'Next' }).click();

    await wizard.getByRole('textbox', { name: 'Memory (MiB)' }).fill('256');
    await wizard.getByRole('textbox', { name: 'CPUs' }).fill('1');
    await wizard.getByRole('button', { name: 'Next' }).click();

    // The Debian default is a new 20 GiB disk; the test guest boots from the ISO and needs none.
    await wizard.getByRole('textbox', { name: 'Disk size (GiB)' }).waitFor();
    await wizard.getByRole('radio', { name: 'No disk' }).check();
    await wizard.getByRole('button', { name: 'Next' }).click();

    const summary = wizard.getByRole('definition');
    await wizard.getByRole('heading', { name: 'Summary' }).waitFor();
    expect((await summary.allTextContents()).join('\n')).toContain('256');
    // The engine's own command line for the draft (vm.previewArgv), before anything exists.
    const commandLine = wizard.getByLabel('QEMU command line');
    await waitForText(commandLine, 'qemu-system-x86_64');
    await waitForText(commandLine, '-m size=256M');
    await waitForText(commandLine, ctx.debianIso);
    await wizard.getByRole('button', { name: 'Create and start' }).click();
    await wizard.waitFor({ state: 'detached', timeout: SLOW });

    const vm = option(VM);
    await vm.waitFor({ timeout: SLOW });
    await waitForText(vm, 'Running');
    expect(await vm.getByRole('img', { name: 'Debian 12 (Linux)' }).count()).toBe(1);
    expect(await vm.getAttribute('aria-selected')).toBe('true');

    const info = await infoJson(VM);
    ctx.vmId = String(info.id);
    expect(info).toMatchObject({ name: VM, osId: 'debian12', memoryMiB: 256, cpu: { count: 1 }, disks: [] });
    expect(JSON.stringify(info.cdroms)).toContain(ctx.debianIso);

    // The library screenshot: four machines, this one running, its live preview showing the booted guest
    // (best effort: under a loaded TCG host the guest may take longer; the picture is taken either way).
    const serialLog = join(ctx.library, bundleDirsOf(ctx.vmId)[0]!, 'logs', 'serial.log');
    await expect
      .poll(() => existsSync(serialLog) && readFileSync(serialLog, 'latin1').includes(markers.linuxReady), { timeout: 90_000, interval: 500 })
      .toBe(true)
      .catch(() => undefined);
    await page.waitForTimeout(3500); // the preview refreshes every 3 s
    await screenshot('library.png');
  });

  it('forces the machine off from the Stop menu', async () => {
    await forceOff(VM);
    await expect.poll(() => qemuPidsUnder(ctx.runtimeBase).length, { timeout: SLOW }).toBe(0);
  });

  it('changes the memory while stopped: the details pane and `hangar info` show it', async () => {
    const { page } = ctx;
    await option(VM).click();
    await toolbarButton('Settings').click();
    const dialog = page.getByRole('dialog', { name: `Settings of ${VM}` });
    await dialog.waitFor();
    await dialog.getByRole('tab', { name: 'System' }).click();
    const memory = dialog.getByRole('spinbutton', { name: 'Memory (MiB)' });
    await expect.poll(() => memory.inputValue(), { timeout: 15_000 }).toBe('256');
    expect(await memory.isEnabled()).toBe(true);
    await memory.fill('320');
    await screenshot('settings.png');
    const apply = dialog.getByRole('button', { name: 'Apply' });
    await apply.click();
    // Applied: nothing left to apply, and the dialog offers "Close" again.
    await expect.poll(() => apply.isDisabled(), { timeout: SLOW }).toBe(true);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    const details = page.getByRole('article', { name: `Details of ${VM}` });
    const system = details.getByRole('region', { name: 'System' });
    await waitForText(system, '320 MiB');
    expect(await infoJson(VM)).toMatchObject({ memoryMiB: 320 });
  });

  it('locks the memory field while the machine runs, and says why', async () => {
    const { page } = ctx;
    await option(VM).click();
    await toolbarButton('Start').click();
    await waitForText(option(VM), 'Running');

    await toolbarButton('Settings').click();
    const dialog = page.getByRole('dialog', { name: `Settings of ${VM}` });
    await dialog.getByRole('tab', { name: 'System' }).click();
    const memory = dialog.getByRole('spinbutton', { name: 'Memory (MiB)' });
    await expect.poll(() => memory.inputValue(), { timeout: 15_000 }).toBe('320');
    expect(await memory.isDisabled()).toBe(true);
    expect(await description(memory)).toContain('Shut the machine down to change this');
    await waitForText(dialog, `"${VM}" is running`);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    await forceOff(VM);
  });

  it('deletes the machine with its files', async () => {
    const { page } = ctx;
    expect(bundleDirsOf(ctx.vmId)).toHaveLength(1);
    await option(VM).click();
    await toolbarButton('Delete').click();
    const dialog = page.getByRole('dialog', { name: `Delete "${VM}"?` });
    await dialog.getByRole('button', { name: 'Delete files too' }).click();
    await dialog.waitFor({ state: 'detached', timeout: SLOW });
    await expect.poll(() => option(VM).count(), { timeout: SLOW }).toBe(0);
    expect(bundleDirsOf(ctx.vmId)).toEqual([]);
    await expect.poll(() => list().getByRole('option').count(), { timeout: 15_000 }).toBe(3);
    const listed = (await hangar('list')).stdout;
    expect(listed).not.toContain(VM);
    expect(listed).toContain('Windows 11');
  });
});
