// End-to-end: the details pane shows what the QEMU guest agent says. A debian12 machine (the preset gives it the
// agent channel) boots the Linux fixture, whose init starts Debian's real qemu-ga; the page, served by serve.js in
// Chromium, shows the guest's hostname and IP address, and `hangar info --json` carries them under guestAgent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { cleanupRuntime, launchBrowser, makeE2eDirs, spawnServe, stopServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { repoRoot } from '../helpers/engine-harness.js';

/** Generous: the machine has 2 cores, QEMU runs under TCG and other suites run at the same time. */
const SLOW = 120_000;
const VM = 'agent guest';
const ctx = {} as E2eContext;

const hangar = (...args: string[]) => runHangar(ctx.library, ctx.env, args, { timeout: SLOW * 2 });

describe('guest agent in the details pane (browser host, real QEMU and qemu-ga)', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('guest-agent', 'hga'));
    // A private copy: the fixtures may be rebuilt while this runs.
    const iso = join(ctx.root, 'linux.iso');
    copyFileSync(fixturePaths.linuxIso, iso);
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.root, timeoutMs: SLOW });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    await hangar('create', VM, '--os', 'debian12', '--iso', iso, '--memory', '256', '--cpus', '1');
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
  }, SLOW * 2);

  afterAll(async () => {
    await ctx.browser?.close().catch(() => undefined);
    if (ctx.library && existsSync(ctx.library)) await hangar('stop', VM, '--force').catch(() => undefined);
    await stopServe(ctx.serve);
    cleanupRuntime(ctx.runtimeBase, ctx.root);
  });

  it('shows the guest\'s IP address and hostname from the agent; hangar info --json carries them', async () => {
    const { page } = ctx;
    expect((await page.goto(ctx.url))?.status()).toBe(200);
    await page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: VM, exact: true }).click({ timeout: SLOW });
    const section = page.getByRole('region', { name: 'Guest agent' });
    await section.waitFor({ timeout: SLOW });
    await hangar('start', VM, '--wait-for-serial', markers.linuxReady, '--timeout', String(SLOW / 1000));
    await expect.poll(async () => (await section.getByLabel('Guest IP addresses').textContent().catch(() => '')) ?? '', { timeout: SLOW, interval: 250 }).toContain('10.0.2.15 (eth0)');
    expect(await section.getByLabel('Guest Hostname').textContent()).toBe('hangar-linux');
    expect(await section.getByLabel('Guest Status').textContent()).toMatch(/^Running \(qemu-ga 7\.2/);
    // README: the details pane with the guest agent's section.
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(repoRoot, 'docs', 'screenshots', 'guest-agent.png') });

    const info = JSON.parse((await hangar('info', VM, '--json')).stdout) as { guestAgent: { channel: boolean; status: string; hostname: string; addresses: Array<{ address: string }> } };
    expect(info.guestAgent).toMatchObject({ channel: true, status: 'running', hostname: 'hangar-linux' });
    expect(info.guestAgent.addresses.map((a) => a.address)).toContain('10.0.2.15');
  }, SLOW * 3);
});
