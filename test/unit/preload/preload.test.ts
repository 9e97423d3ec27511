// The real preload entry against a faked electron: what it exposes, what it refuses, what it forwards.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import type { FakeElectron } from '../app/fake-electron.js';
import type { HangarPreloadApi } from '../../../src-main/preload/channels.js';
import type { AppChannel } from '../../../src-shared/contract/app-contract.js';

vi.mock('electron', async () => (await import('../app/fake-electron.js')).createFakeElectron());
const fake = electron as unknown as FakeElectron;
const postMessage = vi.fn();

let api: HangarPreloadApi;

beforeAll(async () => {
  vi.stubGlobal('postMessage', postMessage); // the sandboxed preload's globalThis is the window
  process.argv.push('--hangar-version=4.5.6');
  await import('../../../src-main/preload/preload.js');
  api = fake.contextBridge.exposeInMainWorld.mock.calls[0]![1] as HangarPreloadApi;
});

describe('preload', () => {
  it('exposes exactly window.hangar, a frozen object without ipcRenderer', () => {
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(fake.contextBridge.exposeInMainWorld.mock.calls[0]![0]).toBe('hangar');
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'onEngineStatus', 'onMenuCommand', 'onOpenRequest', 'version']);
    expect(api.version).toBe('4.5.6');
  });

  it('invokes allowlisted channels and refuses unknown ones without touching ipc', async () => {
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ theme: 'dark' } as never);
    await expect(api.invoke('prefs:get')).resolves.toEqual({ theme: 'dark' });
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith('prefs:get', undefined);
    fake.ipcRenderer.invoke.mockClear();
    for (const channel of ['engine:port', 'shell:openExternal', 'app:info ', '', '__proto__', 'constructor', 42, null]) {
      await expect(api.invoke(channel as AppChannel)).rejects.toThrow(/not allowed/);
    }
    expect(fake.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('forwards the engine port to the page with window.postMessage, addressed to the app origin only (never "*")', () => {
    const port = { name: 'engine port' };
    fake.ipcRenderer.emit('engine:port', { ports: [port] }, null);
    expect(postMessage).toHaveBeenLastCalledWith({ kind: 'hangar-engine-port' }, 'app://hangar', [port]);
  });

  it('forwards display ports with their vmId', () => {
    const port = { name: 'display port' };
    fake.ipcRenderer.emit('display:port', { ports: [port] }, { vmId: 'abc123' });
    expect(postMessage).toHaveBeenLastCalledWith({ kind: 'hangar-display-port', vmId: 'abc123' }, 'app://hangar', [port]);
  });

  it('drops port messages without exactly one port or without a vmId', () => {
    postMessage.mockClear();
    fake.ipcRenderer.emit('engine:port', { ports: [] }, null);
    fake.ipcRenderer.emit('display:port', { ports: [{}] }, {});
    fake.ipcRenderer.emit('display:port', { ports: [{}] }, null);
    expect(postMessage).not.toHaveBeenCalled();
  });

  it('onEngineStatus delivers valid statuses only (not the ipc event) and unsubscribes', () => {
    const listener = vi.fn();
    const off = api.onEngineStatus(listener);
    fake.ipcRenderer.emit('engine:status', { sender: 'ipcRenderer' }, { state: 'restarting', attempt: 2 });
    fake.ipcRenderer.emit('engine:status', {}, { state: 'exploded', attempt: 1 });
    fake.ipcRenderer.emit('engine:status', {}, 'ready');
    expect(listener.mock.calls).toEqual([[{ state: 'restarting', attempt: 2 }]]);
    off();
    fake.ipcRenderer.emit('engine:status', {}, { state: 'ready', attempt: 0 });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('onMenuCommand delivers known commands only and unsubscribes', () => {
    const listener = vi.fn();
    const off = api.onMenuCommand(listener);
    fake.ipcRenderer.emit('menu:command', {}, 'vm.start');
    fake.ipcRenderer.emit('menu:command', {}, 'rm -rf');
    expect(listener.mock.calls).toEqual([['vm.start']]);
    off();
    fake.ipcRenderer.emit('menu:command', {}, 'vm.pause');
    expect(listener).toHaveBeenCalledTimes(1);
    expect(() => api.onMenuCommand('nope' as unknown as () => void)).toThrow(TypeError);
  });

  it('onOpenRequest delivers well-formed requests with absolute, bounded paths only, and unsubscribes', () => {
    const listener = vi.fn();
    const off = api.onOpenRequest(listener);
    const good = [
      { kind: 'iso', path: '/home/ada/debian.iso' },
      { kind: 'bundle', path: 'C:\\VMs\\win.hangar' },
      { kind: 'bundle', path: '\\\\server\\share\\x.hangar' },
      { kind: 'error', message: 'Hangar cannot open "notes.txt"' },
    ];
    const bad = [
      { kind: 'iso', path: 'debian.iso' },
      { kind: 'iso', path: '../etc/passwd' },
      { kind: 'iso', path: `/${'a'.repeat(4096)}` },
      { kind: 'iso', path: '/a\0b.iso' },
      { kind: 'iso', path: '/x.iso', extra: 1 },
      { kind: 'bundle', path: 42 },
      { kind: 'error', message: '' },
      { kind: 'error', message: 'x'.repeat(1001) },
      { kind: 'run', path: '/bin/sh' },
      '/x.iso',
      null,
    ];
    for (const r of [...good, ...bad]) fake.ipcRenderer.emit('open:request', {}, r);
    expect(listener.mock.calls).toEqual(good.map((r) => [r]));
    off();
    fake.ipcRenderer.emit('open:request', {}, good[0]);
    expect(listener).toHaveBeenCalledTimes(good.length);
  });
});
