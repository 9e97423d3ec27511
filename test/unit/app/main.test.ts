// main.ts runs at import time, so each test re-imports it with a fresh module registry.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeUtilityProcess, FakeWebContents, type FakeBrowserWindow, type FakeElectron } from './fake-electron.js';
import { storeDir } from './fake-store.js';
import { APP_CHANNELS } from '../../../src-shared/contract/app-contract.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
vi.mock('electron-store', async () => (await import('./fake-store.js')).fakeElectronStoreModule());
const fake = electron as unknown as FakeElectron;

async function boot(lock = true): Promise<void> {
  fake.app.lock = lock;
  vi.resetModules();
  await import('../../../src-main/app/main.js');
  await vi.waitFor(() => expect(lock ? fake.BrowserWindow.instances.length : 1).toBeGreaterThan(0), { timeout: 15_000 });
}

type Handler = (req: Request) => Promise<Response>;

describe('app main', () => {
  beforeEach(() => {
    fake.reset();
    storeDir.cwd = mkdtempSync(join(tmpdir(), 'hangar-main-'));
  });
  afterEach(() => rmSync(storeDir.cwd, { recursive: true, force: true }));

  it('registers app:// as privileged and enables the sandbox for all renderers before ready', async () => {
    await boot();
    expect(fake.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    ]);
    const ready = fake.app.whenReady.mock.invocationCallOrder[0]!;
    expect(fake.protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]!).toBeLessThan(ready);
    expect(fake.app.enableSandbox.mock.invocationCallOrder[0]!).toBeLessThan(ready);
  });

  it('quits when another instance holds the lock, and starts nothing', async () => {
    await boot(false);
    expect(fake.app.quit).toHaveBeenCalled();
    expect(fake.app.whenReady).not.toHaveBeenCalled();
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    expect(fake.utilityProcess.fork).not.toHaveBeenCalled();
  });

  it('on ready: hardens the session, serves app://, registers every contract channel, sets the menu, forks the engine, opens one window', async () => {
    await boot();
    expect(fake.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(fake.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...APP_CHANNELS].sort());
    expect(fake.Menu.setApplicationMenu).toHaveBeenCalled();
    expect(fake.utilityProcess.fork).toHaveBeenCalledWith(expect.stringMatching(/[\\/]engine\.js$/), [], { serviceName: 'hangar-engine', stdio: 'pipe' });
    expect(fake.utilityProcess.fork.mock.invocationCallOrder[0]!).toBeGreaterThan(fake.app.whenReady.mock.invocationCallOrder[0]!);
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    const win = fake.BrowserWindow.instances[0] as FakeBrowserWindow;
    expect((win.options.webPreferences as { preload: string }).preload).toMatch(/preload[\\/]preload\.cjs$/);
  });

  it('the window gets its engine port once loaded and the engine is ready', async () => {
    await boot();
    const win = fake.BrowserWindow.instances[0]!;
    win.webContents.load();
    FakeUtilityProcess.instances[0]!.ready();
    expect(win.webContents.enginePorts()).toHaveLength(1);
  });

  it('restores saved window bounds that are still on screen, and saves them on close', async () => {
    await boot();
    const first = fake.BrowserWindow.instances[0]!;
    first.bounds = { x: 100, y: 50, width: 1300, height: 900 };
    first.close();
    fake.reset();
    await boot();
    expect(fake.BrowserWindow.instances[0]!.options).toMatchObject({ x: 100, y: 50, width: 1300, height: 900 });
  });

  it('hardens every webContents created later (web-contents-created)', async () => {
    await boot();
    const contents = new FakeWebContents();
    fake.app.emit('web-contents-created', {}, contents);
    expect(contents.setWindowOpenHandler).toHaveBeenCalled();
    expect(contents.session.setPermissionRequestHandler).toHaveBeenCalled();
    const event = { preventDefault: vi.fn() };
    contents.emit('will-navigate', event, 'https://evil.example/');
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('focuses the existing window on second-instance', async () => {
    await boot();
    const win = fake.BrowserWindow.instances[0]!;
    win.isMinimized.mockReturnValueOnce(true);
    fake.app.emit('second-instance', {}, ['hangar', '/isos/debian.iso'], '/');
    expect(win.restore).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
  });

  it('the app:// handler serves files under out/renderer with the CSP header and 404s traversal and other hosts', async () => {
    await boot();
    const handler = fake.protocol.handle.mock.calls[0]![1] as Handler;

    const ok = await handler(new Request('app://hangar/assets/app.js'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('content-type')).toBe('text/javascript');
    expect(await ok.text()).toMatch(/^file file:\/\//);
    const fetched = String(fake.net.fetch.mock.calls[0]![0]);
    expect(fetched).toMatch(/^file:\/\/.*\/renderer\/assets\/app\.js$/);

    // The URL parser already folds a leading "%2e%2e" segment at the root, so it stays inside out/renderer.
    fake.net.fetch.mockClear();
    await handler(new Request('app://hangar/%2e%2e/main/main.js'));
    expect(String(fake.net.fetch.mock.calls[0]![0])).toMatch(/\/renderer\/main\/main\.js$/);

    fake.net.fetch.mockClear();
    for (const url of ['app://hangar/..%2f..%2fpackage.json', 'app://hangar/assets/%2e%2e%5c..%5cx', 'app://hangar/a%00b', 'app://evil/index.html']) {
      const res = await handler(new Request(url));
      expect(res.status).toBe(404);
      expect(res.headers.get('content-security-policy')).toBeTruthy();
    }
    expect((await handler(new Request('app://hangar/index.html', { method: 'POST', body: 'x' }))).status).toBe(404);
    expect(fake.net.fetch).not.toHaveBeenCalled();
  });
});
