// A small stand-in for the `electron` module: records what the shell code asks of it.
// Use with: vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron())
// (each test file gets its own module registry, so state is per file; call reset() between tests).
import { vi } from 'vitest';

type Listener = (...args: unknown[]) => unknown;

export class FakeEmitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  once(event: string, fn: Listener): this {
    const wrapped: Listener = (...args) => {
      this.off(event, wrapped);
      return fn(...args);
    };
    return this.on(event, wrapped);
  }
  off(event: string, fn: Listener): this {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l !== fn));
    return this;
  }
  removeListener(event: string, fn: Listener): this {
    return this.off(event, fn);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) fn(...args);
  }
  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

export class FakeSession extends FakeEmitter {
  setPermissionRequestHandler = vi.fn();
  setPermissionCheckHandler = vi.fn();
  setDevicePermissionHandler = vi.fn();
}

let nextPortId = 1;
export class FakeMessagePortMain extends FakeEmitter {
  readonly id = nextPortId++;
  postMessage = vi.fn();
  start = vi.fn();
  close = vi.fn();
  /** The other end of the channel (set by FakeMessageChannelMain). */
  peer: FakeMessagePortMain | null = null;
}

export class FakeMessageChannelMain {
  static created: FakeMessageChannelMain[] = [];
  port1 = new FakeMessagePortMain();
  port2 = new FakeMessagePortMain();
  constructor() {
    this.port1.peer = this.port2;
    this.port2.peer = this.port1;
    FakeMessageChannelMain.created.push(this);
  }
}

export class FakeUtilityProcess extends FakeEmitter {
  static instances: FakeUtilityProcess[] = [];
  stdout = new FakeEmitter();
  stderr = new FakeEmitter();
  postMessage = vi.fn();
  /** Like Electron: kill() ends the process; the test decides when 'exit' arrives unless autoExitOnKill. */
  kill = vi.fn(() => {
    if (this.autoExitOnKill) queueMicrotask(() => this.emit('exit', 0));
    return true;
  });
  autoExitOnKill = true;
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: Record<string, unknown>,
  ) {
    super();
    FakeUtilityProcess.instances.push(this);
  }
  /** The engine says it is ready (what src-main/engine/main.ts posts on parentPort). */
  ready(libraryDir = '/lib'): void {
    this.emit('message', { type: 'engine-ready', libraryDir, controlSocket: '/run/hangar/control.sock' });
  }
  /** Ports handed over with `attach-port`, oldest first. */
  attachedPorts(): FakeMessagePortMain[] {
    return this.postMessage.mock.calls
      .filter(([msg]) => (msg as { type?: string }).type === 'attach-port')
      .map(([, transfer]) => (transfer as FakeMessagePortMain[])[0]!);
  }
}

export class FakeWebContents extends FakeEmitter {
  session = new FakeSession();
  url = 'app://hangar/index.html';
  destroyed = false;
  setWindowOpenHandler = vi.fn();
  send = vi.fn();
  postMessage = vi.fn();
  getURL = vi.fn(() => this.url);
  isDestroyed = vi.fn(() => this.destroyed);
  /** Simulates a finished page load. */
  load(url = this.url): void {
    this.url = url;
    this.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url });
    this.emit('did-finish-load');
  }
  /** Ports sent on `engine:port`, oldest first. */
  enginePorts(): FakeMessagePortMain[] {
    return this.postMessage.mock.calls.filter(([ch]) => ch === 'engine:port').map(([, , transfer]) => (transfer as FakeMessagePortMain[])[0]!);
  }
  statuses(): unknown[] {
    return this.send.mock.calls.filter(([ch]) => ch === 'engine:status').map(([, s]) => s);
  }
}

export class FakeBrowserWindow extends FakeEmitter {
  static instances: FakeBrowserWindow[] = [];
  static focused: FakeBrowserWindow | null = null;
  static getAllWindows = (): FakeBrowserWindow[] => FakeBrowserWindow.instances.filter((w) => !w.destroyed);
  static getFocusedWindow = (): FakeBrowserWindow | null => FakeBrowserWindow.focused;
  static fromWebContents = (wc: unknown): FakeBrowserWindow | null => FakeBrowserWindow.instances.find((w) => w.webContents === wc) ?? null;
  webContents = new FakeWebContents();
  destroyed = false;
  bounds = { x: 10, y: 20, width: 1000, height: 700 };
  loadURL = vi.fn(async (_url: string) => undefined);
  show = vi.fn();
  focus = vi.fn();
  restore = vi.fn();
  maximize = vi.fn();
  isMinimized = vi.fn(() => false);
  isMaximized = vi.fn(() => false);
  isDestroyed = vi.fn(() => this.destroyed);
  getNormalBounds = vi.fn(() => ({ ...this.bounds }));
  constructor(public readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  close(): void {
    this.emit('close', { preventDefault: vi.fn() });
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

export function createFakeElectron() {
  const app = Object.assign(new FakeEmitter(), {
    lock: true,
    name: 'Hangar',
    isPackaged: false,
    requestSingleInstanceLock: vi.fn((): boolean => app.lock),
    quit: vi.fn(),
    exit: vi.fn(),
    enableSandbox: vi.fn(),
    getVersion: vi.fn(() => '9.9.9'),
    getPath: vi.fn((_name: string) => '/tmp/hangar-fake-user-data'),
    whenReady: vi.fn(() => Promise.resolve()),
    showAboutPanel: vi.fn(),
    setAboutPanelOptions: vi.fn(),
  });
  const defaultSession = new FakeSession();
  const ipcMainHandlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const fake = {
    app,
    BrowserWindow: FakeBrowserWindow,
    MessageChannelMain: FakeMessageChannelMain,
    session: { defaultSession },
    screen: { getAllDisplays: vi.fn(() => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }]) },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    net: { fetch: vi.fn(async (url: string) => new Response(`file ${url}`, { headers: { 'content-type': 'text/javascript' } })) },
    utilityProcess: {
      fork: vi.fn((modulePath: string, args: string[] = [], options: Record<string, unknown> = {}) => new FakeUtilityProcess(modulePath, args, options)),
    },
    ipcMain: {
      handlers: ipcMainHandlers,
      handle: vi.fn((channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) => void ipcMainHandlers.set(channel, fn)),
      removeHandler: vi.fn((channel: string) => void ipcMainHandlers.delete(channel)),
    },
    dialog: {
      showOpenDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePaths: ['/isos/debian.iso'] })),
      showMessageBox: vi.fn(async (..._args: unknown[]) => ({ response: 2, checkboxChecked: false })),
    },
    Menu: {
      buildFromTemplate: vi.fn((template: unknown) => ({ template })),
      setApplicationMenu: vi.fn(),
    },
    // Preload side.
    contextBridge: { exposeInMainWorld: vi.fn() },
    ipcRenderer: Object.assign(new FakeEmitter(), { invoke: vi.fn(async (..._args: unknown[]) => undefined) }),
    reset(): void {
      FakeBrowserWindow.instances = [];
      FakeBrowserWindow.focused = null;
      FakeUtilityProcess.instances = [];
      FakeMessageChannelMain.created = [];
      app.lock = true;
      app.listeners.clear();
      ipcMainHandlers.clear();
      fake.ipcRenderer.listeners.clear();
      vi.clearAllMocks();
    },
  };
  return fake;
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
