// End-to-end test of libvirt machines in the library window: the built app served by `serve.js`, in Debian
// Chromium through playwright-core, with a real engine, real libvirtd (started by the test set-up) and QEMU under it.
// The sidebar shows "This computer" beside a libvirt connection; a domain booting the fixture Linux is defined on
// the connection (`hangar --connection NAME create`), then started, snapshotted, reverted, shut down and deleted
// from the page: once on qemu:///system (the connection added through the Add dialog, with Test) and once over
// qemu+ssh:// to an sshd on loopback with a throwaway key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, makeE2eDirs, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { repoRoot } from '../helpers/engine-harness.js';
import { DISPLAY_CANVAS } from './display-canvas.js';
import { displayRouteHash } from '../../src-renderer/features/display/display-model.js';
import { ensureLibvirt, removeDomain, startLoopbackSshd, SYSTEM_URI, waitForFileText, type LoopbackSshd } from '../helpers/libvirt-host.js';
import { virsh, volumeList } from '../helpers/libvirt-suite.js';
import { serveWithConnections } from '../helpers/libvirt-e2e.js';

const SLOW = 120_000;

interface Ctx extends E2eContext {
  sshd: LoopbackSshd;
  domains: string[];
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args, { timeout: SLOW });
}

/** Defines the fixture guest's machine on `connection` with the CLI; resolves to its id. */
async function createFixtureWithCli(connection: string, name: string): Promise<string> {
  ctx.domains.push(name);
  const { stdout } = await hangar('--connection', connection, 'create', name, '--iso', fixturePaths.linuxIso, '--disk-size', '0.05', '--memory', '256', '--cpus', '1', '--firmware', 'bios');
  return stdout.trim();
}

const sidebar = (page: Page) => page.getByRole('list', { name: 'Connections' });
const listbox = (page: Page) => page.getByRole('listbox', { name: 'Virtual machines' });
/** The row of a machine, once its state reads `state`. */
const rowIn = (page: Page, name: string, state: string) => ({
  waitFor: async (opts: { timeout: number }) => {
    try {
      await listbox(page).getByRole('option', { name }).filter({ hasText: state }).waitFor(opts);
    } catch (err) {
      const row = await listbox(page).getByRole('option', { name }).textContent({ timeout: 1000 }).catch(() => '(no row)');
      throw new Error(`"${name}" did not show "${state}" (the row says: ${row}): ${(err as Error).message}`);
    }
  },
});

/**
 * The machine's screen on a page of its own (the display route names the connection): the engine tunnels the
 * domain's VNC (its local socket, or a forward over the connection's SSH); a line typed on the canvas reaches the
 * guest's console, which echoes it as `KBD:<line>` on its serial port (libvirt's serial log on this host). A
 * line typed while the guest's keyboard probe runs is thrown away by the guest, so it is typed again until seen.
 */
async function typeOnDisplay(connection: string, id: string, serialLog: string): Promise<void> {
  const shown = await ctx.browser.newPage({ viewport: { width: 1024, height: 800 } });
  try {
    // The token URL first (it sets this page's cookie), then the display route.
    await shown.goto(ctx.url);
    await shown.goto(`${new URL(ctx.url).origin}/${displayRouteHash(id, connection)}`);
    await shown.locator(DISPLAY_CANVAS).waitFor({ state: 'attached', timeout: SLOW });
    await shown.locator(DISPLAY_CANVAS).click();
    await expect.poll(() => shown.getByTestId('keyboard-capture').textContent(), { timeout: SLOW }).toContain('Keyboard captured');
    const line = `typed ${connection}`;
    const seen = `${markers.linuxKbdPrefix}${line}`;
    for (let attempt = 1; ; attempt++) {
      await shown.keyboard.type(line, { delay: 30 });
      await shown.keyboard.press('Enter');
      const found = await waitForFileText(serialLog, seen, 20_000).then(() => true, () => false);
      if (found) break;
      if (attempt === 4) throw new Error(`the guest never echoed "${line}" typed on the display of ${id}`);
    }
  } finally {
    await shown.close();
  }
}

