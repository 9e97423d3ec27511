// End-to-end smoke test of the browser host: the built app (out/) served by `serve.js`, driven in
// Debian Chromium through playwright-core, with a real engine and a real QEMU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { fixturePaths } from '../helpers/fixtures.js';
import { qemuPidsUnder } from '../helpers/engine-harness.js';
import { assertBuilt, cleanupRuntime, launchBrowser, spawnServe, stopServe } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';

interface Ctx {
  root: string;
  library: string;
  isoDir: string;
  runtimeBase: string;
  env: NodeJS.ProcessEnv;
  serve: ChildProcess;
  url: string;
  port: number;
  token: string;
  browser: Browser;
  page: Page;
  vmId: string;
}
const ctx = {} as Ctx;

function hangar(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runHangar(ctx.library, ctx.env, args);
}

async function hangarFails(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await hangar(...args);
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  throw new Error(`hangar ${args.join(' ')} succeeded but should have failed`);
}

/** A plain http GET with the given headers; resolves with the status. */
function get(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ctx.port, path, method: 'GET', headers, setHost: !('host' in headers) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket; resolves 'open' with the socket, or the refusal status. */
function openWs(path: string, headers: Record<string, string>): Promise<{ status: 'open'; ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${ctx.port}${path}`, { headers });
    ws.once('open', () => resolve({ status: 'open', ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

const cookie = () => `hangar_token_${ctx.port}=${ctx.token}`;
const ownOrigin = () => `http://127.0.0.1:${ctx.port}`;

/** Inodes of listening TCP sockets (IPv4 and IPv6) with their ports. */
function tcpListeners(): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      out.set(f[9]!, parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return out;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(name));
    } catch {
      // gone
    }
  }
  return kids;
}

