import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startHostServer, type HostServer } from '../../../src-main/serve/host-server.js';
import { screenMessage } from '../../../src-main/serve/engine-relay.js';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/serve/guards.js';

// A real host server over a temp renderer folder, a fake engine control socket (JSON lines) and a fake
// VNC socket, so the http/ws checks and both relays are tested without QEMU.
const token = 'cd'.repeat(24);
let dir: string;
let host: HostServer;
let engineSrv: Server;
let vncSrv: Server;
const engineSeen: Array<{ command: string; args: unknown }> = [];
const vncSeen: Buffer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-hs-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(renderer, 'assets', 'a.js'), 'console.log(1)');
  // Named as vite names its output (`[name]-[hash].[ext]`), and look-alikes outside assets/ that are not.
  writeFileSync(join(renderer, 'assets', 'first-paint-BoX01sSr.js'), 'console.log(2)');
  writeFileSync(join(renderer, 'assets', 'serial-terminal-BmfB5bmM.css'), 'b{}');
  writeFileSync(join(renderer, 'index-BoX01sSr.js'), 'console.log(3)');
  mkdirSync(join(renderer, 'assets', 'sub'));
  writeFileSync(join(renderer, 'assets', 'sub', 'x-BoX01sSr.js'), 'console.log(4)');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  const sockDir = mkdtempSync('/tmp/hgr-hs-');
  const engineSock = join(sockDir, 'e.sock');
  const vncSock = join(sockDir, 'v.sock');
  engineSrv = createServer((s) => {
    s.setEncoding('utf8');
    let buf = '';
    s.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const m = JSON.parse(buf.slice(0, nl)) as { id: number; command: string; args: { vm?: string } };
        buf = buf.slice(nl + 1);
        engineSeen.push({ command: m.command, args: m.args });
        if (m.command === 'vm.displaySocket') {
          const ok = m.args.vm === 'vm1';
          s.write(`${JSON.stringify(ok ? { type: 'response', id: m.id, ok: true, result: { path: vncSock } } : { type: 'response', id: m.id, ok: false, error: { code: 'invalid-state', message: 'not running' } })}\n`);
        } else {
          s.write(`${JSON.stringify({ type: 'response', id: m.id, ok: true, result: { echo: m.command } })}\n`);
          s.write(`${JSON.stringify({ type: 'event', event: { type: 'engine.log', level: 'info', message: 'hi' } })}\n`);
        }
      }
    });
  });
  vncSrv = createServer((s) => {
    s.write('RFB 003.008\n');
    s.on('data', (d: Buffer) => vncSeen.push(d));
  });
  await new Promise<void>((r) => engineSrv.listen(engineSock, r));
  await new Promise<void>((r) => vncSrv.listen(vncSock, r));
  host = await startHostServer({ token, port: 0, bindHost: '127.0.0.1', rendererDir: renderer, engineSocket: engineSock, relayPolicy: {} });
  return () => rmSync(sockDir, { recursive: true, force: true });
});

afterAll(async () => {
  await host?.close();
  engineSrv?.close();
  vncSrv?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cookie = () => `hangar_token_${host.port}=${token}`;
const origin = () => `http://127.0.0.1:${host.port}`;

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers, setHost: !('host' in headers) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function ws(path: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const w = new WebSocket(`ws://127.0.0.1:${host.port}${path}`, { headers });
    w.once('open', () => resolve(w));
    w.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
    w.once('error', reject);
  });
}

