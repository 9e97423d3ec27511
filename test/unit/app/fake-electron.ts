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
    return this.on(event, fn);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }
}

export class FakeSession {
  setPermissionRequestHandler = vi.fn();
  setPermissionCheckHandler = vi.fn();
}

export class FakeWebContents extends FakeEmitter {
  session = new FakeSession();
  setWindowOpenHandler = vi.fn();
}

export class FakeBrowserWindow extends FakeEmitter {
  static instances: FakeBrowserWindow[] = [];
  static getAllWindows = (): FakeBrowserWindow[] => FakeBrowserWindow.instances;
  webContents = new FakeWebContents();
  loadURL = vi.fn(async (_url: string) => undefined);
  show = vi.fn();
  focus = vi.fn();
  restore = vi.fn();
  isMinimized = vi.fn(() => false);
  constructor(public readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
}

export function createFakeElectron() {
  const app = Object.assign(new FakeEmitter(), {
    lock: true,
    requestSingleInstanceLock: vi.fn((): boolean => app.lock),
    quit: vi.fn(),
    getVersion: vi.fn(() => '9.9.9'),
    whenReady: vi.fn(() => Promise.resolve()),
  });
  const defaultSession = new FakeSession();
  const fake = {
    app,
    BrowserWindow: FakeBrowserWindow,
    session: { defaultSession },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    net: { fetch: vi.fn(async (url: string) => new Response(`file ${url}`)) },
    ipcMain: { handle: vi.fn() },
    reset(): void {
      FakeBrowserWindow.instances = [];
      app.lock = true;
      app.listeners.clear();
      vi.clearAllMocks();
    },
  };
  return fake;
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
