// End-to-end: a newcomer's first run. The browser host (`serve.js`) with no QEMU on PATH shows the first-run
// screen naming the missing package and the exact install command; with QEMU, the welcome step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { assertBuilt, launchBrowser, spawnServe, stopServe } from '../helpers/e2e-harness.js';
import { installCommand, parseOsRelease } from '../../src-main/engine/qemu/install-hint.js';
import { qemuArchOfNode } from '../../src-main/engine/qemu/probe-parsers.js';

interface Ctx {
  root: string;
  library: string;
  runtimeBase: string;
  noQemuPath: string;
  serve: ChildProcess | null;
  browser: Browser;
  page: Page;
}
const ctx = { serve: null } as Ctx;

/** Starts `serve.js` on the test library with this PATH; resolves with the URL it prints. */
async function startServe(path: string): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: path,
    XDG_RUNTIME_DIR: ctx.runtimeBase,
    XDG_CACHE_HOME: join(ctx.root, 'cache'),
    HANGAR_LIBRARY: ctx.library,
  };
  const started = spawnServe({ library: ctx.library, env, timeoutMs: 60_000 });
  ctx.serve = started.serve;
  return started.url;
}

/** Stops serve and waits for its engine to let go of the library (a new serve would otherwise reuse that engine). */
async function stopServeAndEngine(): Promise<void> {
  const serve = ctx.serve;
  ctx.serve = null;
  await stopServe(serve);
  const lock = join(ctx.library, '.hangar-engine.lock');
  const deadline = Date.now() + 60_000;
  while (existsSync(lock)) {
    let pid = 0;
    try {
      pid = Number((JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number }).pid ?? 0);
    } catch {
      // being written or removed
    }
    if (pid > 0 && !existsSync(`/proc/${pid}`)) break; // a stale lock: the next engine takes it over
    if (Date.now() > deadline) throw new Error('the engine of the stopped serve still owns the library');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What install-hint.ts says for this host: the same function the engine uses. */
function expectedInstallCommand(): string {
  const osRelease = existsSync('/etc/os-release') ? parseOsRelease(readFileSync('/etc/os-release', 'utf8')) : null;
  return installCommand(process.platform, osRelease, qemuArchOfNode(arch()));
}

describe('first run', () => {
  beforeAll(async () => {
    assertBuilt(['out/main/serve.js', 'out/main/engine.js', 'out/renderer/index.html']);
    ctx.root = mkdtempSync(join(tmpdir(), 'hangar-e2e-first-run-'));
    ctx.library = join(ctx.root, 'library');
    ctx.runtimeBase = mkdtempSync('/tmp/hgr-');
    // A PATH with node and nothing else: no qemu-system-*, no qemu-img.
    const bin = join(ctx.root, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    ctx.noQemuPath = `${bin}:/nonexistent`;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
  });

  afterAll(async () => {
    await ctx.browser?.close().catch(() => undefined);
    await stopServeAndEngine();
    if (ctx.runtimeBase) rmSync(ctx.runtimeBase, { recursive: true, force: true });
    if (ctx.root) rmSync(ctx.root, { recursive: true, force: true });
  });

  it('without QEMU on PATH: the first-run screen names the missing package and the exact install command', async () => {
    const url = await startServe(ctx.noQemuPath);
    const { page } = ctx;
    await page.goto(url);
    const heading = page.getByRole('heading', { name: 'QEMU is not installed' });
    await heading.waitFor({ timeout: 60_000 });
    const command = expectedInstallCommand();
    const shown = page.getByLabel('Install command');
    expect((await shown.textContent())?.trim()).toBe(command);
    if (command.startsWith('sudo apt-get')) expect(command).toContain('qemu-system-x86');
    expect(await page.getByRole('main').textContent()).toContain('qemu-system-x86');
    expect(await page.getByRole('button', { name: 'Copy' }).count()).toBe(1);
    expect(await page.getByRole('listbox', { name: 'Virtual machines' }).count()).toBe(0);

    // "Check again" probes anew; QEMU is still missing, so the screen stays.
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.getByRole('button', { name: 'Check again' }).waitFor({ timeout: 60_000 });
    expect(await heading.count()).toBe(1);
    await stopServeAndEngine();
  });

  it('with QEMU: the welcome step offers to create the first virtual machine', async () => {
    const url = await startServe(process.env['PATH'] ?? '/usr/bin:/bin');
    const { page } = ctx;
    await page.goto(url);
    await page
      .getByRole('button', { name: 'Create your first virtual machine' })
      .waitFor({ timeout: 90_000 })
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\npage text: ${await page.locator('body').innerText()}`);
      });
    expect(await page.getByRole('heading', { name: 'Welcome to Hangar' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Add existing machine' }).count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'QEMU is not installed' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Create your first virtual machine' }).click();
    await page.getByRole('dialog', { name: 'New machine' }).waitFor({ timeout: 30_000 });
    await stopServeAndEngine();
  });
});
