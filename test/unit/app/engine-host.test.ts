// The engine runs in a utility process; the host forks it, hands out ports and supervises it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import type { BrowserWindow } from 'electron';
import { FakeBrowserWindow, FakeUtilityProcess, type FakeElectron } from './fake-electron.js';
import { backoffDelay, EngineHost } from '../../../src-main/app/engine-host.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

function host(): EngineHost {
  return new EngineHost({ modulePath: '/app/out/main/engine.js', args: ['--library', '/lib'], log: () => undefined });
}
function window(): FakeBrowserWindow {
  return new FakeBrowserWindow({});
}
function engines(): FakeUtilityProcess[] {
  return FakeUtilityProcess.instances;
}
function latest(): FakeUtilityProcess {
  return engines().at(-1)!;
}

/** A started host with two loaded windows, then engine-ready. */
function twoLoadedWindowsReady(): { h: EngineHost; a: FakeBrowserWindow; b: FakeBrowserWindow } {
  const h = host();
  const a = window();
  const b = window();
  h.addWindow(a as unknown as BrowserWindow);
  h.addWindow(b as unknown as BrowserWindow);
  h.start();
  a.webContents.load();
  b.webContents.load();
  latest().ready();
  return { h, a, b };
}

describe('EngineHost', () => {
  beforeEach(() => {
    fake.reset();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('forks out/main/engine.js as a utility process with --library and a service name', () => {
    host().start();
    expect(fake.utilityProcess.fork).toHaveBeenCalledWith('/app/out/main/engine.js', ['--library', '/lib'], { serviceName: 'hangar-engine', stdio: 'pipe' });
  });

  it('after engine-ready: main gets its own port, and a loaded window gets port2 while the engine gets port1 with attach-port', () => {
    const h = host();
    const win = window();
    h.addWindow(win as unknown as BrowserWindow);
    h.start();
    win.webContents.load();
    expect(win.webContents.enginePorts()).toHaveLength(0); // not ready yet: nothing to hand over

    latest().ready();
    expect(h.client).not.toBeNull();
    expect(h.libraryDir).toBe('/lib');
    const attached = latest().attachedPorts();
    expect(attached).toHaveLength(2); // main's own + the window's
    const [port2] = win.webContents.enginePorts();
    expect(port2).toBeDefined();
    // The window's port is the other end of the channel whose port1 went to the engine.
    expect(port2!.peer).toBe(attached[1]);
    expect(latest().postMessage).toHaveBeenLastCalledWith({ type: 'attach-port' }, [attached[1]]);
    expect(win.webContents.postMessage).toHaveBeenCalledWith('engine:port', null, [port2]);
    expect(win.webContents.statuses()).toEqual([{ state: 'ready', attempt: 0 }]);
  });

  it('a window that loads after the engine is ready gets a port at once; a reload gets a new one', () => {
    const h = host();
    h.start();
    latest().ready();
    const win = window();
    h.addWindow(win as unknown as BrowserWindow);
    win.webContents.load();
    win.webContents.load();
    const ports = win.webContents.enginePorts();
    expect(ports).toHaveLength(2);
    expect(ports[0]).not.toBe(ports[1]);
  });

  it('each window gets its own port', () => {
    const { a, b } = twoLoadedWindowsReady();
    expect(a.webContents.enginePorts()).toHaveLength(1);
    expect(b.webContents.enginePorts()).toHaveLength(1);
    expect(a.webContents.enginePorts()[0]).not.toBe(b.webContents.enginePorts()[0]);
  });

  it('never hands an engine port to a page that is not app://hangar', () => {
    const h = host();
    h.start();
    latest().ready();
    const win = window();
    h.addWindow(win as unknown as BrowserWindow);
    win.webContents.load('https://evil.example/');
    expect(win.webContents.enginePorts()).toHaveLength(0);
  });

  it('restarts after an unexpected exit with exponential backoff, tells windows, and re-issues ports', () => {
    const { h, a, b } = twoLoadedWindowsReady();
    const firstPorts = [a.webContents.enginePorts()[0], b.webContents.enginePorts()[0]];

    // Crash 1: restart after 0.5 s.
    latest().emit('exit', 134);
    expect(h.client).toBeNull();
    for (const w of [a, b]) expect(w.webContents.statuses().at(-1)).toEqual({ state: 'restarting', attempt: 1 });
    vi.advanceTimersByTime(499);
    expect(engines()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(engines()).toHaveLength(2);

    // Crash 2 before it got ready: 1 s; crash 3: 2 s.
    latest().emit('exit', 1);
    expect(a.webContents.statuses().at(-1)).toEqual({ state: 'restarting', attempt: 2 });
    vi.advanceTimersByTime(999);
    expect(engines()).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(engines()).toHaveLength(3);
    latest().emit('exit', 1);
    vi.advanceTimersByTime(1999);
    expect(engines()).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(engines()).toHaveLength(4);

    // Comes up: every window is told and gets a fresh port to the new engine.
    latest().ready();
    expect(h.client).not.toBeNull();
    for (const [i, w] of [a, b].entries()) {
      expect(w.webContents.statuses().at(-1)).toEqual({ state: 'ready', attempt: 3 });
      const ports = w.webContents.enginePorts();
      expect(ports).toHaveLength(2);
      expect(ports[1]).not.toBe(firstPorts[i]);
      expect(latest().attachedPorts()).toContain(ports[1]!.peer);
    }
  });

  it('resets the backoff after the engine stays up for 60 s', () => {
    const h = host();
    h.start();
    latest().ready();
    latest().emit('exit', 1);
    vi.advanceTimersByTime(500);
    latest().emit('exit', 1); // attempt 2 → 1 s
    vi.advanceTimersByTime(1000);
    latest().ready();
    vi.advanceTimersByTime(60_000); // stable: counter back to 0
    latest().emit('exit', 1);
    expect(h.status).toEqual({ state: 'restarting', attempt: 1 });
    const before = engines().length;
    vi.advanceTimersByTime(500);
    expect(engines()).toHaveLength(before + 1);
  });

  it('caps the delay at 30 s and gives up with state failed after maxAttempts', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const h = new EngineHost({ modulePath: '/e.js', backoff: { maxAttempts: 3 }, log: () => undefined });
    const win = window();
    h.addWindow(win as unknown as BrowserWindow);
    h.start();
    win.webContents.load();
    for (let i = 0; i < 3; i++) {
      latest().emit('exit', 1);
      vi.advanceTimersByTime(30_000);
    }
    expect(engines()).toHaveLength(4);
    latest().emit('exit', 1);
    expect(win.webContents.statuses().at(-1)).toEqual({ state: 'failed', attempt: 3 });
    vi.advanceTimersByTime(120_000);
    expect(engines()).toHaveLength(4);
  });

  it('kills an engine that never becomes ready (and restarts it)', () => {
    const h = new EngineHost({ modulePath: '/e.js', readyTimeoutMs: 1000, log: () => undefined });
    h.start();
    vi.advanceTimersByTime(1000);
    expect(engines()[0]!.kill).toHaveBeenCalled();
  });

  it('stop() ends the engine with kill() and does not restart it', async () => {
    const h = host();
    h.start();
    latest().ready();
    const engine = latest();
    await h.stop();
    expect(engine.kill).toHaveBeenCalled();
    vi.advanceTimersByTime(120_000);
    expect(engines()).toHaveLength(1);
    expect(h.client).toBeNull();
  });
});
