import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { EngineClient, type EngineToClient } from '../../../../src-shared/contract/index.js';
import { EngineServer } from '../../../../src-main/engine/rpc/engine-server.js';
import { jsonLinesTransport } from '../../../../src-main/engine/transport/json-lines.js';
import { stubHandlers } from '../rpc/stub-handlers.js';

/** A raw client socket that collects the server's lines. */
class LineReader {
  readonly messages: EngineToClient[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        this.messages.push(JSON.parse(this.buffer.slice(0, nl)) as EngineToClient);
        this.buffer = this.buffer.slice(nl + 1);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }
  responses() {
    return this.messages.filter((m): m is Extract<EngineToClient, { type: 'response' }> => m.type === 'response');
  }
  async until(count: number): Promise<void> {
    while (this.responses().length < count) await new Promise<void>((r) => this.waiters.push(r));
  }
}

const line = (m: unknown): string => `${JSON.stringify(m)}\n`;
const req = (id: number, command: string, args: unknown) => ({ type: 'request', id, command, args });

describe('json-lines transport over a real unix socket', () => {
  let dir: string;
  let server: Server;
  let engineServer: EngineServer;
  let garbage: string[];
  let serverSockets: Socket[];
  const sockets: Socket[] = [];

  beforeEach(async () => {
    dir = mkdtempSync('/tmp/hgr-jl-');
    engineServer = new EngineServer(stubHandlers({ 'library.list': async () => ({ big: 10n }) }));
    garbage = [];
    serverSockets = [];
    server = createServer((s) => {
      serverSockets.push(s);
      engineServer.attach(jsonLinesTransport(s, (g) => garbage.push(g)));
    });
    await new Promise<void>((r) => server.listen(join(dir, 'e.sock'), () => r()));
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    engineServer.closeAll();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function rawClient(): Promise<LineReader> {
    const s = connect(join(dir, 'e.sock'));
    sockets.push(s);
    await new Promise<void>((r, j) => s.once('connect', r).once('error', j));
    return new LineReader(s);
  }

  it('answers a garbage line with invalid-message and keeps the connection', async () => {
    const c = await rawClient();
    c.socket.write('this is {not json\n');
    await c.until(1);
    expect(c.responses()[0]).toMatchObject({ type: 'response', id: -1, ok: false, error: { code: 'invalid-message' } });
    expect(garbage).toEqual(['this is {not json']);
    c.socket.write(line(req(1, 'engine.hello', { client: 'jl' })));
    await c.until(2);
    expect(c.responses()[1]).toMatchObject({ id: 1, ok: true });
  });

  it('answers valid JSON that is not a request, and ignores blank lines', async () => {
    const c = await rawClient();
    c.socket.write('\n   \n42\n"str"\nnull\n[1]\n');
    await c.until(4);
    c.socket.write(line(req(2, 'host.info', {})));
    await c.until(5);
    expect(c.responses().map((r) => [r.id, r.ok ? 'ok' : r.error.code])).toEqual([
      [-1, 'invalid-message'],
      [-1, 'invalid-message'],
      [-1, 'invalid-message'],
      [-1, 'invalid-message'],
      [2, 'ok'],
    ]);
  });

  it('reassembles a message split across many chunks, even inside a multi-byte character', async () => {
    const c = await rawClient();
    const text = 'ünïcødé 🚀 世界';
    const bytes = Buffer.from(line(req(3, 'vm.typeText', { vm: 'x', text })));
    for (let i = 0; i < bytes.length; i += 3) {
      c.socket.write(bytes.subarray(i, i + 3));
      await new Promise((r) => setImmediate(r));
    }
    await c.until(1);
    expect(c.responses()[0]).toEqual({ type: 'response', id: 3, ok: true, result: { echo: 'vm.typeText', args: { vm: 'x', text } } });
  });

  it('splits a multi-byte character exactly between two reads on the engine side', async () => {
    const c = await rawClient();
    await new Promise<void>((r) => (serverSockets.length ? r() : setImmediate(r)));
    const bytes = Buffer.from(line(req(4, 'vm.typeText', { vm: 'x', text: '🚀' })));
    const cut = bytes.indexOf(0xf0) + 2; // in the middle of the 4-byte rocket
    serverSockets[0]!.push(bytes.subarray(0, cut));
    serverSockets[0]!.push(bytes.subarray(cut));
    await c.until(1);
    expect(c.responses()[0]).toMatchObject({ id: 4, ok: true, result: { args: { text: '🚀' } } });
  });

  it('handles several messages in one chunk, answering each', async () => {
    const c = await rawClient();
    c.socket.write([req(5, 'engine.hello', { client: 'a' }), req(6, 'vm.get', { vm: 'b' }), req(7, 'nope', {}), req(8, 'vm.get', { vm: 9 })].map(line).join(''));
    await c.until(4);
    // Answers are matched by id; a rejected request may be answered before a slower valid one.
    const answers = c.responses().map((r) => [r.id, r.ok ? 'ok' : r.error.code]);
    expect(answers.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [5, 'ok'],
      [6, 'ok'],
      [7, 'unknown-command'],
      [8, 'invalid-args'],
    ]);
  });

  it('carries unicode both ways intact, including line and paragraph separators', async () => {
    const c = await rawClient();
    const text = 'a\u2028b\u2029c\u0000d "quoted" \\ back 😀\r\n';
    c.socket.write(line(req(9, 'vm.console.write', { vm: 'ω', data: text })));
    await c.until(1);
    expect(c.responses()[0]).toMatchObject({ id: 9, ok: true, result: { args: { vm: 'ω', data: text } } });
  });

  it('answers a result JSON cannot encode with internal, and keeps serving', async () => {
    const c = await rawClient();
    c.socket.write(line(req(10, 'library.list', {})));
    await c.until(1);
    expect(c.responses()[0]).toMatchObject({ id: 10, ok: false, error: { code: 'internal' } });
    c.socket.write(line(req(11, 'host.info', {})));
    await c.until(2);
    expect(c.responses()[1]).toMatchObject({ id: 11, ok: true });
  });

  it('serves an EngineClient over jsonLinesTransport on the client side, with events', async () => {
    const s = connect(join(dir, 'e.sock'));
    sockets.push(s);
    await new Promise<void>((r) => s.once('connect', r));
    const client = new EngineClient(jsonLinesTransport(s));
    const hello = await client.call('engine.hello', { client: 'typed' });
    expect(hello).toMatchObject({ echo: 'engine.hello' });
    await expect(client.call('vm.get', { vm: '' })).rejects.toMatchObject({ code: 'invalid-args' });
    const events: unknown[] = [];
    const got = new Promise<void>((r) => client.onEvent((e) => (events.push(e), r())));
    engineServer.broadcast({ type: 'vm.changed', vmId: 'v', seq: 1 });
    await got;
    expect(events).toEqual([{ type: 'vm.changed', vmId: 'v', seq: 1 }]);
  });

  it('forgets a client whose socket closed; sending on it throws', async () => {
    const c = await rawClient();
    c.socket.write(line(req(12, 'host.info', {})));
    await c.until(1);
    expect(engineServer.clientCount).toBe(1);
    const closed = new Promise<void>((r) => serverSockets[0]!.once('close', () => r()));
    c.socket.destroy();
    await closed;
    expect(engineServer.clientCount).toBe(0);
    const t = jsonLinesTransport(serverSockets[0]!);
    expect(() => t.send({ x: 1 })).toThrow(/closed/);
  });
});