describe('http', () => {
  it('trades the URL token for a cookie and redirects to the bare URL', async () => {
    const r = await get(`/?token=${token}`);
    expect(r.status).toBe(303);
    expect(r.headers['location']).toBe('/');
    expect(String(r.headers['set-cookie'])).toBe(`hangar_token_${host.port}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('after taking the token always redirects to /, never to a place named by the request', async () => {
    for (const p of [`/.//evil.example/?token=${token}`, `//evil.example/?token=${token}`, `/%2F%2Fevil.example/?token=${token}`, `/assets/a.js?token=${token}&x=1`]) {
      const r = await get(p);
      expect(r.status, p).toBe(303);
      expect(r.headers['location'], p).toBe('/');
    }
  });

  it('serves files with the cookie, with the CSP header', async () => {
    const r = await get('/', { cookie: cookie() });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>t</title>');
    expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect((await get('/assets/a.js', { cookie: cookie() })).headers['content-type']).toContain('text/javascript');
  });

  it('lets the browser keep content-hashed assets, and nothing else', async () => {
    for (const p of ['/assets/first-paint-BoX01sSr.js', '/assets/serial-terminal-BmfB5bmM.css']) {
      const r = await get(p, { cookie: cookie() });
      expect(r.status).toBe(200);
      expect(r.headers['cache-control']).toBe('private, max-age=31536000, immutable');
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    }
    for (const p of ['/', '/index.html', '/assets/a.js', '/index-BoX01sSr.js', '/assets/sub/x-BoX01sSr.js']) {
      const r = await get(p, { cookie: cookie() });
      expect(r.status, p).toBe(200);
      expect(r.headers['cache-control'], p).toBe('no-store');
    }
  });

  it('still checks the token and the Host before serving a cacheable asset', async () => {
    for (const r of [
      await get('/assets/first-paint-BoX01sSr.js'),
      await get('/assets/first-paint-BoX01sSr.js', { cookie: `hangar_token_${host.port}=${'0'.repeat(48)}` }),
      await get('/assets/first-paint-BoX01sSr.js', { cookie: cookie(), host: `rebind.example:${host.port}` }),
    ]) {
      expect(r.status).toBe(403);
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.body).not.toContain('console.log');
    }
    const missing = await get('/assets/gone-BoX01sSr.js', { cookie: cookie() });
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
  });

  it('refuses a missing or wrong token with 403 (and still sends the CSP)', async () => {
    const r = await get('/');
    expect(r.status).toBe(403);
    expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect((await get('/?token=00', {})).status).toBe(403);
    expect((await get('/', { cookie: `hangar_token_${host.port}=${'0'.repeat(48)}` })).status).toBe(403);
  });

  it('refuses a foreign Host header even with the token', async () => {
    expect((await get(`/?token=${token}`, { host: `rebind.example:${host.port}` })).status).toBe(403);
    expect((await get('/', { cookie: cookie(), host: `localhost:${host.port}` })).status).toBe(200);
  });

  it('does not leave the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const r = await get(p, { cookie: cookie() });
      expect(r.status).toBe(404);
      expect(r.body).not.toContain('secret');
    }
  });
});

describe('engine WebSocket', () => {
  it('refuses a foreign Origin, a missing token and unknown paths', async () => {
    expect(await ws('/engine', { cookie: cookie(), origin: 'http://evil.example' })).toBe(403);
    expect(await ws('/engine', { origin: origin() })).toBe(403);
    expect(await ws('/engine', { cookie: cookie() })).toBe(403);
    expect(await ws('/other', { cookie: cookie(), origin: origin() })).toBe(404);
  });

  it('relays requests and events, and keeps serve-only commands from the browser', async () => {
    const w = (await ws('/engine', { cookie: cookie(), origin: origin() })) as WebSocket;
    const got: Array<{ type: string; id?: number; ok?: boolean; error?: { code: string } }> = [];
    w.on('message', (d) => got.push(JSON.parse(d.toString())));
    w.send(JSON.stringify({ type: 'request', id: 1, command: 'library.list', args: {} }));
    w.send(JSON.stringify({ type: 'request', id: 2, command: 'vm.displaySocket', args: { vm: 'vm1' } }));
    // A frame with a newline inside must stay one message.
    w.send('{"type":"request",\n"id":3,"command":"host.info","args":{}}');
    await expect.poll(() => got.filter((m) => m.type === 'response').length).toBe(3);
    expect(got.find((m) => m.id === 1)).toMatchObject({ ok: true });
    expect(got.find((m) => m.id === 2)).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
    expect(got.some((m) => m.type === 'event')).toBe(true);
    expect(engineSeen.map((m) => m.command)).not.toContain('vm.displaySocket');
    w.close();
  });
});

describe('engine WebSocket: extra QEMU arguments', () => {
  it('refuses them before the engine sees them, and engine.hello answers carry the policy', async () => {
    const w = (await ws('/engine', { cookie: cookie(), origin: origin() })) as WebSocket;
    const got: Array<{ type: string; id?: number; ok?: boolean; result?: { policy?: unknown }; error?: { code: string } }> = [];
    w.on('message', (d) => got.push(JSON.parse(d.toString())));
    w.send(JSON.stringify({ type: 'request', id: 21, command: 'vm.update', args: { vm: 'x', patch: { extraArgs: ['-incoming', 'exec:id'] } } }));
    w.send(JSON.stringify({ type: 'request', id: 22, command: 'engine.hello', args: { client: 't' } }));
    w.send(JSON.stringify({ type: 'request', id: 23, command: 'library.list', args: {} }));
    await expect.poll(() => got.filter((m) => m.type === 'response').length).toBe(3);
    expect(got.find((m) => m.id === 21)).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    expect(got.find((m) => m.id === 22)?.result).toMatchObject({ echo: 'engine.hello', policy: { extraArgs: { editable: false } } });
    expect(got.find((m) => m.id === 23)?.result).toEqual({ echo: 'library.list' });
    expect(engineSeen.filter((m) => m.command === 'vm.update')).toEqual([]);
    w.close();
  });
});

