// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { EngineClient } from '../../../../src-shared/contract/index.js';
import { messagePortTransport, webSocketTransport, type MessagePortLike } from '../../../../src-renderer/bridge/transports.js';
import { FakeWebSocket } from './fake-websocket.js';

describe('WebSocket transport', () => {
  it('sends one JSON text frame per message and parses incoming frames', () => {
    const ws = new FakeWebSocket('ws://x/engine');
    ws.serverOpen();
    const t = webSocketTransport(ws);
    const got: unknown[] = [];
    t.onMessage((m) => got.push(m));
    t.send({ type: 'request', id: 1, command: 'library.list', args: {} });
    expect(ws.sent).toEqual(['{"type":"request","id":1,"command":"library.list","args":{}}']);
    ws.serverSend({ type: 'event', event: { type: 'engine.log', level: 'info', message: 'x' } });
    ws.serverSend('not json');
    ws.serverSend('{"a":1}');
    expect(got).toEqual([{ type: 'event', event: { type: 'engine.log', level: 'info', message: 'x' } }, { a: 1 }]);
  });

  it('reports the close once, and refuses to send after it', () => {
    const ws = new FakeWebSocket('ws://x/engine');
    ws.serverOpen();
    const t = webSocketTransport(ws);
    const closes = vi.fn();
    t.onClose(closes);
    ws.serverClose(1011, 'engine connection closed');
    ws.serverClose(1011, 'again');
    expect(closes).toHaveBeenCalledTimes(1);
    expect(closes).toHaveBeenCalledWith('engine connection closed');
    expect(() => t.send({})).toThrow(/not open/);
  });

  it('carries an EngineClient: results, errors, and in-flight calls failing on close', async () => {
    const ws = new FakeWebSocket('ws://x/engine');
    ws.serverOpen();
    const client = new EngineClient(webSocketTransport(ws));
    const p1 = client.call('library.list', {});
    const p2 = client.call('vm.start', { vm: 'a' });
    const p3 = client.call('host.info', {});
    const [r1, r2] = ws.requests();
    ws.serverSend({ type: 'response', id: r1!.id, ok: true, result: [] });
    ws.serverSend({ type: 'response', id: r2!.id, ok: false, error: { code: 'start-refused', message: 'no disk' } });
    await expect(p1).resolves.toEqual([]);
    await expect(p2).rejects.toMatchObject({ code: 'start-refused', message: 'no disk' });
    ws.serverClose();
    await expect(p3).rejects.toMatchObject({ code: 'io' });
  });
});

describe('MessagePort transport', () => {
  it('passes structured messages both ways over a real MessageChannel', async () => {
    const channel = new MessageChannel();
    const t = messagePortTransport(channel.port1 as unknown as MessagePortLike);
    const got: unknown[] = [];
    t.onMessage((m) => got.push(m));
    const other: unknown[] = [];
    channel.port2.onmessage = (e) => other.push(e.data);
    t.send({ type: 'request', id: 1, command: 'library.list', args: { nested: [1, 2] } });
    channel.port2.postMessage({ type: 'response', id: 1, ok: true, result: [{ id: 'a' }] });
    await vi.waitFor(() => expect(got).toHaveLength(1), { timeout: 15_000 });
    await vi.waitFor(() => expect(other).toHaveLength(1), { timeout: 15_000 });
    expect(other[0]).toEqual({ type: 'request', id: 1, command: 'library.list', args: { nested: [1, 2] } });
    expect(got[0]).toEqual({ type: 'response', id: 1, ok: true, result: [{ id: 'a' }] });
    t.close();
    channel.port2.close();
  });

  it('closing reports once and stops delivery and sending', () => {
    const listeners: Record<string, (ev: { data: unknown }) => void> = {};
    const port: MessagePortLike = {
      postMessage: vi.fn(),
      start: vi.fn(),
      close: vi.fn(),
      addEventListener: (type: string, l: (ev: { data: unknown }) => void) => void (listeners[type] = l),
    } as unknown as MessagePortLike;
    const t = messagePortTransport(port);
    expect(port.start).toHaveBeenCalled();
    const closes = vi.fn();
    const got = vi.fn();
    t.onClose(closes);
    t.onMessage(got);
    listeners['message']!({ data: 1 });
    listeners['close']!({ data: undefined });
    listeners['message']!({ data: 2 });
    t.close();
    expect(got).toHaveBeenCalledTimes(1);
    expect(closes).toHaveBeenCalledTimes(1);
    expect(() => t.send({})).toThrow(/closed/);
  });
});
