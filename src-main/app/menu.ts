// The application menu. VM actions are not run here: they go to the focused window as `menu:command`
// and the renderer acts on its selected VM through the engine contract.
import { app, BrowserWindow, Menu } from 'electron';
import type { BaseWindow, MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/contract/app-contract.js';
import { sendToRenderer } from './renderer-sends.js';

/** Sends the command to the window the menu was used in, else the focused one, else the first. */
export function sendMenuCommand(command: MenuCommand, from?: BaseWindow | null): void {
  const candidates = [from, BrowserWindow.getFocusedWindow(), BrowserWindow.getAllWindows()[0]];
  const target = candidates.find((w): w is BrowserWindow => w instanceof BrowserWindow && !w.isDestroyed());
  if (target) sendToRenderer(target.webContents, 'menu:command', command);
}

export function buildMenuTemplate(platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const command =
    (id: MenuCommand) =>
    (_item: unknown, win: BaseWindow | undefined): void =>
      sendMenuCommand(id, win);
  const isMac = platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) {
    template.push({
      label: app.name,
      submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
    });
  }
  template.push(
    {
      label: '&File',
      submenu: [
        { id: 'vm.new', label: 'New VM…', accelerator: 'CmdOrCtrl+N', click: command('vm.new') },
        { id: 'vm.addExisting', label: 'Add Existing…', accelerator: 'CmdOrCtrl+O', click: command('vm.addExisting') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit', accelerator: 'CmdOrCtrl+Q' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'delete' },
        { type: 'separator' },
        { role: 'selectAll' },
      ],
    },
    {
      label: '&View',
      submenu: [{ role: 'togglefullscreen' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }],
    },
    {
      label: '&Machine',
      submenu: [
        { id: 'vm.start', label: 'Start', accelerator: 'CmdOrCtrl+Shift+R', click: command('vm.start') },
        { id: 'vm.pause', label: 'Pause', accelerator: 'CmdOrCtrl+Shift+P', click: command('vm.pause') },
        { type: 'separator' },
        { id: 'vm.shutdown', label: 'Shut Down', click: command('vm.shutdown') },
        { id: 'vm.forceOff', label: 'Force Off', click: command('vm.forceOff') },
        { id: 'vm.reset', label: 'Reset', click: command('vm.reset') },
      ],
    },
    ...(isMac ? [{ role: 'windowMenu' } as const] : []),
    { label: '&Help', role: 'help', submenu: [{ id: 'help.about', label: 'About Hangar', click: () => app.showAboutPanel() }] },
  );
  return template;
}

export function setupMenu(): void {
  app.setAboutPanelOptions({ applicationName: 'Hangar', applicationVersion: app.getVersion(), copyright: 'Copyright © Hangar developers' });
  Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate()));
}