describe('display WebSocket', () => {
  it('relays raw bytes both ways; the browser names only the VM', async () => {
    const w = (await ws('/display?vm=vm1', { cookie: cookie(), origin: origin() })) as WebSocket;
    const first = await new Promise<Buffer>((r) => w.once('message', (d: Buffer) => r(d)));
    expect(first.toString()).toBe('RFB 003.008\n');
    w.send(Buffer.from('RFB 003.008\n'));
    await expect.poll(() => Buffer.concat(vncSeen).toString()).toBe('RFB 003.008\n');
    w.close();
  });

  it('closes with a reason when the VM is not running', async () => {
    const w = (await ws('/display?vm=stopped', { cookie: cookie(), origin: origin() })) as WebSocket;
    const code = await new Promise<number>((r) => w.once('close', (c) => r(c)));
    expect(code).toBe(4404);
  });

  it('refuses a foreign Origin', async () => {
    expect(await ws('/display?vm=vm1', { cookie: cookie(), origin: 'http://evil.example' })).toBe(403);
  });
});

describe('screening browser messages for an engine serve did not start', () => {
  const roots = async () => [{ path: '/home/u', label: 'Home' }];
  it('refuses typed paths outside the roots before they reach the engine', async () => {
    const r = await screenMessage(JSON.stringify({ type: 'request', id: 5, command: 'vm.create', args: { name: 'x', iso: '/etc/shadow' } }), { paths: { roots, libraryDir: '/home/u/lib' } });
    expect('reply' in r && JSON.parse(r.reply)).toMatchObject({ id: 5, ok: false, error: { code: 'invalid-args' } });
    expect((r as { reply: string }).reply).toContain('--allow-dir');
    const rel = await screenMessage(JSON.stringify({ type: 'request', id: 6, command: 'vm.update', args: { vm: 'x', patch: { disks: [{ path: '../../etc/x' }] } } }), { paths: { roots, libraryDir: '/home/u/lib' } });
    expect('reply' in rel).toBe(true);
  });

  it('checks vm.previewArgv like vm.create, and the chosen folder of both', async () => {
    for (const [id, command, args] of [
      [7, 'vm.previewArgv', { name: 'x', iso: '/etc/shadow' }],
      [8, 'vm.previewArgv', { name: 'x', existingDisk: '/root/disk.img' }],
      [9, 'vm.previewArgv', { name: 'x', folder: '/srv/vms' }],
      [10, 'vm.create', { name: 'x', folder: '/srv/vms' }],
      [11, 'vm.create', { name: 'x', folder: 'relative/vms' }],
    ] as const) {
      const r = await screenMessage(JSON.stringify({ type: 'request', id, command, args }), { paths: { roots, libraryDir: '/home/u/lib' } });
      expect('reply' in r && JSON.parse(r.reply), `${command} ${JSON.stringify(args)}`).toMatchObject({ id, ok: false, error: { code: 'invalid-args' } });
    }
    const inside = await screenMessage(JSON.stringify({ type: 'request', id: 12, command: 'vm.previewArgv', args: { name: 'x', folder: '/home/u' } }), { paths: { roots, libraryDir: '/home/u/lib' } });
    expect('forward' in inside).toBe(true);
  });

  it('forwards everything else as one line', async () => {
    const r = await screenMessage('{"type":"request","id":1,\n"command":"vm.update","args":{"vm":"x","patch":{"disks":[{"path":"disks/d.qcow2"}]}}}', { paths: { roots, libraryDir: '/home/u/lib' } });
    expect(r).toMatchObject({ forward: '{"type":"request","id":1,"command":"vm.update","args":{"vm":"x","patch":{"disks":[{"path":"disks/d.qcow2"}]}}}' });
    expect(await screenMessage('not json', {})).toMatchObject({ forward: '{"garbage":"not json"}' });
  });
});
