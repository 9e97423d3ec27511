// `Hangar --cli VERB ...`: the packaged app runs the CLI in-process (the RunAsNode fuse is off) and exits.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import type { FakeElectron } from './fake-electron.js';
import { cliArgs } from '../../../src-main/app/cli-mode.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
vi.mock('electron-store', async () => (await import('./fake-store.js')).fakeElectronStoreModule());
const cliMain = vi.fn(async (_argv: string[]) => 3);
vi.mock('../../../src-main/cli/main.js', () => ({ main: cliMain }));
const fake = electron as unknown as FakeElectron;

describe('the app binary as the hangar command', () => {
  const savedArgv = process.argv;
  beforeEach(() => {
    fake.reset();
    cliMain.mockClear();
  });
  afterEach(() => {
    process.argv = savedArgv;
  });

  it('cliArgs: everything after --cli, without the launcher’s Chromium switches; null without --cli', () => {
    expect(cliArgs(['/opt/Hangar/hangar-desktop', '--ozone-platform=headless', '--cli', 'list', '--json'])).toEqual(['list', '--json']);
    expect(cliArgs(['electron', '.', '--cli', '--library', '/l', 'host', '--no-sandbox'])).toEqual(['--library', '/l', 'host']);
    expect(cliArgs(['/opt/Hangar/hangar-desktop', '--library', '/l'])).toBeNull();
  });

  it('main.ts with --cli runs the CLI and exits with its code: no window, no lock, no engine', async () => {
    process.argv = ['/opt/Hangar/hangar-desktop', '--cli', 'stop', 'deb', '--force'];
    vi.resetModules();
    await import('../../../src-main/app/main.js');
    await vi.waitFor(() => expect(fake.app.exit).toHaveBeenCalledWith(3), { timeout: 15_000 });
    expect(cliMain).toHaveBeenCalledWith(['stop', 'deb', '--force']);
    expect(fake.app.whenReady).not.toHaveBeenCalled();
    expect(fake.app.enableSandbox).not.toHaveBeenCalled();
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    expect(fake.utilityProcess.fork).not.toHaveBeenCalled();
  });

  it('a CLI that throws exits with 1 and one line on stderr', async () => {
    cliMain.mockRejectedValueOnce(new Error('boom'));
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.argv = ['/opt/Hangar/hangar-desktop', '--cli', 'list'];
    vi.resetModules();
    await import('../../../src-main/app/main.js');
    await vi.waitFor(() => expect(fake.app.exit).toHaveBeenCalledWith(1), { timeout: 15_000 });
    expect(write).toHaveBeenCalledWith('hangar: boom\n');
    write.mockRestore();
  });
});
