// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBridge, displayUrl, engineUrl, fileDialogs, ENGINE_PORT_MESSAGE, type BridgeWindow, type PreloadApiLike } from '../../../../src-renderer/bridge/create-bridge.js';
import { DEFAULT_PREFS } from '../../../../src-renderer/bridge/browser-app.js';
import { FileDialogHost, matchesFilters } from '../../../../src-renderer/bridge/file-dialog.js';
import { FakeWebSocket } from './fake-websocket.js';

type MessageListener = (ev: { source: unknown; data: unknown; ports: ReadonlyArray<unknown> }) => void;

function fakeWindow(hangar?: PreloadApiLike): BridgeWindow & { fireMessage: MessageListener; store: Map<string, string> } {
  const store = new Map<string, string>();
  const listeners: MessageListener[] = [];
  const win = {
    hangar,
    location: { protocol: 'http:', host: '127.0.0.1:8123' },
    localStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
    navigator: { platform: 'Linux x86_64' },
    addEventListener: (_type: 'message', l: MessageListener) => void listeners.push(l),
    WebSocket: FakeWebSocket,
    store,
    fireMessage: (ev: Parameters<MessageListener>[0]) => listeners.forEach((l) => l(ev)),
  };
  return win as unknown as BridgeWindow & { fireMessage: MessageListener; store: Map<string, string> };
}

beforeEach(() => FakeWebSocket.reset());
afterEach(() => vi.useRealTimers());

describe('URLs', () => {
  it('follow the page: ws for http, wss for https', () => {
    expect(engineUrl({ protocol: 'http:', host: '127.0.0.1:8123' })).toBe('ws://127.0.0.1:8123/engine');
    expect(engineUrl({ protocol: 'https:', host: 'box:8443' })).toBe('wss://box:8443/engine');
    expect(displayUrl({ protocol: 'http:', host: 'localhost:1' }, 'a b')).toBe('ws://localhost:1/display?vm=a%20b');
  });
});

describe('browser host bridge', () => {
  it('connects to /engine of the page host and reports the connection', async () => {
    const win = fakeWindow();
    const api = createBridge(win);
    expect(FakeWebSocket.last().url).toBe('ws://127.0.0.1:8123/engine');
    expect(api.connection()).toBe('connecting');
    const seen: string[] = [];
    api.onConnectionChange((s) => seen.push(s));
    FakeWebSocket.last().serverOpen();
    expect(api.connection()).toBe('open');
    const list = api.call('library.list', {});
    await vi.waitFor(() => expect(FakeWebSocket.last().sent).toHaveLength(1), { timeout: 15_000 });
    FakeWebSocket.last().serverSend({ type: 'response', id: FakeWebSocket.last().requests()[0]!.id, ok: true, result: [] });
    await expect(list).resolves.toEqual([]);
    expect(seen).toEqual(['open']);
  });

  it('reconnects on its own after the socket drops', async () => {
    vi.useFakeTimers();
    const api = createBridge(fakeWindow(), { backoffMs: () => 500 });
    FakeWebSocket.last().serverOpen();
    FakeWebSocket.last().serverClose(1006);
    expect(api.connection()).toBe('closed');
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last().serverOpen();
    expect(api.connection()).toBe('open');
  });

  it('keeps prefs in localStorage, ignoring junk', async () => {
    const win = fakeWindow();
    const api = createBridge(win);
    expect(await api.app('prefs:get', undefined)).toEqual(DEFAULT_PREFS);
    const next = await api.app('prefs:set', { theme: 'dark', customKeyCombos: ['ctrl-alt-f1'] });
    expect(next).toEqual({ ...DEFAULT_PREFS, theme: 'dark', customKeyCombos: ['ctrl-alt-f1'] });
    expect(JSON.parse(win.store.get('hangar.prefs')!)).toEqual(next);
    win.store.set('hangar.prefs', JSON.stringify({ theme: 'purple', hostKey: 42, lastIsoFolder: '/isos' }));
    expect(await api.app('prefs:get', undefined)).toEqual({ ...DEFAULT_PREFS, lastIsoFolder: '/isos' });
    win.store.set('hangar.prefs', '{broken');
    expect(await api.app('prefs:get', undefined)).toEqual(DEFAULT_PREFS);
  });

  it('answers app:info with host "browser" and the engine version', async () => {
    const api = createBridge(fakeWindow());
    FakeWebSocket.last().serverOpen();
    const info = api.app('app:info', undefined);
    await vi.waitFor(() => expect(FakeWebSocket.last().sent).toHaveLength(1), { timeout: 15_000 });
    const req = FakeWebSocket.last().requests()[0]!;
    expect(req.command).toBe('engine.hello');
    FakeWebSocket.last().serverSend({ type: 'response', id: req.id, ok: true, result: { engineVersion: '1.2.3', pid: 1, libraryDir: '/l' } });
    await expect(info).resolves.toEqual({ version: '1.2.3', platform: 'Linux x86_64', host: 'browser' });
  });

  it('routes file dialogs to the in-page dialog (null while none is mounted)', async () => {
    const api = createBridge(fakeWindow());
    expect(await api.app('dialog:openFile', { title: 'Pick', filters: [] })).toBeNull();
    const off = fileDialogs.subscribe(() => undefined);
    const answer = api.app('dialog:openFile', { title: 'Choose an ISO', filters: [{ name: 'ISO', extensions: ['iso'] }], defaultPath: '/home/u' });
    const req = fileDialogs.current();
    expect(req).toMatchObject({ mode: 'file', title: 'Choose an ISO', defaultPath: '/home/u' });
    req!.resolve('/home/u/a.iso');
    await expect(answer).resolves.toBe('/home/u/a.iso');
    const folder = api.app('dialog:chooseFolder', { title: 'Where' });
    expect(fileDialogs.current()).toMatchObject({ mode: 'folder' });
    off(); // unmounting the dialog cancels what is open
    await expect(folder).resolves.toBeNull();
  });
});

