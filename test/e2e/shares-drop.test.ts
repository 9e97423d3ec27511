// End-to-end: Settings ▸ Shared folders and a file dropped on the display, in Chromium through the browser host,
// against real QEMU, the fixture guest (linux/shares.sh answers SHARE: lines on serial) and its real qemu-ga.
// One boot: the share is added in the page while stopped (the folder picked in the browser host's file dialog,
// inside serve's --allow-dir), the guest-side mount command read off the page, applied; then the machine starts,
// the guest mounts the share and prints a host file's hash, and a file dropped on the screen lands in the guest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { writeSerialFromPage } from './page-serial.js';

/** Generous: the machine has 2 cores and QEMU runs under TCG. */
const SLOW = 120_000;
const VM = 'share-e2e';
const SHARE = 'hostdocs';

interface Ctx extends E2eContext {
  origin: string;
  vmId: string;
  shared: string;
}
const ctx = {} as Ctx;

const hangar = (...args: string[]) => runHangar(ctx.library, ctx.env, args, { timeout: SLOW * 2 });
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const serialLog = async (): Promise<string> => (await hangar('console', ctx.vmId, '--no-follow')).stdout;

async function waitForText(locator: Locator, text: string, timeout = SLOW): Promise<void> {
  await expect.poll(async () => (await locator.textContent()) ?? '', { timeout, interval: 250 }).toContain(text);
}

const guestSerial = (line: string): Promise<void> => writeSerialFromPage(ctx.page, ctx.vmId, line);

/** Sends a fixture command and waits for its answer on serial. */
async function guest(line: string, answer: string | RegExp): Promise<string> {
  await guestSerial(line);
  let log = '';
  await expect
    .poll(async () => {
      log = await serialLog();
      return typeof answer === 'string' ? log.includes(answer) || log.includes('HANGAR-SHARE-FAIL') : answer.test(log);
    }, { timeout: SLOW, interval: 500 })
    .toBe(true);
  expect(log, 'the guest reported a failure').not.toContain('HANGAR-SHARE-FAIL');
  return log;
}