const terminalText = (region: Locator) => region.locator('.xterm-rows').textContent().then((t) => t ?? '');

/**
 * The library row's live thumbnail (virsh screenshot while the page holds the lease), and a line typed in the
 * page's serial console (through the domain's console socket, here or forwarded over SSH) echoed by the guest.
 */
async function thumbnailAndConsole(page: Page, connection: string, name: string): Promise<void> {
  const thumb = listbox(page).getByRole('option', { name }).getByRole('img', { name: `Screen of ${name}` });
  await thumb.waitFor({ timeout: SLOW });
  expect(await thumb.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);

  await page.getByRole('article', { name: `Details of ${name}` }).getByRole('button', { name: 'Console', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Serial console of ${name}` });
  const region = dialog.getByRole('region', { name: 'Serial console' });
  await dialog.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: SLOW });
  const line = `serial-${connection}`;
  await region.click();
  await page.keyboard.type(line, { delay: 20 });
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(region), { timeout: SLOW, interval: 200 }).toContain(`${markers.linuxEchoPrefix}${line}`);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** start → display (a typed line echoed) → thumbnail and serial console → snapshot → revert → shut down → delete, all from the page. */
async function lifecycle(page: Page, connection: string, name: string, id: string, screenshot?: string): Promise<void> {
  await sidebar(page).getByRole('button', { name: new RegExp(`^${connection}`) }).click();
  // The domain defined before is listed (live from libvirt's Defined event if the page was already showing it).
  await rowIn(page, name, 'Powered off').waitFor({ timeout: SLOW });
  await listbox(page).getByRole('option', { name }).click();
  await page.getByRole('article', { name: `Details of ${name}` }).waitFor({ timeout: SLOW });

  await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Start', exact: true }).click();
  // Running comes from libvirt's lifecycle event; the guest's marker from the host's serial log.
  await rowIn(page, name, 'Running').waitFor({ timeout: SLOW });
  await waitForFileText(`/var/log/libvirt/qemu/${name}-serial0.log`, markers.linuxReady, SLOW);
  if (screenshot) await page.screenshot({ path: screenshot, style: '.MuiSnackbar-root { visibility: hidden !important; }' });

  await typeOnDisplay(connection, id, `/var/log/libvirt/qemu/${name}-serial0.log`);
  await thumbnailAndConsole(page, connection, name);

  await page.getByRole('button', { name: 'Manage snapshots' }).click();
  const panel = page.getByRole('dialog', { name: 'Snapshots' });
  await panel.getByRole('tree', { name: 'Snapshot tree' }).waitFor({ timeout: SLOW });
  await panel.getByRole('button', { name: 'Take snapshot' }).click();
  const take = page.getByRole('dialog', { name: `Take a snapshot of "${name}"` });
  await take.getByRole('textbox', { name: 'Name' }).fill('booted');
  await take.getByRole('button', { name: 'Take' }).click();
  await panel.getByRole('treeitem', { name: 'booted', exact: true }).waitFor({ timeout: SLOW });
  expect(virsh('snapshot-list', '--domain', name, '--name').trim()).toBe('booted');

  await panel.getByRole('treeitem', { name: 'booted', exact: true }).click();
  await panel.getByRole('button', { name: 'Restore' }).click();
  const restore = page.getByRole('dialog', { name: 'Restore "booted"?' });
  const first = restore.getByRole('checkbox', { name: 'Take a snapshot first' });
  if (await first.isChecked()) await first.uncheck();
  await restore.getByRole('button', { name: 'Restore' }).click();
  await restore.waitFor({ state: 'detached', timeout: SLOW });
  await panel.getByRole('treeitem', { name: 'booted', exact: true }).click();
  await panel.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog', { name: 'Delete snapshot "booted"?' }).getByRole('button', { name: 'Delete' }).click();
  await panel.getByRole('treeitem', { name: 'booted', exact: true }).waitFor({ state: 'detached', timeout: SLOW });
  await panel.getByRole('button', { name: 'Close' }).click();
  await panel.waitFor({ state: 'detached', timeout: SLOW });
  // Reverted to a snapshot taken while running: running again (the list is behind the panel's modal until now).
  await rowIn(page, name, 'Running').waitFor({ timeout: SLOW });

  // Settings are libvirt's: off, saying why.
  const settings = page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings' });
  expect(await settings.isDisabled()).toBe(true);
  expect(await settings.locator('xpath=..').getAttribute('title')).toMatch(/virsh edit/);

  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByRole('menuitem', { name: 'Shut down (ACPI)' }).click();
  await rowIn(page, name, 'Powered off').waitFor({ timeout: SLOW });

  await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Delete' }).click();
  const del = page.getByRole('dialog', { name: `Delete "${name}"?` });
  await del.getByRole('button', { name: 'Delete files too' }).click();
  // The row goes with libvirt's Undefined event; the volumes once vm.delete has answered (its notice).
  await listbox(page).getByRole('option', { name }).waitFor({ state: 'detached', timeout: SLOW });
  await page.getByText(`Deleted "${name}" and its storage.`).waitFor({ timeout: SLOW });
  expect(volumeList()).not.toContain(`${name}-disk0.qcow2`);
  expect(virsh('list', '--all', '--name')).not.toContain(name);
}

describe('libvirt machines in the library window', () => {
  beforeAll(async () => {
    await ensureLibvirt();
    ctx.sshd = await startLoopbackSshd();
    ctx.domains = [];
    Object.assign(ctx, makeE2eDirs('libvirt', 'hgl'));
    // The engine's ssh program for qemu+ssh:// (the throwaway key and known_hosts); clients cannot set it.
    ctx.env = { ...ctx.env, HANGAR_LIBVIRT_SSH: ctx.sshd.goodSsh };
    // The SSH connection is there from the start; the local one is added through the page.
    await serveWithConnections(ctx, [{ name: 'loop', uri: ctx.sshd.uri }]);
  }, SLOW);

  afterAll(async () => {
    await closeE2e(ctx, async () => {
      for (const d of ctx.domains ?? []) removeDomain(d);
    });
    ctx.sshd?.stop();
  });

  it('shows This computer and a libvirt connection side by side; adds qemu:///system with Test; drives a machine on it', async () => {
    const { page } = ctx;
    expect((await page.goto(ctx.url))?.status()).toBe(200);
    await sidebar(page).getByRole('button', { name: /This computer/ }).waitFor({ timeout: SLOW });
    await sidebar(page).getByRole('button', { name: /^loop/ }).filter({ hasText: 'Connected' }).waitFor({ timeout: SLOW });

    await page.getByRole('button', { name: 'Add connection…' }).click();
    const add = page.getByRole('dialog', { name: 'Add a libvirt connection' });
    await add.getByRole('textbox', { name: 'Name' }).fill('sys');
    await add.getByRole('textbox', { name: 'URI' }).fill(SYSTEM_URI);
    await add.getByRole('button', { name: 'Test' }).click();
    await add.getByRole('status').filter({ hasText: /Reached libvirt \d+\.\d+/ }).waitFor({ timeout: SLOW });
    await add.getByRole('button', { name: 'Add' }).click();
    await add.waitFor({ state: 'detached', timeout: SLOW });
    await sidebar(page).getByRole('button', { name: /^sys/ }).filter({ hasText: 'Connected' }).waitFor({ timeout: SLOW });

    const name = `hangar-e2e-${randomBytes(3).toString('hex')}`;
    const id = await createFixtureWithCli('sys', name);
    // docs/screenshots/libvirt-library.png (README): the connections beside This computer, a running libvirt machine selected.
    await lifecycle(page, 'sys', name, id, join(repoRoot, 'docs/screenshots/libvirt-library.png'));
  }, 600_000);

  it('drives a machine over qemu+ssh:// to the loopback sshd', async () => {
    const { page } = ctx;
    const name = `hangar-e2e-${randomBytes(3).toString('hex')}`;
    await lifecycle(page, 'loop', name, await createFixtureWithCli('loop', name));
  }, 600_000);
});
