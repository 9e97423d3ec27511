import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GuestAgentClient, GuestAgentError } from '../../../../src-main/engine/guest-agent/guest-agent-client.js';
import { QgaFramer } from '../../../../src-main/engine/guest-agent/qga-framing.js';

type Handler = (msg: { execute: string; arguments?: Record<string, unknown> }, sock: Socket) => void;

/** A fake qemu-ga: answers sync with 0xFF + the id, the rest through `handler`. */
function fakeAgent(path: string, handler: Handler): Promise<{ server: Server; seen: string[]; sockets: Socket[] }> {
  const seen: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((sock) => {
    sockets.push(sock);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl)) as { execute: string; arguments?: Record<string, unknown> };
        buf = buf.slice(nl + 1);
        seen.push(msg.execute);
        handler(msg, sock);
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve({ server, seen, sockets })));
}

const syncReply = (msg: { arguments?: Record<string, unknown> }, sock: Socket, stale = '') =>
  sock.write(Buffer.concat([Buffer.from(stale), Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ return: msg.arguments?.['id'] })}\n`)]));

let dir: string;
let server: Server | undefined;
let client: GuestAgentClient | undefined;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'qga-')); });
afterEach(() => { client?.close(); server?.close(); rmSync(dir, { recursive: true, force: true }); });

describe('QgaFramer', () => {
  it('drops everything before the 0xFF delimiter of a resync, then reads one JSON value a line', () => {
    const f = new QgaFramer();
    f.discardUntilDelimiter();
    expect(f.push(Buffer.from('{"return": 1}\n{"ret'))).toEqual([]);
    expect(f.push(Buffer.concat([Buffer.from('urn": 2}\n'), Buffer.from([0xff]), Buffer.from('{"return": 7}\n{"return"')]))).toEqual([{ return: 7 }]);
    expect(f.push(Buffer.from(': {}}\nnot json\n'))[0]).toEqual({ return: {} });
  });

  it('refuses a line longer than its limit instead of growing without end', () => {
    const f = new QgaFramer(16);
    expect(f.push(Buffer.from('x'.repeat(40)))[0]).toBeInstanceOf(Error);
  });
});

describe('GuestAgentClient', () => {
  it('syncs before the first command, skipping stale bytes, then checks the reply', async () => {
    const path = join(dir, 'qga.sock');
    const agent = await fakeAgent(path, (msg, sock) => {
      if (msg.execute === 'guest-sync-delimited') syncReply(msg, sock, '{"return": {"host-name": "stale"}}\n');
      if (msg.execute === 'guest-get-host-name') sock.write('{"return": {"host-name": "guest1"}}\n');
    });
    server = agent.server;
    client = await GuestAgentClient.connect(path);
    expect(client.state).toBe('unsynced');
    await expect(client.command('guest-get-host-name')).resolves.toEqual({ 'host-name': 'guest1' });
    expect(client.state).toBe('ready');
    expect(agent.seen).toEqual(['guest-sync-delimited', 'guest-get-host-name']);
  });

  it('times out when no agent answers, stays usable, and resyncs past the late reply once the agent is back', async () => {
    const path = join(dir, 'qga.sock');
    let answering = false;
    const pending: Array<() => void> = [];
    const agent = await fakeAgent(path, (msg, sock) => {
      if (!answering) { pending.push(() => (msg.execute === 'guest-sync-delimited' ? syncReply(msg, sock) : undefined)); return; }
      if (msg.execute === 'guest-sync-delimited') syncReply(msg, sock);
      if (msg.execute === 'guest-fsfreeze-status') sock.write('{"return": "thawed"}\n');
    });
    server = agent.server;
    client = await GuestAgentClient.connect(path);
    const err = await client.command('guest-fsfreeze-status', undefined, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestAgentError);
    expect((err as GuestAgentError).kind).toBe('timeout');
    expect(client.state).toBe('unsynced');
    // The late reply to the old sync arrives now: the new sync's random id tells it apart.
    answering = true;
    for (const p of pending) p();
    await expect(client.command('guest-fsfreeze-status')).resolves.toBe('thawed');
    expect(agent.seen.filter((s) => s === 'guest-sync-delimited')).toHaveLength(2);
  });

  it('reports the agent\'s error and an unexpected reply as errors, never as values', async () => {
    const path = join(dir, 'qga.sock');
    const agent = await fakeAgent(path, (msg, sock) => {
      if (msg.execute === 'guest-sync-delimited') syncReply(msg, sock);
      if (msg.execute === 'guest-fsfreeze-freeze') sock.write('{"error": {"class": "GenericError", "desc": "freeze failed"}}\n');
      if (msg.execute === 'guest-network-get-interfaces') sock.write('{"return": [{"name": 5}]}\n');
    });
    server = agent.server;
    client = await GuestAgentClient.connect(path);
    await expect(client.command('guest-fsfreeze-freeze')).rejects.toThrow(/guest-fsfreeze-freeze failed: freeze failed/);
    await expect(client.command('guest-network-get-interfaces')).rejects.toMatchObject({ kind: 'protocol' });
  });

  it('sends guest-shutdown without waiting for a reply (the agent sends none on success)', async () => {
    const path = join(dir, 'qga.sock');
    const agent = await fakeAgent(path, (msg, sock) => { if (msg.execute === 'guest-sync-delimited') syncReply(msg, sock); });
    server = agent.server;
    client = await GuestAgentClient.connect(path);
    await expect(client.command('guest-shutdown', { mode: 'powerdown' })).resolves.toBeUndefined();
    expect(client.state).toBe('unsynced');
    await vi.waitFor(() => expect(agent.seen).toEqual(['guest-sync-delimited', 'guest-shutdown']));
  });

  it('fails a waiting call at once when the channel closes, and every later call', async () => {
    const path = join(dir, 'qga.sock');
    const agent = await fakeAgent(path, (msg, sock) => { if (msg.execute === 'guest-sync-delimited') sock.destroy(); });
    server = agent.server;
    client = await GuestAgentClient.connect(path);
    let closed = false;
    client.onClose(() => { closed = true; });
    await expect(client.command('guest-ping', undefined, { timeoutMs: 60_000 })).rejects.toMatchObject({ kind: 'closed' });
    expect(closed).toBe(true);
    expect(client.state).toBe('closed');
    await expect(client.command('guest-ping')).rejects.toMatchObject({ kind: 'closed' });
  });

  it('refuses to connect to a socket nobody listens on, naming the channel', async () => {
    await expect(GuestAgentClient.connect(join(dir, 'none.sock'))).rejects.toThrow(/cannot connect to the guest agent channel/);
  });
});
