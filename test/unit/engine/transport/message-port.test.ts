import { describe, expect, it } from 'vitest';
import { EngineClient } from '../../../../src-shared/contract/index.js';
import { EngineServer } from '../../../../src-main/engine/rpc/engine-server.js';
import { messagePortTransport } from '../../../../src-main/engine/transport/message-port.js';
import { wireParentPort } from '../../../../src-main/engine/host-wiring.js';
import { inProcessPeer, RawPeer, settle, stubHandlers } from '../rpc/stub-handlers.js';
import { fakeChannel, type FakePort } from './fake-port.js';

const req = (id: number, command: string, args: unknown) => ({ type: 'request', id, command, args });
const closeOf = (p: FakePort) => new Promise<void>((r) => p.once('close', () => r()));

describe('message-port transport (MessagePortMain shape)', () => {
  it('starts the port, carries e.data both ways and serves an EngineClient', async () => {
    const { port1, port2 } = fakeChannel();
    const server = new EngineServer(stubHandlers());
    server.attach(messagePortTransport(port2));
    expect(port2.started).toBe(true);
    const client = new EngineClient(messagePortTransport(port1));
    expect(await client.call('vm.get', { vm: 'x' })).toEqual({ echo: 'vm.get', args: { vm: 'x' } });
    await expect(client.call('vm.get', { vm: '' })).rejects.toMatchObject({ code: 'invalid-args' });
  });

  it('answers malformed messages on the port with typed errors', async () => {
    const { port1, port2 } = fakeChannel();
    new EngineServer(stubHandlers()).attach(messagePortTransport(port2));
    const peer = new RawPeer(messagePortTransport(port1));
    expect(await peer.ask('garbage')).toMatchObject({ id: -1, ok: false, error: { code: 'invalid-message' } });
    expect(await peer.ask(req(1, 'vm.nope', {}))).toMatchObject({ id: 1, ok: false, error: { code: 'unknown-command' } });
    expect(await peer.ask(req(2, 'library.list', {}))).toMatchObject({ id: 2, ok: true });
  });

  it('reports the close event once, and the engine forgets the client', async () => {
    const { port1, port2 } = fakeChannel();
    const server = new EngineServer(stubHandlers());
    const t = messagePortTransport(port2);
    const reasons: string[] = [];
    t.onClose((r) => reasons.push(r));
    server.attach(t);
    expect(server.clientCount).toBe(1);
    const closed = closeOf(port2);
    port1.close();
    await closed;
    expect(reasons).toEqual(['port closed']);
    expect(server.clientCount).toBe(0);
    expect(() => t.send({ after: 'close' })).toThrow(/closed/);
  });

  it('close() closes the port', async () => {
    const { port2 } = fakeChannel();
    const t = messagePortTransport(port2);
    const closed = closeOf(port2);
    t.close();
    await closed;
    expect(port2.closed).toBe(true);
  });
});

describe('wireParentPort (the utility-process host)', () => {
  function setup() {
    const parent = fakeChannel(); // port1: Electron main's end, port2: process.parentPort
    const server = new EngineServer(stubHandlers());
    wireParentPort(server, parent.port2, { libraryDir: '/lib', controlSocket: '/run/e.sock' });
    parent.port1.start();
    return { server, main: parent.port1, parentPort: parent.port2 };
  }

  it('announces engine-ready with the library and control socket', async () => {
    const { main } = setup();
    const ready = await new Promise<unknown>((r) => main.once('message', (e: { data: unknown }) => r(e.data)));
    expect(ready).toEqual({ type: 'engine-ready', libraryDir: '/lib', controlSocket: '/run/e.sock' });
  });

  it('answers requests sent on the parent port itself', async () => {
    const { main } = setup();
    const peer = new RawPeer(messagePortTransport(main));
    expect(await peer.ask(req(1, 'engine.hello', { client: 'main' }))).toMatchObject({ id: 1, ok: true });
    expect(await peer.ask({ nonsense: true })).toMatchObject({ id: -1, ok: false, error: { code: 'invalid-message' } });
  });

  it('attaches a transferred window port as its own client, without answering the attach-port message', async () => {
    const { server, main } = setup();
    const mainPeer = new RawPeer(messagePortTransport(main));
    const win = fakeChannel(); // port1 goes to the engine, port2 stays with the window
    main.postMessage({ type: 'attach-port' }, [win.port1]);
    // attach-port is wired, not answered: the next answer on the parent port is for request 7.
    expect(await mainPeer.ask(req(7, 'library.list', {}))).toMatchObject({ id: 7, ok: true });
    expect(mainPeer.responses()).toHaveLength(1);
    expect(server.clientCount).toBe(2);

    const window = new EngineClient(messagePortTransport(win.port2));
    expect(await window.call('vm.get', { vm: 'w' })).toEqual({ echo: 'vm.get', args: { vm: 'w' } });
    // Events reach both the parent and the window.
    const got = new Promise<unknown>((r) => window.onEvent(r));
    server.broadcast({ type: 'vm.changed', vmId: 'v', seq: 1 });
    expect(await got).toEqual({ type: 'vm.changed', vmId: 'v', seq: 1 });
    await settle();
    expect(mainPeer.received.some((m) => m.type === 'event')).toBe(true);

    // Closing the window's port drops only that client.
    const closed = closeOf(win.port1);
    win.port2.close();
    await closed;
    expect(server.clientCount).toBe(1);
  });

  it('ignores an attach-port message without a port', async () => {
    const { server, main } = setup();
    const mainPeer = new RawPeer(messagePortTransport(main));
    main.postMessage({ type: 'attach-port' });
    expect(await mainPeer.ask(req(8, 'host.info', {}))).toMatchObject({ id: 8, ok: true });
    expect(mainPeer.responses()).toHaveLength(1);
    expect(server.clientCount).toBe(1);
  });

  it('keeps serving several windows independently', async () => {
    const { server, main } = setup();
    const windows = [fakeChannel(), fakeChannel(), fakeChannel()];
    for (const w of windows) main.postMessage({ type: 'attach-port' }, [w.port1]);
    const clients = windows.map((w) => new EngineClient(messagePortTransport(w.port2)));
    const answers = await Promise.all(clients.map((c, i) => c.call('vm.get', { vm: `w${i}` })));
    expect(answers).toEqual([0, 1, 2].map((i) => ({ echo: 'vm.get', args: { vm: `w${i}` } })));
    expect(server.clientCount).toBe(4);
  });
});

describe('in-process pair', () => {
  it('clones messages and closes both ends', async () => {
    const { serverSide, peer } = inProcessPeer();
    const got: unknown[] = [];
    serverSide.onMessage((m) => got.push(m));
    const message = { nested: { a: [1, 2] } };
    peer.transport.send(message);
    await settle();
    expect(got).toEqual([message]);
    expect(got[0]).not.toBe(message);
    const reasons: string[] = [];
    serverSide.onClose((r) => reasons.push(r));
    peer.transport.close();
    await settle();
    expect(reasons).toEqual(['closed']);
    expect(() => serverSide.send({})).toThrow(/closed/);
  });
});
