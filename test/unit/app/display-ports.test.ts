// display:open hands one end of a new channel to the engine and the other to the asking window.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import { FakeBrowserWindow, FakeMessageChannelMain, type FakeElectron } from './fake-electron.js';
import { setupDisplayPorts } from '../../../src-main/app/display-ports.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
const fake = electron as unknown as FakeElectron;
const trusted = { url: 'app://hangar/index.html' };

describe('display:open', () => {
  let win: FakeBrowserWindow;
  beforeEach(() => {
    fake.reset();
    win = new FakeBrowserWindow({});
  });
  const invoke = (args: unknown, frame: unknown = trusted) =>
    Promise.resolve().then(() => fake.ipcMain.handlers.get('display:open')!({ senderFrame: frame, sender: win.webContents }, args));

  it('posts attach-display with port1 to the engine and port2 to the sender on display:port', async () => {
    const posted: Array<{ message: unknown; ports: unknown[] }> = [];
    setupDisplayPorts({ postToEngine: (message, ports) => (posted.push({ message, ports }), true) });
    await expect(invoke({ vmId: 'vm-1' })).resolves.toEqual({ ok: true });
    const channel = FakeMessageChannelMain.created.at(-1)!;
    expect(posted).toEqual([{ message: { type: 'attach-display', vmId: 'vm-1' }, ports: [channel.port1] }]);
    expect(win.webContents.postMessage).toHaveBeenCalledWith('display:port', { vmId: 'vm-1' }, [channel.port2]);
  });

  it('fails (and closes both ports) while the engine is not ready', async () => {
    setupDisplayPorts({ postToEngine: () => false });
    await expect(invoke({ vmId: 'vm-1' })).rejects.toThrow(/not running/);
    const channel = FakeMessageChannelMain.created.at(-1)!;
    expect(channel.port1.close).toHaveBeenCalled();
    expect(channel.port2.close).toHaveBeenCalled();
    expect(win.webContents.postMessage).not.toHaveBeenCalled();
  });

  it('refuses bad arguments and untrusted frames', async () => {
    const post = vi.fn(() => true);
    setupDisplayPorts({ postToEngine: post });
    await expect(invoke({ vmId: '' })).rejects.toThrow(/invalid arguments/);
    await expect(invoke({ vmId: 'x', extra: 1 })).rejects.toThrow(/invalid arguments/);
    await expect(invoke({ vmId: 'x' }, { url: 'https://evil.example/' })).rejects.toThrow(/untrusted/);
    expect(post).not.toHaveBeenCalled();
  });
});
