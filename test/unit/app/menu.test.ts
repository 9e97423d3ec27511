import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import { FakeBrowserWindow, type FakeElectron } from './fake-electron.js';
import { buildMenuTemplate, setupMenu } from '../../../src-main/app/menu.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

type Item = MenuItemConstructorOptions;
const items = (t: Item[]): Item[] => t.flatMap((m) => [m, ...items((m.submenu as Item[] | undefined) ?? [])]);
const byId = (t: Item[], id: string): Item => items(t).find((i) => i.id === id)!;
const submenu = (t: Item[], label: string): Item[] => t.find((m) => m.label === label)!.submenu as Item[];

describe('application menu', () => {
  beforeEach(() => fake.reset());

  it('has File / Edit / View / Machine / Help with the usual shortcuts', () => {
    const t = buildMenuTemplate('linux');
    expect(t.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Machine', '&Help']);
    expect(byId(t, 'vm.new').accelerator).toBe('CmdOrCtrl+N');
    expect(submenu(t, '&File').find((i) => i.role === 'quit')?.accelerator).toBe('CmdOrCtrl+Q');
    expect(submenu(t, '&Edit').map((i) => i.role).filter(Boolean)).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll']);
    expect(submenu(t, '&View').map((i) => i.role).filter(Boolean)).toEqual(['togglefullscreen', 'resetZoom', 'zoomIn', 'zoomOut']);
    // No reload or devtools in the menu.
    expect(items(t).some((i) => i.role === 'reload' || i.role === 'forceReload' || i.role === 'toggleDevTools')).toBe(false);
    expect(submenu(t, '&Machine').filter((i) => i.id).map((i) => i.label)).toEqual(['Start', 'Pause', 'Shut Down', 'Force Off', 'Reset']);
  });

  it('the macOS template adds the app menu', () => {
    const t = buildMenuTemplate('darwin');
    expect(t[0]!.label).toBe('Hangar');
    expect(items(t).some((i) => i.role === 'about')).toBe(true);
  });

  it('VM items send menu:command to the window the menu was used in, else the focused one', () => {
    const a = new FakeBrowserWindow({});
    const b = new FakeBrowserWindow({});
    const t = buildMenuTemplate('linux');
    const click = (id: string, win?: unknown): void => (byId(t, id).click as unknown as (i: unknown, w: unknown, e: unknown) => void)({}, win, {});
    click('vm.shutdown', b);
    expect(b.webContents.send).toHaveBeenCalledWith('menu:command', 'vm.shutdown');
    FakeBrowserWindow.focused = a;
    click('vm.forceOff');
    expect(a.webContents.send).toHaveBeenCalledWith('menu:command', 'vm.forceOff');
    click('help.about');
    expect(fake.app.showAboutPanel).toHaveBeenCalled();
  });

  it('setupMenu installs it', () => {
    setupMenu();
    expect(fake.Menu.setApplicationMenu).toHaveBeenCalled();
  });
});
