// Opening files with Hangar (issue #11) through the real main.ts against the faked electron: paths from the
// launch's argv, from a second launch, and from macOS open-file (before `ready` too) reach the loaded window.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeBrowserWindow, FakeElectron } from './fake-electron.js';
import type * as OpenPaths from '../../../src-main/app/open-paths.js';
import { storeDir } from './fake-store.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
vi.mock('electron-store', async () => (await import('./fake-store.js')).fakeElectronStoreModule());
// Each classified path is counted, so a test waits for classification (a stat, slow on a loaded machine), not a time.
const classified = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../src-main/app/open-paths.js', async (importOriginal) => {
  const real = await importOriginal<typeof OpenPaths>();
  return {
    ...real,
    classifyPath: async (path: string) => {
      const r = await real.classifyPath(path);
      classified.count++;
      return r;
    },
  };
});
const fake = electron as unknown as FakeElectron;

// Waits on a loaded machine: importing main.ts and a stat can take well over vi.waitFor's default 1 s.
const LOADED = { timeout: 15_000, interval: 5 };

let dir: string;
const argv = process.argv;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-open-files-'));
  writeFileSync(join(dir, 'debian.iso'), 'iso');
  writeFileSync(join(dir, 'notes.txt'), 'text');
  mkdirSync(join(dir, 'web.hangar'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  classified.count = 0;
  fake.reset();
  storeDir.cwd = mkdtempSync(join(tmpdir(), 'hangar-main-'));
});
afterEach(() => {
  process.argv = argv;
  rmSync(storeDir.cwd, { recursive: true, force: true });
});

async function boot(args: string[] = []): Promise<FakeBrowserWindow> {
  process.argv = ['/opt/Hangar/hangar', ...args];
  vi.resetModules();
  await import('../../../src-main/app/main.js');
  await vi.waitFor(() => expect(fake.BrowserWindow.instances.length).toBeGreaterThan(0), LOADED);
  return fake.BrowserWindow.instances[0]!;
}

const opened = (win: FakeBrowserWindow): unknown[] => win.webContents.send.mock.calls.filter(([ch]) => ch === 'open:request').map(([, r]) => r);

describe('opening files with Hangar', () => {
  it('a file on the launch command line waits for the page to load, then opens; the window comes to the front', async () => {
    const win = await boot(['--library', '/lib', join(dir, 'debian.iso')]);
    await vi.waitFor(() => expect(classified.count).toBe(1), LOADED); // classified, but the page has not loaded
    expect(opened(win)).toEqual([]);
    win.webContents.load();
    await vi.waitFor(() => expect(opened(win)).toEqual([{ kind: 'iso', path: join(dir, 'debian.iso') }]), LOADED);
    expect(win.focus).toHaveBeenCalled();
    expect(fake.utilityProcess.fork.mock.calls[0]![1]).toEqual(['--library', '/lib']); // not mistaken for a file
  });

  it('a second launch hands over its files (relative to its own folder), in order, errors included', async () => {
    const win = await boot();
    win.webContents.load();
    win.isMinimized.mockReturnValue(true);
    fake.app.emit('second-instance', {}, ['/opt/Hangar/hangar', '--enable-features=X', 'web.hangar', 'notes.txt', 'debian.iso'], dir);
    await vi.waitFor(() => expect(opened(win)).toHaveLength(3), LOADED);
    expect(opened(win)).toEqual([
      { kind: 'bundle', path: join(dir, 'web.hangar') },
      { kind: 'error', message: expect.stringMatching(/^Hangar cannot open "notes\.txt": only ISO images/) },
      { kind: 'iso', path: join(dir, 'debian.iso') },
    ]);
    expect(win.restore).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
  });

  it('macOS open-file before `ready` is queued and delivered once the window has loaded', async () => {
    let markReady!: () => void;
    fake.app.whenReady.mockImplementationOnce(() => new Promise<void>((r) => (markReady = r)));
    process.argv = ['/opt/Hangar/hangar'];
    vi.resetModules();
    await import('../../../src-main/app/main.js');
    const event = { preventDefault: vi.fn() };
    expect(fake.app.listenerCount('open-file')).toBe(1);
    fake.app.emit('open-file', event, join(dir, 'web.hangar'));
    expect(event.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(classified.count).toBe(1), LOADED);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    markReady();
    await vi.waitFor(() => expect(fake.BrowserWindow.instances).toHaveLength(1), LOADED);
    const win = fake.BrowserWindow.instances[0]!;
    expect(opened(win)).toEqual([]);
    win.webContents.load();
    await vi.waitFor(() => expect(opened(win)).toEqual([{ kind: 'bundle', path: join(dir, 'web.hangar') }]), LOADED);
  });

  it('open-file with no window left (macOS) opens one and delivers there; a reloading page waits for its load', async () => {
    const first = await boot();
    first.webContents.load();
    first.close();
    fake.app.emit('open-file', { preventDefault: vi.fn() }, join(dir, 'debian.iso'));
    await vi.waitFor(() => expect(fake.BrowserWindow.instances).toHaveLength(2), LOADED);
    const second = fake.BrowserWindow.instances[1]!;
    second.webContents.load();
    await vi.waitFor(() => expect(opened(second)).toEqual([{ kind: 'iso', path: join(dir, 'debian.iso') }]), LOADED);
    expect(opened(first)).toEqual([]);

    second.webContents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: 'app://hangar/index.html' });
    const before = classified.count;
    fake.app.emit('second-instance', {}, ['/opt/Hangar/hangar', join(dir, 'web.hangar')], '/');
    await vi.waitFor(() => expect(classified.count).toBe(before + 1), LOADED);
    expect(opened(second)).toHaveLength(1);
    second.webContents.emit('did-finish-load');
    expect(opened(second)).toEqual([{ kind: 'iso', path: join(dir, 'debian.iso') }, { kind: 'bundle', path: join(dir, 'web.hangar') }]);
  });
});
