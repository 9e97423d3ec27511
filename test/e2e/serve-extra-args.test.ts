// The browser host without --allow-extra-args, in Debian Chromium: Settings ▸ Advanced shows a machine's extra QEMU
// arguments (set by the owner through the control socket) read-only, with the reason the host gave in engine.hello.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { connectClient } from '../helpers/engine-harness.js';
import { readLibraryLock } from '../../src-main/engine/storage/library-lock.js';

const VM = 'advanced-vm';
const SLOW = 30_000;
const ctx = {} as E2eContext;

describe('extra QEMU arguments in the browser host', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('extra-args', 'hgx'));
    const started = spawnServe({ library: ctx.library, env: ctx.env, timeoutMs: SLOW });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    await runHangar(ctx.library, ctx.env, ['create', VM, '--memory', '64'], { timeout: SLOW });
    // The owner's own change, through the engine's control socket (not the browser host).
    const owner = await connectClient((await readLibraryLock(ctx.library))!.controlSocket);
    await owner.call('vm.update', { vm: VM, patch: { extraArgs: ['-device', 'virtio-rng-pci'] } });
    owner.close();
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
    expect((await ctx.page.goto(ctx.url))?.status()).toBe(200);
  }, 60_000);

  afterAll(() => closeE2e(ctx));

  it('Settings ▸ Advanced shows them read-only with the reason, and typing changes nothing', async () => {
    const { page } = ctx;
    await page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: VM, exact: true }).click();
    await page.getByRole('toolbar', { name: 'Machine actions' }).getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = page.getByRole('dialog', { name: `Settings of ${VM}` });
    await settings.getByRole('tab', { name: 'Advanced' }).click();
    const field = settings.getByRole('textbox', { name: 'Extra QEMU arguments' });
    await settings.getByText(/read-only in the browser host: they can make QEMU run any program/).waitFor({ timeout: SLOW });
    expect(await field.inputValue()).toBe('-device\nvirtio-rng-pci');
    expect(await field.getAttribute('readonly')).not.toBeNull();
    await field.click();
    await page.keyboard.type('-incoming');
    expect(await field.inputValue()).toBe('-device\nvirtio-rng-pci');
    expect(await settings.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
  });
});