async function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('browser host smoke test', () => {
  beforeAll(async () => {
    assertBuilt();
    ctx.root = mkdtempSync(join(tmpdir(), 'hangar-e2e-'));
    ctx.library = join(ctx.root, 'library');
    ctx.isoDir = join(ctx.root, 'images');
    mkdirSync(ctx.isoDir);
    // A private copy: QEMU locks its disks, and other tests use the fixture too.
    copyFileSync(fixturePaths.bootImg, join(ctx.isoDir, 'boot.img'));
    writeFileSync(join(ctx.root, 'outside.iso'), 'not really an ISO');
    ctx.runtimeBase = mkdtempSync('/tmp/hgr-');
    ctx.env = { ...process.env, XDG_RUNTIME_DIR: ctx.runtimeBase, HANGAR_LIBRARY: ctx.library };

    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: ctx.isoDir });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    const u = new URL(ctx.url);
    ctx.port = Number(u.port);
    ctx.token = u.searchParams.get('token')!;

    ctx.vmId = (await hangar('create', 'smoke-vm', '--disk', join(ctx.isoDir, 'boot.img'), '--memory', '64')).stdout.trim().split(/\s+/).pop()!;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser());
  });

  afterAll(async () => {
    await ctx.browser?.close().catch(() => undefined);
    if (ctx.vmId) await hangar('stop', ctx.vmId, '--force').catch(() => undefined);
    await stopServe(ctx.serve);
    cleanupRuntime(ctx.runtimeBase, ctx.root);
  });

  it('shows the library with live run states', async () => {
    const { page } = ctx;
    const response = await page.goto(ctx.url);
    expect(response?.status()).toBe(200);
    // The token went into a cookie and out of the address bar.
    expect(page.url()).toBe(`http://127.0.0.1:${ctx.port}/`);
    const list = page.getByRole('listbox', { name: 'Virtual machines' });
    const vm = list.getByRole('option', { name: 'smoke-vm' });
    await vm.waitFor({ timeout: 30_000 });
    await expect.poll(() => vm.textContent(), { timeout: 15_000 }).toContain('Powered off');

    await hangar('start', 'smoke-vm');
    await expect.poll(() => vm.textContent(), { timeout: 30_000 }).toContain('Running');
    // Its row shows a live thumbnail: a real screenshot of the guest, decoded by the browser.
    const thumb = vm.getByRole('img', { name: 'Screen of smoke-vm' });
    await thumb.waitFor({ timeout: 30_000 });
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { timeout: 10_000 }).toBeGreaterThan(0);

    // A VM created while the page is open appears by itself.
    await hangar('create', 'second-vm', '--memory', '64');
    await list.getByRole('option', { name: 'second-vm' }).waitFor({ timeout: 15_000 });
    expect(await page.getByLabel('Engine connection').count()).toBe(0); // no connection banner
  });

  it('refuses requests without the token, with a foreign Host, and WebSockets with a foreign Origin', async () => {
    expect(await get('/', {})).toBe(403);
    expect(await get('/index.html', { cookie: 'hangar_token_1=nope' })).toBe(403);
    expect(await get('/', { cookie: cookie() })).toBe(200);
    expect(await get('/', { cookie: cookie(), host: `localhost:${ctx.port}` })).toBe(200);
    expect(await get('/', { cookie: cookie(), host: `attacker.example:${ctx.port}` })).toBe(403);
    expect(await get(`/?token=${ctx.token}`, { host: `attacker.example:${ctx.port}` })).toBe(403);
    expect(await get('/../../../../etc/passwd', { cookie: cookie() })).toBe(404);

    expect(await openWs('/engine', { cookie: cookie(), origin: 'http://attacker.example' })).toEqual({ status: 403 });
    expect(await openWs('/engine', { cookie: cookie(), origin: `http://127.0.0.1:${ctx.port + 1}` })).toEqual({ status: 403 });
    expect(await openWs('/engine', { origin: ownOrigin() })).toEqual({ status: 403 });
    expect(await openWs('/engine', { cookie: cookie(), origin: ownOrigin(), host: `attacker.example:${ctx.port}` })).toEqual({ status: 403 });

    const ok = await openWs('/engine', { cookie: cookie(), origin: ownOrigin() });
    expect(ok.status).toBe('open');
    const ws = (ok as { ws: WebSocket }).ws;
    const reply = await new Promise<{ ok: boolean; error?: { code: string } }>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string; id: number; ok: boolean; error?: { code: string } };
        if (m.type === 'response' && m.id === 7) resolve(m);
      });
      // The display socket path is for serve alone.
      ws.send(JSON.stringify({ type: 'request', id: 7, command: 'vm.displaySocket', args: { vm: ctx.vmId } }));
    });
    expect(reply.ok).toBe(false);
    expect(reply.error?.code).toBe('unknown-command');
    ws.close();
  });

  it('relays the display as raw RFB bytes', async () => {
    const opened = await openWs(`/display?vm=${ctx.vmId}`, { cookie: cookie(), origin: ownOrigin() });
    expect(opened.status).toBe('open');
    const ws = (opened as { ws: WebSocket }).ws;
    const greeting = await new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString('latin1'))));
    expect(greeting).toMatch(/^RFB 003\.00\d\n/);
    ws.close();
    expect(await openWs(`/display?vm=${ctx.vmId}`, { cookie: cookie(), origin: 'http://attacker.example' })).toEqual({ status: 403 });
  });

  it('keeps paths typed into the engine inside the allowed folders', async () => {
    const r = await hangarFails('create', 'outside-vm', '--iso', join(ctx.root, 'outside.iso'));
    expect(r.stderr).toContain('--allow-dir');
  });

  it('listens on no TCP port but the served one, and keeps the VM sockets in private folders', async () => {
    const serveEngine = await waitFor('the forked engine', () => childrenOf(ctx.serve.pid!).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('engine.js')));
    const qemu = qemuPidsUnder(ctx.runtimeBase);
    expect(serveEngine.length).toBe(1);
    expect(qemu.length).toBe(1);
    const listeners = tcpListeners();
    const ports = new Set<number>();
    for (const pid of [ctx.serve.pid!, ...serveEngine, ...qemu]) {
      for (const inode of socketInodes(pid)) if (listeners.has(inode)) ports.add(listeners.get(inode)!);
    }
    expect([...ports]).toEqual([ctx.port]);

    const hangarRuntime = join(ctx.runtimeBase, 'hangar');
    expect(statSync(hangarRuntime).mode & 0o777).toBe(0o700);
    const vmDir = join(hangarRuntime, ctx.vmId.replace(/-/g, '').slice(0, 12));
    expect(statSync(vmDir).mode & 0o777).toBe(0o700);
    for (const sock of ['qmp.sock', 'vnc.sock']) expect(statSync(join(vmDir, sock)).isSocket()).toBe(true);
  });

  it('stops cleanly: no QEMU or engine left after the VM stops and serve exits', async () => {
    const engines = childrenOf(ctx.serve.pid!);
    await hangar('stop', 'smoke-vm', '--force');
    await waitFor('QEMU to exit', () => qemuPidsUnder(ctx.runtimeBase).length === 0);
    const exited = new Promise<number | null>((r) => ctx.serve.once('exit', (code) => r(code)));
    ctx.serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    // serve exits after its engine: nothing is left, and the library is free at once...
    expect(engines.length).toBeGreaterThan(0);
    expect(engines.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    // ...so a serve started right away forks its own engine instead of joining one on its way out.
    const again = spawnServe({ library: ctx.library, env: ctx.env });
    ctx.serve = again.serve;
    await ctx.page.goto(await again.url);
    await ctx.page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option', { name: 'smoke-vm' }).waitFor({ timeout: 30_000 });
  });
});
