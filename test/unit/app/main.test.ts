// main.ts runs at import time, so each test re-imports it with a fresh module registry.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import type { FakeBrowserWindow, FakeElectron } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

async function boot(lock = true): Promise<void> {
  fake.app.lock = lock;
  vi.resetModules();
  await import('../../../src-main/app/main.js');
  await Promise.resolve(); // let whenReady().then(...) run
  await Promise.resolve();
}

type Handler = (req: Request) => Promise<Response>;

describe('app main', () => {
  beforeEach(() => fake.reset());

  it('registers app:// as a privileged scheme before ready', async () => {
    await boot();
    expect(fake.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    const registeredAt = fake.protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]!;
    expect(registeredAt).toBeLessThan(fake.app.whenReady.mock.invocationCallOrder[0]!);
  });

  it('quits when another instance holds the lock', async () => {
    await boot(false);
    expect(fake.app.quit).toHaveBeenCalled();
    expect(fake.app.whenReady).not.toHaveBeenCalled();
    expect(fake.BrowserWindow.instances).toHaveLength(0);
  });

  it('on ready: hardens the default session, serves app://, opens one hardened window', async () => {
    await boot();
    expect(fake.app.quit).not.toHaveBeenCalled();
    expect(fake.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(fake.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
    expect(fake.ipcMain.handle).toHaveBeenCalledWith('app:info', expect.any(Function));
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    const win = fake.BrowserWindow.instances[0] as FakeBrowserWindow;
    expect((win.options.webPreferences as { preload: string }).preload).toMatch(/preload[\\/]preload\.cjs$/);
  });

  it('focuses the existing window on second-instance', async () => {
    await boot();
    fake.app.emit('second-instance', {}, [], '/');
    expect(fake.BrowserWindow.instances[0]!.focus).toHaveBeenCalled();
  });

  it('the app:// handler serves files under out/renderer and 404s traversal and other hosts', async () => {
    await boot();
    const handler = fake.protocol.handle.mock.calls[0]![1] as Handler;

    const ok = await handler(new Request('app://hangar/assets/app.js'));
    expect(ok.status).toBe(200);
    const fetched = String(fake.net.fetch.mock.calls[0]![0]);
    expect(fetched).toMatch(/^file:\/\/.*\/renderer\/assets\/app\.js$/);

    // The URL parser already folds a leading "%2e%2e" segment at the root, so it stays inside out/renderer.
    fake.net.fetch.mockClear();
    await handler(new Request('app://hangar/%2e%2e/main/main.js'));
    expect(String(fake.net.fetch.mock.calls[0]![0])).toMatch(/\/renderer\/main\/main\.js$/);

    fake.net.fetch.mockClear();
    for (const url of ['app://hangar/..%2f..%2fpackage.json', 'app://hangar/assets/%2e%2e%5c..%5cx', 'app://hangar/a%00b', 'app://evil/index.html']) {
      expect((await handler(new Request(url))).status).toBe(404);
    }
    expect((await handler(new Request('app://hangar/index.html', { method: 'POST', body: 'x' }))).status).toBe(404);
    expect(fake.net.fetch).not.toHaveBeenCalled();
  });

  it('app:info refuses senders outside app://hangar', async () => {
    await boot();
    const handler = fake.ipcMain.handle.mock.calls[0]![1] as (e: unknown) => unknown;
    expect(() => handler({ senderFrame: { url: 'https://evil.example/' } })).toThrow(/untrusted/);
    expect(() => handler({ senderFrame: null })).toThrow(/untrusted/);
    expect(handler({ senderFrame: { url: 'app://hangar/index.html' } })).toMatchObject({ version: '9.9.9' });
  });
});
