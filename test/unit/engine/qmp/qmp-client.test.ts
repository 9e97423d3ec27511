import { afterEach, describe, expect, it } from 'vitest';
import { QmpClient, type QmpProtocolDiagnostic } from '../../../../src-main/engine/qmp/qmp-client.js';
import { qmpCommandsOf } from '../../../../src-main/engine/qmp/qmp-commands.js';
import {
  QmpCommandError,
  QmpConnectError,
  QmpDisconnectedError,
  QmpStateError,
  QmpTimeoutError,
} from '../../../../src-main/engine/qmp/qmp-errors.js';
import type { QmpState } from '../../../../src-main/engine/qmp/qmp-state.js';
import { FakeQmpPeer } from '../../../fakes/fake-qmp-peer.js';

const clients: QmpClient[] = [];

async function connected(options: ConstructorParameters<typeof QmpClient>[0] = {}): Promise<{ client: QmpClient; peer: FakeQmpPeer }> {
  const peer = new FakeQmpPeer();
  const client = new QmpClient(options);
  clients.push(client);
  await client.connect(peer.clientStream);
  return { client, peer };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('QmpClient connection', () => {
  it('walks idle → connecting → negotiating → running and captures the greeting', async () => {
    const peer = new FakeQmpPeer();
    const client = new QmpClient();
    clients.push(client);
    const states: QmpState[] = [];
    client.onStateChange((state) => states.push(state));
    expect(client.state).toBe('idle');
    const greeting = await client.connect(peer.clientStream);
    expect(states).toEqual(['connecting', 'negotiating', 'running']);
    expect(greeting.version.qemu).toEqual({ major: 7, minor: 2, micro: 22 });
    expect(client.greeting?.capabilities).toEqual(['oob']);
    expect(peer.received.map((c) => c.execute)).toEqual(['qmp_capabilities']);
  });

  it('rejects execute() before running with QmpStateError', async () => {
    const client = new QmpClient();
    const call = client.execute('query-status');
    await expect(call).rejects.toBeInstanceOf(QmpStateError);
    await expect(call).rejects.toMatchObject({ operation: 'execute(query-status)', required: ['running'], actual: 'idle' });
  });

  it('rejects a second connect() while running with QmpStateError', async () => {
    const { client } = await connected();
    await expect(client.connect(new FakeQmpPeer().clientStream)).rejects.toBeInstanceOf(QmpStateError);
  });

  it('fails connect with QmpConnectError when no greeting arrives in time', async () => {
    const peer = new FakeQmpPeer({ greeting: false });
    const client = new QmpClient();
    const error = await client.connect(peer.clientStream, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpConnectError);
    expect(String((error as Error).message)).toMatch(/timed out/);
    expect(client.state).toBe('disconnected');
  });

  it('fails connect with QmpConnectError when qmp_capabilities is refused', async () => {
    const peer = new FakeQmpPeer({ autoCapabilities: false });
    peer.handle('qmp_capabilities', () => ({ error: { class: 'CommandNotFound', desc: 'nope' } }));
    const client = new QmpClient();
    const error = await client.connect(peer.clientStream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpConnectError);
    expect((error as Error).cause).toBeInstanceOf(QmpCommandError);
    expect(client.state).toBe('disconnected');
  });

  it('fails connect when the peer hangs up before greeting', async () => {
    const peer = new FakeQmpPeer({ greeting: false });
    const client = new QmpClient();
    const pending = client.connect(peer.clientStream);
    peer.destroy();
    await expect(pending).rejects.toBeInstanceOf(QmpConnectError);
    expect(client.lastDisconnect?.reason).toMatch(/peer closed|closed/);
  });

  it('close() ends cleanly, resolves when the stream closes, and is idempotent', async () => {
    const { client, peer } = await connected();
    const states: QmpState[] = [];
    client.onStateChange((s) => states.push(s));
    const disconnects: string[] = [];
    client.onDisconnected((info) => disconnects.push(info.reason));
    await client.close();
    await peer.clientEnded();
    expect(states).toEqual(['disconnecting', 'disconnected']);
    expect(client.lastDisconnect).toMatchObject({ byClient: true, reason: 'closed by client' });
    expect(peer.clientStream.destroyed).toBe(true);
    await client.close();
    expect(disconnects).toEqual(['closed by client']);
  });

  it('close() destroys the stream when the peer never closes its side', async () => {
    const peer = new FakeQmpPeer({ closeOnClientEnd: false });
    const client = new QmpClient({ closeTimeoutMs: 20 });
    await client.connect(peer.clientStream);
    await client.close();
    expect(client.state).toBe('disconnected');
  });

  it('can connect again after a disconnect', async () => {
    const { client, peer } = await connected();
    peer.destroy();
    await client.waitForEvent('NEVER').catch(() => undefined);
    expect(client.state).toBe('disconnected');
    const second = new FakeQmpPeer();
    second.handle('query-status', () => ({ return: { running: false, singlestep: false, status: 'paused' } }));
    await client.connect(second.clientStream);
    await expect(client.execute('query-status')).resolves.toMatchObject({ status: 'paused' });
  });
});

describe('QmpClient commands', () => {
  it('matches replies by id when they arrive out of order', async () => {
    const { client, peer } = await connected();
    const a = client.execute('query-a');
    const b = client.execute('query-b', { x: 1 });
    const c = client.execute('query-c');
    const [ca, cb, cc] = [await peer.nextCommand(), await peer.nextCommand(), await peer.nextCommand()];
    expect(cb.arguments).toEqual({ x: 1 });
    expect(ca.arguments).toBeUndefined();
    expect(new Set([ca.id, cb.id, cc.id]).size).toBe(3);
    peer.reply(cc, 'C');
    peer.reply(ca, 'A');
    peer.reply(cb, 'B');
    await expect(Promise.all([a, b, c])).resolves.toEqual(['A', 'B', 'C']);
    expect(client.pendingCount).toBe(0);
  });

  it('turns {error:{class,desc}} into QmpCommandError', async () => {
    const { client, peer } = await connected();
    const call = client.execute('blockdev-change-medium', { id: 'cd0', filename: '/nope.iso' });
    peer.replyError(await peer.nextCommand(), 'GenericError', "Could not open '/nope.iso'");
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect(error).toMatchObject({ command: 'blockdev-change-medium', errorClass: 'GenericError', desc: "Could not open '/nope.iso'" });
  });

  it('delivers events that arrive between replies', async () => {
    const { client, peer } = await connected();
    const seen: string[] = [];
    client.on('*', (e) => seen.push(`*${e.event}`));
    client.on('RESET', (e) => seen.push(`RESET:${e.data.reason}`));
    const a = client.execute('a');
    const b = client.execute('b');
    const [ca, cb] = [await peer.nextCommand(), await peer.nextCommand()];
    peer.sendEvent('STOP');
    peer.reply(cb, 2);
    peer.sendEvent('RESET', { guest: false, reason: 'host-qmp-system-reset' });
    peer.reply(ca, 1);
    await expect(Promise.all([a, b])).resolves.toEqual([1, 2]);
    expect(seen).toEqual(['*STOP', 'RESET:host-qmp-system-reset', '*RESET']);
  });

  it('times out a command with QmpTimeoutError and reports the late reply as unmatched', async () => {
    const { client, peer } = await connected({ defaultTimeoutMs: 5_000 });
    const diagnostics: QmpProtocolDiagnostic[] = [];
    client.onProtocolError((d) => diagnostics.push(d));
    const call = client.execute('slow', undefined, { timeoutMs: 20 });
    const command = await peer.nextCommand();
    await expect(call).rejects.toBeInstanceOf(QmpTimeoutError);
    expect(client.pendingCount).toBe(0);
    peer.reply(command, 'late');
    await expect(ping(client, peer)).resolves.toBe('pong');
    expect(diagnostics.map((d) => d.kind)).toEqual(['unmatched-reply']);
  });

  it('aborts a command through its signal', async () => {
    const { client } = await connected();
    const controller = new AbortController();
    const call = client.execute('slow', undefined, { signal: controller.signal });
    controller.abort(new Error('user cancelled'));
    await expect(call).rejects.toThrow('user cancelled');
    expect(client.pendingCount).toBe(0);
  });

  it('rejects every pending call with QmpDisconnectedError when the peer goes away, and emits disconnected once', async () => {
    const { client, peer } = await connected();
    const disconnects: string[] = [];
    client.onDisconnected((info) => disconnects.push(info.reason));
    const calls = [client.execute('a'), client.execute('b')];
    await peer.nextCommand();
    await peer.nextCommand();
    peer.destroy();
    for (const call of calls) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QmpDisconnectedError);
      expect((error as QmpDisconnectedError).reason).toBe('peer closed the connection');
    }
    expect(client.state).toBe('disconnected');
    expect(disconnects).toEqual(['peer closed the connection']);
    await expect(client.execute('a')).rejects.toBeInstanceOf(QmpStateError);
  });

  it('reports a stream error as the disconnect reason', async () => {
    const { client, peer } = await connected();
    const call = client.execute('a');
    await peer.nextCommand();
    peer.clientStream.destroy(new Error('EPIPE-ish'));
    const error = (await call.catch((e: unknown) => e)) as QmpDisconnectedError;
    expect(error.reason).toBe('stream error: EPIPE-ish');
  });

  it('reports a garbage line as protocol-error and keeps working', async () => {
    const { client, peer } = await connected();
    const diagnostics: QmpProtocolDiagnostic[] = [];
    client.onProtocolError((d) => diagnostics.push(d));
    const call = client.execute('query-status');
    const command = await peer.nextCommand();
    peer.sendRaw('this is not JSON\r\n');
    peer.sendJson({ hello: 'world' });
    peer.reply(command, { status: 'running' });
    await expect(call).resolves.toEqual({ status: 'running' });
    expect(diagnostics.map((d) => d.kind)).toEqual(['parse-error', 'unexpected-message']);
    expect(diagnostics[0]?.excerpt).toBe('this is not JSON');
    expect(client.state).toBe('running');
  });

  it('reassembles replies split inside a JSON object and inside a UTF-8 character', async () => {
    const { client, peer } = await connected();
    const events: unknown[] = [];
    client.on('DEVICE_TRAY_MOVED', (e) => events.push(e.data));
    const call = client.execute('human-monitor-command', { 'command-line': 'info snapshots' });
    const command = await peer.nextCommand();
    const reply = Buffer.from(`${JSON.stringify({ return: 'tag ünïcode 🚀', id: command.id })}\r\n`);
    const event = Buffer.from(`${JSON.stringify({ event: 'DEVICE_TRAY_MOVED', data: { device: '', id: 'cd0', 'tray-open': true }, timestamp: { seconds: 1, microseconds: 2 } })}\n`);
    const all = Buffer.concat([event, reply]);
    const rocket = event.length + reply.indexOf(0xf0);
    peer.sendSplit(all, [5, event.length - 3, event.length + 10, rocket + 2, rocket + 3]);
    await expect(call).resolves.toBe('tag ünïcode 🚀');
    expect(events).toEqual([{ device: '', id: 'cd0', 'tray-open': true }]);
  });
});

