import { fork } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { resolveLibraryDir } from '../engine/storage/library-paths.js';
import { readLibraryLock } from '../engine/storage/library-lock.js';
import { isPidAlive } from '../engine/storage/library-lock.js';
import { readStatic } from './static-files.js';

export interface ServeOptions {
  library?: string;
  port?: number;
  io: { out: (s: string) => void; err: (s: string) => void };
  /** Built files: out/main (engine.js) and out/renderer. Defaults to the folders next to this bundle. */
  outDir?: string;
  /** Resolves to stop serving (tests); by default SIGINT/SIGTERM. */
  until?: Promise<void>;
}

function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  return /(?:^|;\s*)hangar_token=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
}

/** Finds the engine owning the library, or forks one; returns its control socket path. */
async function engineSocket(libraryDir: string, outDir: string): Promise<{ socket: string; stop: () => void }> {
  const lock = await readLibraryLock(libraryDir).catch(() => null);
  if (lock && isPidAlive(lock.pid)) return { socket: lock.controlSocket, stop: () => undefined };
  const child = fork(join(outDir, 'main', 'engine.js'), ['--library', libraryDir], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const socket = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { controlSocket: string }).controlSocket));
    child.once('exit', (code) => reject(new Error(`the engine exited with code ${code} before it was ready`)));
  });
  return { socket, stop: () => child.kill('SIGTERM') };
}

/**
 * The browser host: the renderer over http on a loopback port, the engine contract over a WebSocket.
 * Every request needs the random token (in the URL once, then an HttpOnly cookie), and the WebSocket
 * also checks its Origin, so other local pages cannot drive the engine.
 */
export async function runServe(opts: ServeOptions): Promise<number> {
  const outDir = opts.outDir ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const libraryDir = resolveLibraryDir({ argvLibrary: opts.library, env: process.env, platform: process.platform, homedir: homedir() });
  const engine = await engineSocket(libraryDir, outDir);
  const token = randomBytes(24).toString('hex');
  let origin = '';

  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fromUrl = url.searchParams.get('token');
    if (!tokenMatches(token, fromUrl) && !tokenMatches(token, cookieToken(req))) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden: open the URL printed by `hangar serve` (it carries the access token).\n');
      return;
    }
    const file = await readStatic(join(outDir, 'renderer'), url.pathname);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': file.type,
      'set-cookie': `hangar_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(file.body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const okToken = tokenMatches(token, url.searchParams.get('token')) || tokenMatches(token, cookieToken(req));
    if (!okToken || req.headers.origin !== origin || url.pathname !== '/engine') {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => relay(ws, engine.socket));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  origin = `http://127.0.0.1:${port}`;
  opts.io.out(`Hangar browser host: ${origin}/?token=${token}\n`);

  await (opts.until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }));
  wss.clients.forEach((c) => c.terminate());
  await new Promise<void>((resolve) => http.close(() => resolve()));
  engine.stop();
  return 0;
}

/** One WebSocket ⇄ one control-socket connection: each browser tab is its own engine client. */
function relay(ws: WebSocket, socketPath: string): void {
  const sock = connect(socketPath);
  sock.setEncoding('utf8');
  let buffer = '';
  sock.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      ws.send(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
  ws.on('message', (data) => {
    // One JSON message per frame; newlines inside would break the line framing, so re-encode.
    const text = data.toString();
    let line: string;
    try {
      line = JSON.stringify(JSON.parse(text));
    } catch {
      line = JSON.stringify({ garbage: text.slice(0, 200) });
    }
    sock.write(`${line}\n`);
  });
  ws.on('close', () => sock.end());
  sock.on('close', () => ws.close());
  sock.on('error', () => ws.close());
}