describe('shared folders and file drop in the browser host (real QEMU, 9p and qemu-ga)', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('shares', 'hsh'));
    // serve's one --allow-dir holds the ISO and the folder to share.
    ctx.shared = join(ctx.root, 'shared');
    mkdirSync(join(ctx.shared, SHARE), { recursive: true });
    const isoDir = join(ctx.shared, 'isos');
    mkdirSync(isoDir);
    // A private copy: the fixtures may be rebuilt while this runs.
    copyFileSync(fixturePaths.linuxIso, join(isoDir, 'linux.iso'));
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.shared, timeoutMs: SLOW });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ctx.origin = new URL(ctx.url).origin;
    // debian12: the preset turns the guest agent channel on (file drop goes through qemu-ga).
    ctx.vmId = (await hangar('create', VM, '--os', 'debian12', '--iso', join(isoDir, 'linux.iso'), '--memory', '256', '--cpus', '1')).stdout.trim().split(/\s+/).pop()!;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
    await ctx.page.goto(ctx.url); // sets the token cookie
  }, SLOW * 2);

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', ctx.vmId, '--force') : undefined));

  it('adds a share in Settings ▸ Shared folders (folder from the browser host\'s roots), shows the mount command; the guest mounts it and hashes a host file', async () => {
    const { page } = ctx;
    const hostFile = randomBytes(200 * 1024);
    writeFileSync(join(ctx.shared, SHARE, 'report.bin'), hostFile);

    await page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: VM, exact: true }).click({ timeout: SLOW });
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Settings of ${VM}` });
    await dialog.getByRole('tab', { name: 'Shared folders' }).click({ timeout: SLOW });
    await waitForText(dialog, 'No shared folders.');
    await dialog.getByRole('button', { name: 'Add folder…' }).click();

    // The browser host's folder dialog: its places are serve's --allow-dir roots.
    const files = page.getByRole('dialog', { name: 'Choose a folder to share with the guest' });
    await files.getByRole('navigation', { name: 'Places' }).getByRole('button', { name: ctx.shared, exact: true }).click();
    await waitForText(files.getByLabel('Current folder'), ctx.shared);
    await files.getByRole('button', { name: new RegExp(`^${SHARE}`) }).click({ timeout: SLOW });
    await files.getByRole('button', { name: 'Choose folder' }).click();
    await files.waitFor({ state: 'detached' });

    // The row: name from the folder's last part, the path, and the exact command to run in a Linux guest.
    const row = dialog.getByRole('group', { name: `Shared folder ${SHARE}` });
    expect(await row.getByRole('textbox', { name: 'Name' }).inputValue()).toBe(SHARE);
    expect(await row.getByRole('textbox', { name: 'Host folder' }).inputValue()).toBe(join(ctx.shared, SHARE));
    const shown = `sudo mkdir -p /mnt/${SHARE} && sudo mount -t 9p -o trans=virtio,version=9p2000.L ${SHARE} /mnt/${SHARE}`;
    expect(await row.getByLabel(`Command for ${SHARE} in the guest`).textContent()).toBe(shown);
    const apply = dialog.getByRole('button', { name: 'Apply' });
    await apply.click();
    await expect.poll(() => apply.isDisabled(), { timeout: SLOW }).toBe(true);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    const listed = (await hangar('share', 'list', VM)).stdout;
    expect(listed).toContain(SHARE);
    expect(listed).toContain(join(ctx.shared, SHARE));
    // `hangar info` shows the same guest-side command.
    expect((await hangar('info', VM)).stdout).toContain(`${join(ctx.shared, SHARE)}; in the guest: ${shown}`);

    await hangar('start', ctx.vmId, '--wait-for-serial', markers.linuxReady, '--timeout', String(SLOW / 1000));
    // shares.sh mounts with the same command the page showed: mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt/TAG.
    await guest(`SHARE:mount ${SHARE}`, `HANGAR-SHARE-MOUNTED:${SHARE}`);
    await guest(`SHARE:sha ${SHARE} report.bin`, `HANGAR-SHARE-SHA:${SHARE}/report.bin:${sha256(hostFile)}`);
    // Unmounted again, so the machine's later steps (and stop) meet no open share.
    await guest(`SHARE:umount ${SHARE}`, `HANGAR-SHARE-UNMOUNTED:${SHARE}`);
  }, SLOW * 4);

  it('a file dropped on the display lands in the guest (through qemu-ga) with the same hash', async () => {
    const { page } = ctx;
    // The drop needs qemu-ga answering in the guest: wait for the engine to see it.
    await expect
      .poll(async () => (JSON.parse((await hangar('info', VM, '--json')).stdout) as { guestAgent: { status: string } }).guestAgent.status, { timeout: SLOW, interval: 1000 })
      .toBe('running');
    await page.goto(`${ctx.origin}/#/display/${ctx.vmId}`);
    const screen = page.getByTestId('display-screen');
    await screen.waitFor({ timeout: SLOW });
    await page.getByRole('button', { name: 'Close display' }).waitFor({ timeout: SLOW });

    // 300 KiB: more than one 256 KiB chunk over the browser host's WebSocket.
    const data = randomBytes(300 * 1024);
    const name = 'dropped report.bin';
    await screen.evaluate(
      (el, { b64, fileName }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], fileName, { type: 'application/octet-stream' }));
        el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { b64: data.toString('base64'), fileName: name },
    );
    const note = page.getByRole('status').filter({ hasText: `Copied ${name} to ` });
    await note.waitFor({ timeout: SLOW });
    const guestPath = /Copied .* to (\/.+) in the guest$/.exec((await note.textContent())!.trim())![1]!;
    expect(guestPath.endsWith(`/${name}`)).toBe(true);
    await guest(`SHARE:filesha ${guestPath}`, `HANGAR-SHARE-FILESHA:${guestPath}:${sha256(data)}`);
  }, SLOW * 3);
});
