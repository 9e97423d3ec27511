// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineConnection, defaultBackoff, type Connector } from '../../../../src-renderer/bridge/engine-connection.js';
import { webSocketTransport } from '../../../../src-renderer/bridge/transports.js';
import { FakeWebSocket } from './fake-websocket.js';

/** A connector over FakeWebSockets, like the browser bridge's. */
const wsConnector: Connector = ({ open, fail }) => {
  const ws = new FakeWebSocket('ws://127.0.0.1:1/engine');
  let opened = false;
  ws.addEventListener('open', () => {
    opened = true;
    open(webSocketTransport(ws));
  });
  ws.addEventListener('close', () => {
    if (!opened) fail('refused');
  });
  return () => undefined;
};

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => vi.useRealTimers());

describe('EngineConnection', () => {
  it('starts connecting, then opens; calls wait for the connection', async () => {
    const conn = new EngineConnection(wsConnector).start();
    const states: string[] = [];
    conn.onConnectionChange((s) => states.push(s));
    expect(conn.connection()).toBe('connecting');
    const result = conn.call('library.list', {});
    FakeWebSocket.last().serverOpen();
    expect(conn.connection()).toBe('open');
    await vi.waitFor(() => expect(FakeWebSocket.last().sent).toHaveLength(1), { timeout: 15_000 });
    const req = FakeWebSocket.last().requests()[0]!;
    expect(req.command).toBe('library.list');
    FakeWebSocket.last().serverSend({ type: 'response', id: req.id, ok: true, result: ['x'] });
    await expect(result).resolves.toEqual(['x']);
    expect(states).toEqual(['open']);
  });

  it('a call with a connection names it in the request; other calls go to This computer', async () => {
    const conn = new EngineConnection(wsConnector).start();
    FakeWebSocket.last().serverOpen();
    // Left unanswered: they fail when the connection is disposed below.
    conn.call('vm.start', { vm: 'web' }, 'lab').catch(() => undefined);
    conn.call('vm.start', { vm: 'web' }).catch(() => undefined);
    await vi.waitFor(() => expect(FakeWebSocket.last().sent).toHaveLength(2), { timeout: 15_000 });
    const [onLab, local] = FakeWebSocket.last().requests() as Array<Record<string, unknown>>;
    expect(onLab).toMatchObject({ command: 'vm.start', connection: 'lab' });
    expect(local).not.toHaveProperty('connection');
    conn.dispose();
  });

  it('reconnects with growing backoff after failed attempts, and resets it once open', async () => {
    const delays = [100, 200, 400, 800];
    const conn = new EngineConnection(wsConnector, { backoffMs: (n) => delays[Math.min(n, delays.length - 1)]! }).start();
    const states: string[] = [];
    conn.onConnectionChange((s) => states.push(s));
    FakeWebSocket.last().serverClose(); // attempt 1 refused
    expect(conn.connection()).toBe('closed');
    await vi.advanceTimersByTimeAsync(99);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(conn.connection()).toBe('connecting');
    FakeWebSocket.last().serverClose(); // attempt 2 refused: waits 200
    await vi.advanceTimersByTimeAsync(199);
    expect(FakeWebSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last().serverOpen();
    expect(conn.connection()).toBe('open');
    // Lost after being open: the backoff starts again from the first delay.
    FakeWebSocket.last().serverClose(1011, 'engine gone');
    expect(conn.connection()).toBe('closed');
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeWebSocket.instances).toHaveLength(4);
    FakeWebSocket.last().serverOpen();
    expect(states).toEqual(['closed', 'connecting', 'closed', 'connecting', 'open', 'closed', 'connecting', 'open']);
  });

  it('the default backoff doubles from 250 ms up to 10 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(defaultBackoff)).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('fails calls in flight when the connection drops, and keeps event listeners across reconnects', async () => {
    const conn = new EngineConnection(wsConnector, { backoffMs: () => 10 }).start();
    const events: unknown[] = [];
    conn.onEvent((e) => events.push(e));
    FakeWebSocket.last().serverOpen();
    const inFlight = conn.call('vm.start', { vm: 'a' });
    await vi.waitFor(() => expect(FakeWebSocket.last().sent).toHaveLength(1), { timeout: 15_000 });
    FakeWebSocket.last().serverClose();
    await expect(inFlight).rejects.toMatchObject({ code: 'io' });
    await vi.advanceTimersByTimeAsync(10);
    FakeWebSocket.last().serverOpen();
    FakeWebSocket.last().serverSend({ type: 'event', event: { type: 'vm.state', vmId: 'a', seq: 1, state: { kind: 'running' } } });
    expect(events).toEqual([{ type: 'vm.state', vmId: 'a', seq: 1, state: { kind: 'running' } }]);
  });

  it('a call made while disconnected fails after waitForOpenMs', async () => {
    const conn = new EngineConnection(wsConnector, { waitForOpenMs: 1000, backoffMs: () => 60_000 }).start();
    FakeWebSocket.last().serverClose();
    const p = conn.call('library.list', {});
    const check = expect(p).rejects.toMatchObject({ code: 'io', message: expect.stringContaining('not connected') });
    await vi.advanceTimersByTimeAsync(1000);
    await check;
  });

  it('adopt() swaps in a pushed transport (Electron ports) and closes the old one', async () => {
    const conn = new EngineConnection(() => () => undefined).start();
    expect(conn.connection()).toBe('connecting');
    const a = new FakeWebSocket('a');
    a.serverOpen();
    conn.adopt(webSocketTransport(a));
    expect(conn.connection()).toBe('open');
    const b = new FakeWebSocket('b');
    b.serverOpen();
    conn.adopt(webSocketTransport(b));
    expect(a.closedByPage).toBe(true);
    expect(conn.connection()).toBe('open');
    const pending = conn.call('library.list', {});
    await vi.waitFor(() => expect(b.sent).toHaveLength(1), { timeout: 15_000 });
    expect(a.sent).toHaveLength(0);
    conn.drop();
    expect(conn.connection()).toBe('closed');
    await expect(pending).rejects.toMatchObject({ code: 'io' });
  });

  it('dispose() stops reconnecting and rejects waiting calls', async () => {
    const conn = new EngineConnection(wsConnector, { backoffMs: () => 10 }).start();
    const p = conn.call('library.list', {});
    conn.dispose();
    await expect(p).rejects.toMatchObject({ code: 'io' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(conn.connection()).toBe('closed');
  });
});