describe('Electron bridge', () => {
  const preload = (): PreloadApiLike & { statusListener?: (s: { state: 'restarting' | 'ready' | 'failed'; attempt: number }) => void } => {
    const p: PreloadApiLike & { statusListener?: (s: { state: 'restarting' | 'ready' | 'failed'; attempt: number }) => void } = {
      version: '1.0.0',
      invoke: vi.fn(async (channel: string) => (channel === 'app:info' ? { version: '1.0.0', platform: 'linux', host: 'electron' } : null)) as unknown as PreloadApiLike['invoke'],
      onEngineStatus: (l) => {
        p.statusListener = l;
        return () => undefined;
      },
    };
    return p;
  };

  it('uses the engine port the preload posts, and window.hangar.invoke for app calls', async () => {
    const p = preload();
    const win = fakeWindow(p);
    const api = createBridge(win);
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(api.connection()).toBe('connecting');
    const channel = new MessageChannel();
    // Messages from other sources or of another kind are ignored.
    win.fireMessage({ source: {}, data: { kind: ENGINE_PORT_MESSAGE }, ports: [channel.port1] });
    win.fireMessage({ source: win, data: { kind: 'other' }, ports: [channel.port1] });
    expect(api.connection()).toBe('connecting');
    win.fireMessage({ source: win, data: { kind: ENGINE_PORT_MESSAGE }, ports: [channel.port1] });
    expect(api.connection()).toBe('open');
    channel.port2.onmessage = (e) => {
      const req = e.data as { id: number };
      channel.port2.postMessage({ type: 'response', id: req.id, ok: true, result: [{ id: 'vm' }] });
    };
    await expect(api.call('library.list', {})).resolves.toEqual([{ id: 'vm' }]);
    await expect(api.app('app:info', undefined)).resolves.toMatchObject({ host: 'electron' });
    expect(p.invoke).toHaveBeenCalledWith('app:info', undefined);
    // The shell says the engine restarts: the port is dropped until a new one arrives.
    p.statusListener!({ state: 'restarting', attempt: 1 });
    expect(api.connection()).toBe('closed');
    const second = new MessageChannel();
    win.fireMessage({ source: win, data: { kind: ENGINE_PORT_MESSAGE }, ports: [second.port1] });
    expect(api.connection()).toBe('open');
    channel.port2.close();
    second.port1.close();
  });

  it('passes application-menu commands from the preload; the browser host has none', () => {
    let menuListener: ((c: 'vm.new') => void) | undefined;
    const p = { ...preload(), onMenuCommand: (l: (c: 'vm.new') => void) => ((menuListener = l), () => (menuListener = undefined)) };
    const got: string[] = [];
    const off = createBridge(fakeWindow(p as PreloadApiLike)).onMenuCommand((c) => got.push(c));
    menuListener!('vm.new');
    expect(got).toEqual(['vm.new']);
    off();
    expect(menuListener).toBeUndefined();
    const browser = createBridge(fakeWindow());
    expect(typeof browser.onMenuCommand(() => undefined)).toBe('function');
  });

  it('keeps files opened before anyone listens and hands them to the first listener; drops malformed ones', () => {
    let push: ((r: unknown) => void) | undefined;
    const p = { ...preload(), onOpenRequest: (l: (r: unknown) => void) => ((push = l), () => undefined) };
    const api = createBridge(fakeWindow(p as PreloadApiLike));
    push!({ kind: 'iso', path: '/isos/a.iso' });
    push!({ kind: 'iso', path: 'relative.iso' });
    const got: unknown[] = [];
    const off = api.onOpenRequest((r) => got.push(r));
    expect(got).toEqual([{ kind: 'iso', path: '/isos/a.iso' }]);
    push!({ kind: 'bundle', path: '/vms/b.hangar' });
    expect(got).toEqual([{ kind: 'iso', path: '/isos/a.iso' }, { kind: 'bundle', path: '/vms/b.hangar' }]);
    off();
    push!({ kind: 'error', message: 'later' });
    expect(got).toHaveLength(2);
    expect(typeof createBridge(fakeWindow()).onOpenRequest(() => undefined)).toBe('function');
  });
});

describe('file dialog host', () => {
  it('shows requests one at a time, oldest first', async () => {
    const host = new FileDialogHost();
    const seen: Array<string | null> = [];
    const off = host.subscribe((r) => seen.push(r?.title ?? null));
    const a = host.request({ mode: 'file', title: 'A', filters: [] });
    const b = host.request({ mode: 'folder', title: 'B', filters: [] });
    expect(host.current()?.title).toBe('A');
    host.current()!.resolve('/a');
    expect(host.current()?.title).toBe('B');
    host.current()!.resolve(null);
    await expect(a).resolves.toBe('/a');
    await expect(b).resolves.toBeNull();
    expect(seen).toEqual(['A', 'B', null]);
    off();
  });

  it('filters by extension', () => {
    expect(matchesFilters('debian.ISO', [{ name: 'ISO', extensions: ['iso'] }])).toBe(true);
    expect(matchesFilters('disk.qcow2', [{ name: 'ISO', extensions: ['iso', 'img'] }])).toBe(false);
    expect(matchesFilters('x', [{ name: 'All', extensions: ['*'] }])).toBe(true);
    expect(matchesFilters('x', [])).toBe(true);
  });
});
