// End-to-end test of the serial console, the logs view and the live port-forward table (issue "Storage and
// network"): the built app served by `serve.js`, in Debian Chromium through playwright-core, with a real engine
// and the fixture Linux guest (it prints HANGAR-LINUX-READY and answers every serial line with ECHO:<line>).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { repoRoot } from '../helpers/engine-harness.js';

const VM = 'e2e-console';
const SLOW = 60_000;

interface Ctx extends E2eContext {
  vmId: string;
  /** Content-Security-Policy violations and page errors seen by the browser. */
  problems: string[];
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args, { timeout: SLOW });
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port (QEMU's slirp does for a live forward). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The text xterm shows (its DOM renderer's rows). */
const terminalText = (region: Locator) => region.locator('.xterm-rows').textContent().then((t) => t ?? '');

describe('serial console, logs and port forwards in the browser host', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('console', 'hgc'));
    const isoDir = join(ctx.root, 'isos');
    mkdirSync(isoDir);
    copyFileSync(fixturePaths.linuxIso, join(isoDir, 'linux.iso'));
    ctx.problems = [];

    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: isoDir });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ctx.vmId = (await hangar('create', VM, '--iso', join(isoDir, 'linux.iso'), '--memory', '256', '--cpus', '1')).stdout.trim().split(/\s+/).pop()!;
    await hangar('start', ctx.vmId, '--wait-for-serial', markers.linuxReady, '--timeout', '90');

    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
    ctx.page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) ctx.problems.push(m.text());
    });
    ctx.page.on('pageerror', (e) => ctx.problems.push(e.message));
    await ctx.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(ctx.url).origin });
    await ctx.page.goto(ctx.url);
    await ctx.page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: new RegExp(VM) }).click();
    await ctx.page.getByRole('article', { name: `Details of ${VM}` }).waitFor({ timeout: SLOW });
  });

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', ctx.vmId, '--force') : undefined));

  it('the console shows the boot output, and a line typed in xterm comes back as ECHO:<line>', async () => {
    const { page } = ctx;
    await page.getByRole('article', { name: `Details of ${VM}` }).getByRole('button', { name: 'Console', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Serial console of ${VM}` });
    const region = dialog.getByRole('region', { name: 'Serial console' });
    // Pre-filled from logs/serial.log: the guest printed its marker before the console opened.
    await expect.poll(() => terminalText(region), { timeout: 30_000, interval: 200 }).toContain(markers.linuxReady);
    // xterm's stylesheet is bundled and allowed by the CSP: its helper textarea is hidden the way xterm.css says.
    const helper = await region.locator('.xterm-helper-textarea').evaluate((el) => ({ position: getComputedStyle(el).position, opacity: getComputedStyle(el).opacity }));
    expect(helper).toEqual({ position: 'absolute', opacity: '0' });

    await region.click();
    await page.keyboard.type('hello-from-xterm', { delay: 20 });
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(region), { timeout: 30_000, interval: 200 }).toContain(`${markers.linuxEchoPrefix}hello-from-xterm`);
    // The guest does not echo locally: the only copy of the line is the answer.
    expect((await terminalText(region)).split('hello-from-xterm').length - 1).toBe(1);
    expect(await dialog.getByRole('status').textContent()).toContain('Connected');
    // Documentation (README), not an assertion.
    await page.screenshot({ path: join(repoRoot, 'docs', 'screenshots', 'console.png'), style: '.MuiSnackbar-root { visibility: hidden !important; }' });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(ctx.problems).toEqual([]);
  });

  it('the logs: QEMU log, QMP events of this run, and the command line with Copy', async () => {
    const { page } = ctx;
    await page.getByRole('article', { name: `Details of ${VM}` }).getByRole('button', { name: 'Logs', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Logs of ${VM}` });
    await dialog.getByRole('tab', { name: 'QEMU log' }).waitFor();
    await expect.poll(() => dialog.locator('pre[aria-label="QEMU log"]').textContent(), { timeout: 15_000 }).not.toBe('Loading…');
    await dialog.getByRole('tab', { name: 'QMP events' }).click();
    const events = dialog.getByRole('table', { name: 'QMP events' });
    // `cont` after the -S start: QEMU reported RESUME to this session.
    await expect.poll(() => events.textContent(), { timeout: 15_000 }).toContain('RESUME');
    await dialog.getByRole('tab', { name: 'Command line' }).click();
    const argv = dialog.locator('pre[aria-label="Generated command line"]');
    await expect.poll(() => argv.textContent(), { timeout: 15_000 }).toMatch(/qemu-system-x86_64 .*-name /);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByRole('button', { name: 'Copied' }).waitFor({ timeout: 5_000 });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await argv.textContent());
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    // The same logs from the CLI (through serve's engine).
    expect((await hangar('logs', ctx.vmId, '--events')).stdout).toMatch(/^\S+Z RESUME$/m);
    expect((await hangar('logs', ctx.vmId, '--serial', '--bytes', '4096')).stdout).toContain(`${markers.linuxEchoPrefix}hello-from-xterm`);
  });

  it('the port-forward table adds a forward live while the VM runs, explains a taken port, and removes it', async () => {
    const { page } = ctx;
    const port = await freePort();
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Settings of ${VM}` });
    await dialog.getByRole('tab', { name: 'Network' }).click();
    const table = dialog.getByRole('table', { name: 'Port forwards' });
    await table.getByRole('textbox', { name: 'Host port' }).fill(String(port));
    await table.getByRole('textbox', { name: 'Guest port' }).fill('22');
    await table.getByRole('button', { name: 'Add port forward' }).click();
    const remove = table.getByRole('button', { name: `Remove port forward TCP ${port}` });
    await remove.waitFor({ timeout: 15_000 });
    // The engine has it, and QEMU listens on the host port right away (applied live).
    const listed = JSON.parse((await hangar('forward', 'list', ctx.vmId, '--json')).stdout) as Array<{ protocol: string; hostPort: number; guestPort: number }>;
    expect(listed).toEqual([{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: port, guestPort: 22 }]);
    expect(await accepts(port)).toBe(true);
    // The same host port again: refused inline, nothing sent.
    await table.getByRole('textbox', { name: 'Host port' }).fill(String(port));
    await table.getByRole('textbox', { name: 'Guest port' }).fill('23');
    await expect.poll(() => table.getByRole('textbox', { name: 'Host port' }).getAttribute('aria-invalid'), { timeout: 15_000 }).toBe('true');
    // A port another program holds: the engine's refusal shows under the host port, saying what to do.
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as { port: number }).port;
    try {
      await table.getByRole('textbox', { name: 'Host port' }).fill(String(taken));
      await table.getByRole('textbox', { name: 'Guest port' }).fill('80');
      await table.getByRole('button', { name: 'Add port forward' }).click();
      await expect.poll(() => table.getByText(/already in use by another program on this computer; pick another host port/).count(), { timeout: 15_000 }).toBe(1);
      expect(await table.getByRole('textbox', { name: 'Host port' }).getAttribute('aria-invalid')).toBe('true');
      expect(await table.getByRole('button', { name: `Remove port forward TCP ${taken}` }).count()).toBe(0);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    await table.getByRole('textbox', { name: 'Host port' }).fill('');
    await table.getByRole('textbox', { name: 'Guest port' }).fill('');

    await remove.click();
    await remove.waitFor({ state: 'detached', timeout: 15_000 });
    expect(JSON.parse((await hangar('forward', 'list', ctx.vmId, '--json')).stdout)).toEqual([]);
    await expect.poll(() => accepts(port), { timeout: 10_000 }).toBe(false);
    // Nothing for Apply: the table went straight to the engine.
    expect(await dialog.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(ctx.problems).toEqual([]);
  });
});