describe('QmpClient events', () => {
  it('expectEvent registered before execute resolves even when the event precedes the reply', async () => {
    const { client, peer } = await connected();
    peer.handle('stop', (_cmd, p) => {
      p.sendEvent('STOP'); // QEMU emits STOP before answering stop
      return { return: {} };
    });
    const stopped = client.expectEvent('STOP');
    await client.execute('stop');
    const event = await stopped;
    expect(event.event).toBe('STOP');
    expect(event.data).toEqual({});
    expect(client.eventListenerCount).toBe(0);
  });

  it('filters with a predicate and types the payload', async () => {
    const { client, peer } = await connected();
    const concluded = client.expectEvent('JOB_STATUS_CHANGE', { predicate: (e) => e.data.id === 'j1' && e.data.status === 'concluded' });
    peer.sendEvent('JOB_STATUS_CHANGE', { id: 'j2', status: 'concluded' });
    peer.sendEvent('JOB_STATUS_CHANGE', { id: 'j1', status: 'running' });
    peer.sendEvent('JOB_STATUS_CHANGE', { id: 'j1', status: 'concluded' });
    await expect(concluded).resolves.toMatchObject({ data: { id: 'j1', status: 'concluded' } });
  });

  it('cleans up listeners on timeout, abort and cancel', async () => {
    const { client } = await connected();
    const timedOut = client.expectEvent('SHUTDOWN', { timeoutMs: 10 });
    await expect(timedOut).rejects.toBeInstanceOf(QmpTimeoutError);
    const controller = new AbortController();
    const aborted = client.waitForEvent('RESUME', { signal: controller.signal, timeoutMs: Infinity });
    const cancelled = client.expectEvent('STOP', { timeoutMs: Infinity });
    expect(client.eventListenerCount).toBe(2);
    controller.abort();
    cancelled.cancel();
    await expect(aborted).rejects.toThrow();
    await expect(cancelled).rejects.toThrow(/stopped waiting/);
    expect(client.eventListenerCount).toBe(0);
  });

  it('an expectation nobody awaits does not become an unhandled rejection', async () => {
    const { client } = await connected();
    client.expectEvent('STOP', { timeoutMs: 5 });
    await client.waitForEvent('NEVER', { timeoutMs: 20 }).catch(() => undefined);
    expect(client.eventListenerCount).toBe(0);
  });

  it('rejects waiting expectations with QmpDisconnectedError on disconnect, and new ones immediately', async () => {
    const { client, peer } = await connected();
    const shutdown = client.expectEvent('SHUTDOWN', { timeoutMs: Infinity });
    peer.destroy();
    await expect(shutdown).rejects.toBeInstanceOf(QmpDisconnectedError);
    await expect(client.expectEvent('STOP')).rejects.toBeInstanceOf(QmpDisconnectedError);
    expect(client.eventListenerCount).toBe(0);
  });

  it('SHUTDOWN then reply then hang-up, as QEMU does on quit', async () => {
    const { client, peer } = await connected();
    peer.handle('quit', (_cmd, p) => {
      p.sendEvent('SHUTDOWN', { guest: false, reason: 'host-qmp-quit' });
      queueMicrotask(() => p.destroy());
      return { return: {} };
    });
    const shutdown = client.expectEvent('SHUTDOWN');
    const gone = new Promise((resolve) => client.onDisconnected(resolve));
    await client.execute('quit');
    await expect(shutdown).resolves.toMatchObject({ data: { reason: 'host-qmp-quit' } });
    await gone;
    expect(client.state).toBe('disconnected');
  });

  it('unsubscribe stops delivery; the same function can subscribe twice independently', async () => {
    const { client, peer } = await connected();
    const seen: string[] = [];
    const listener = (): void => {
      seen.push('x');
    };
    const off1 = client.on('RESUME', listener);
    const off2 = client.on('RESUME', listener);
    peer.sendEvent('RESUME');
    await ping(client, peer);
    off1();
    peer.sendEvent('RESUME');
    await ping(client, peer);
    off2();
    peer.sendEvent('RESUME');
    await ping(client, peer);
    expect(seen).toEqual(['x', 'x', 'x']);
    expect(client.eventListenerCount).toBe(0);
  });
});

describe('QmpCommands', () => {
  it('executes typed commands', async () => {
    const { client, peer } = await connected();
    peer.handle('query-status', () => ({ return: { running: false, singlestep: false, status: 'prelaunch' } }));
    peer.handle('screendump', () => ({ return: {} }));
    const qmp = qmpCommandsOf(client);
    const status = await qmp.execute('query-status');
    expect(status.status).toBe('prelaunch');
    await qmp.execute('screendump', { filename: '/tmp/s.png', format: 'png' });
    expect(peer.received.at(-1)?.arguments).toEqual({ filename: '/tmp/s.png', format: 'png' });
  });
});

/** A round trip through the peer: everything the peer sent before it has been processed by the client. */
async function ping(client: QmpClient, peer: FakeQmpPeer): Promise<unknown> {
  const call = client.execute('ping');
  peer.reply(await peer.nextCommand('ping'), 'pong');
  return call;
}
