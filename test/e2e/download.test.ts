// End-to-end test of the wizard's Download… (issue #18): the built app served by `serve.js` in Debian Chromium, a
// real engine, and the catalog's files served by a local HTTP server in the test (HANGAR_DOWNLOAD_MIRROR rewrites
// every catalog URL's origin). A corrupted download is refused with a message and leaves no file; a download paused
// midway (and cut once by the server) resumes with Range and ends with the right checksum, and becomes the ISO.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDownloadEntry } from '../../src-shared/os-downloads/index.js';
import { fixturePaths } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { startDownloadServer, type DownloadServer } from '../helpers/download-server.js';

const SLOW = 60_000;
const ctx = {} as E2eContext;
let server: DownloadServer;

const good = findDownloadEntry('alpine-3.22-virt-x86_64')!;
const corrupt = findDownloadEntry('arch-latest-x86_64')!;
const path = (url: string): string => new URL(url).pathname;

describe('the wizard\'s Download… against a local mirror', () => {
  let iso: Buffer;
  let sha256: string;
  beforeAll(async () => {
    server = await startDownloadServer();
    Object.assign(ctx, makeE2eDirs('download', 'hgd'));
    ctx.env['HANGAR_DOWNLOAD_MIRROR'] = server.origin;
    // The fixture ISO stands for the distribution's: the wizard then reads its label like any ISO.
    iso = readFileSync(fixturePaths.linuxIso);
    sha256 = createHash('sha256').update(iso).digest('hex');
    server.files.set(path(good.url), { body: iso, rate: 4 * 1024 * 1024, dropAfter: 3 * 1024 * 1024 });
    server.files.set(path(good.verify.checksumUrl), { body: Buffer.from(`${sha256}  ${good.fileName}\n`) });
    server.files.set(path(corrupt.url), { body: iso.subarray(0, 1024 * 1024) });
    server.files.set(path(corrupt.verify.checksumUrl), { body: Buffer.from(`${'0'.repeat(64)}  ${corrupt.fileName}\n`) });
    const started = spawnServe({ library: ctx.library, env: ctx.env, timeoutMs: SLOW });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
    expect((await ctx.page.goto(ctx.url))?.status()).toBe(200);
    await ctx.page.getByRole('listbox', { name: 'Virtual machines' }).waitFor({ timeout: SLOW });
  });

  afterAll(async () => {
    await closeE2e(ctx);
    await server?.close();
  });

  it('refuses a corrupted download with a message; a paused, cut and resumed one ends with the right checksum and becomes the ISO', { timeout: 6 * SLOW }, async () => {
    const { page } = ctx;
    const media = ctx.env['HANGAR_MEDIA_DIR']!;
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'New', exact: true }).click();
    const wizard = page.getByRole('dialog', { name: 'New machine' });
    await wizard.getByRole('textbox', { name: 'Name' }).fill('e2e-download');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'From an ISO image' }).check();
    await wizard.getByRole('button', { name: 'Download…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Download an installer' });
    const installers = dialog.getByRole('list', { name: 'Installers' });

    // Corrupted: the checksum list does not match what came.
    await installers.getByRole('button', { name: new RegExp(corrupt.name.replace(/[()]/g, '\\$&')) }).click({ timeout: SLOW });
    await expect.poll(async () => (await dialog.getByRole('alert').textContent().catch(() => null)) ?? '', { timeout: SLOW, interval: 250 }).toMatch(/archlinux-x86_64\.iso does not match its sha256 checksum .*the download was deleted/);
    expect(readdirSync(media)).toEqual([]);

    // Paused midway: the part stays; Resume carries on (the server also cuts the link once at 3 MiB).
    await installers.getByRole('button', { name: new RegExp(good.name.replace(/[()]/g, '\\$&')) }).click();
    await expect.poll(async () => Number(/(\d+)%/.exec((await dialog.getByRole('status').textContent().catch(() => null)) ?? '')?.[1] ?? 0), { timeout: SLOW, interval: 200 }).toBeGreaterThanOrEqual(15);
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await dialog.getByText(/^Paused: /).waitFor({ timeout: SLOW });
    const kept = readFileSync(join(media, `${good.fileName}.part`)).length;
    expect(kept).toBeGreaterThan(0);
    server.requests.length = 0;
    server.files.get(path(good.url))!.rate = undefined;
    await dialog.getByRole('button', { name: 'Resume' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: SLOW });

    const file = join(media, good.fileName);
    await expect.poll(() => wizard.getByRole('textbox', { name: 'ISO image' }).inputValue(), { timeout: SLOW }).toBe(file);
    expect(server.requests.find((q) => q.path === path(good.url))?.range).toMatch(/^bytes=\d+-$/);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(sha256);
    expect(readdirSync(media).filter((n) => !n.startsWith('.'))).toEqual([good.fileName]);
    // The wizard read the downloaded ISO like a chosen one (through the browser host, from the media folder).
    await wizard.getByRole('status').filter({ hasText: 'HANGAR_LINUX' }).waitFor({ timeout: SLOW });
  });
});
