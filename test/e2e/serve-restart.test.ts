// Fault injection (issue #10 "Prove it"): the browser host is killed with SIGKILL while a page shows a running
// VM's display. The page must say the connection is lost, the VM must keep running, and once `hangar serve`
// is started again on the same port with the same token (`--port N --token-file F`) the page reconnects by
// itself and shows live frames again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { qemuPidsUnder } from '../helpers/engine-harness.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { DISPLAY_CANVAS as CANVAS, glyphPixels, patternMismatches } from './display-canvas.js';
import { runHangar } from '../helpers/cli-runner.js';

interface Ctx extends E2eContext {
  images: string;
  tokenFile: string;
  vmId: string;
}
const ctx = {} as Ctx;

const hangar = (...args: string[]) => runHangar(ctx.library, ctx.env, args);

/** `serve.js --port N --token-file F`; resolves with the process and the URL it prints. */
async function startServe(port: number): Promise<{ serve: ChildProcess; url: string }> {
  const { serve, url } = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.images, port, tokenFile: ctx.tokenFile, timeoutMs: 120_000 });
  return { serve, url: await url };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the browser host killed with SIGKILL while a display is open', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('restart', 'hgs'));
    ctx.images = join(ctx.root, 'images');
    ctx.tokenFile = join(ctx.root, 'serve-token');
    mkdirSync(ctx.images);
    copyFileSync(fixturePaths.bootImg, join(ctx.images, 'boot.img'));
    ({ serve: ctx.serve, url: ctx.url } = await startServe(0));
    ctx.vmId = (await hangar('create', 'restart-vm', '--disk', join(ctx.images, 'boot.img'), '--memory', '32')).stdout.trim().split(/\s+/).pop()!;
    await hangar('start', ctx.vmId, '--wait-for-serial', markers.bootOk, '--timeout', '60');
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1000, height: 700 }));
    await ctx.page.goto(ctx.url); // sets the token cookie
    // The library is up (so the app has settled its URL) before the test moves to the display route.
    await ctx.page.getByText('restart-vm').first().waitFor({ timeout: 30_000 });
  });

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', ctx.vmId, '--force') : undefined));

  it('keeps the token in --token-file (0600)', () => {
    expect(readFileSync(ctx.tokenFile, 'utf8').trim()).toBe(new URL(ctx.url).searchParams.get('token'));
    expect(statSync(ctx.tokenFile).mode & 0o777).toBe(0o600);
  });

  it('says the connection is lost, then reconnects by itself to the restarted host and shows live frames', async () => {
    const { page } = ctx;
    await page.goto(`${new URL(ctx.url).origin}/#/display/${ctx.vmId}`);
    await page.locator(CANVAS).waitFor({ state: 'attached', timeout: 30_000 }).catch(async (e: Error) => {
      console.log(`no display canvas; the page shows: ${await page.locator('body').innerText()}`);
      throw e;
    });
    await expect.poll(() => patternMismatches(page), { timeout: 30_000, interval: 250 }).toEqual([]);
    const qemu = qemuPidsUnder(ctx.runtimeBase);
    expect(qemu).toHaveLength(1);
    const enginePid = (JSON.parse(readFileSync(join(ctx.library, '.hangar-engine.lock'), 'utf8')) as { pid: number }).pid;

    // kill -9: no goodbye to the page. Serve's engine (its child) notices its parent is gone and closes.
    const exited = new Promise((r) => ctx.serve.once('exit', r));
    ctx.serve.kill('SIGKILL');
    await exited;
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connection lost — reconnecting…' }).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => pidAlive(enginePid), { timeout: 30_000, message: "serve's engine ends with it" }).toBe(false);
    expect(qemuPidsUnder(ctx.runtimeBase), 'the VM keeps running without any host').toEqual(qemu);

    // The same port and token: the page's cookie and URL still work.
    const port = Number(new URL(ctx.url).port);
    const again = await startServe(port);
    ctx.serve = again.serve;
    expect(again.url).toBe(ctx.url);

    // The page reconnects by itself (no click): the overlay goes, the screen comes back...
    await expect.poll(() => page.getByRole('status').filter({ hasText: /Connection lost|connection was lost|Connecting to the display/ }).count(), { timeout: 60_000, interval: 250 }).toBe(0);
    await expect.poll(() => patternMismatches(page), { timeout: 30_000, interval: 250 }).toEqual([]);
    expect(await page.getByTestId('status-state').textContent()).toBe('Running');
    // ...and it is live: a key typed now (through the new engine) is drawn on this canvas.
    expect(await glyphPixels(page, 0)).toBe(0);
    await hangar('type', ctx.vmId, 'k');
    await expect.poll(() => glyphPixels(page, 0), { timeout: 15_000, interval: 250 }).toBeGreaterThan(10);
    expect(qemuPidsUnder(ctx.runtimeBase)).toEqual(qemu);
  });
});
