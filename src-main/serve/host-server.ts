import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { readStatic } from './static-files.js';
import { SECURITY_HEADERS, checkHttpRequest, checkUpgrade, cookieName, setCookieHeader, type GuardConfig } from './guards.js';
import { relayEngine, type RelayPolicy } from './engine-relay.js';
import { relayDisplay } from './display-relay.js';

export interface HostServerOptions {
  token: string;
  /** 0 picks a free port. */
  port: number;
  /** '127.0.0.1' normally; undefined (all interfaces) only with --allow-remote. */
  bindHost: string | undefined;
  /** Extra Host names accepted besides 127.0.0.1 and localhost (with --allow-remote). */
  remoteHostNames?: string[];
  tls?: { cert: Buffer; key: Buffer };
  rendererDir: string;
  engineSocket: string;
  relayPolicy: RelayPolicy;
}

export interface HostServer {
  server: Server;
  port: number;
  guard: GuardConfig;
  close(): Promise<void>;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const text = status === 404 ? 'Not Found' : 'Forbidden';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
  socket.destroy();
}

/**
 * The browser host's http(s) server: the built renderer as static files, `/engine` (the engine contract,
 * one control-socket connection per tab) and `/display?vm=ID` (raw RFB) as WebSockets. Nothing is served
 * without the Host check and the token; WebSockets also need their page's Origin.
 */
export async function startHostServer(opts: HostServerOptions): Promise<HostServer> {
  const guard: GuardConfig = { token: opts.token, port: opts.port, scheme: opts.tls ? 'https' : 'http', hostNames: ['127.0.0.1', 'localhost', ...(opts.remoteHostNames ?? [])] };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const verdict = checkHttpRequest(guard, req.method, url, req.headers);
    if (!verdict.ok) {
      res.writeHead(verdict.status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end(`${verdict.reason}\n`);
      return;
    }
    const cookie = setCookieHeader(cookieName(guard.port), guard.token, guard.scheme === 'https');
    if (verdict.fromUrl) {
      // Trade the URL token for the cookie and drop it from the address bar (and the history). Always to `/`:
      // a location built from the request (`//evil.example/`) would send the browser to another host.
      res.writeHead(303, { ...SECURITY_HEADERS, 'set-cookie': cookie, location: '/' }).end();
      return;
    }
    const file = await readStatic(opts.rendererDir, url.pathname);
    if (!file) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    // Only after the checks above: content-hashed assets may be cached (JS/CSS, not secret), everything else no-store.
    res.writeHead(200, { ...SECURITY_HEADERS, 'cache-control': file.cacheControl, 'content-type': file.type, 'content-length': file.body.length, 'set-cookie': cookie });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end();
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createHttpServer(handler);

  const engineWss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  const displayWss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const verdict = checkUpgrade(guard, url, req.headers);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.reason);
    if (url.pathname === '/engine') {
      engineWss.handleUpgrade(req, socket, head, (ws) => relayEngine(ws, opts.engineSocket, opts.relayPolicy));
    } else if (url.pathname === '/display') {
      const vm = url.searchParams.get('vm');
      if (!vm || vm.length > 1000) return refuseUpgrade(socket, 404, 'missing ?vm=');
      displayWss.handleUpgrade(req, socket, head, (ws) => relayDisplay(ws, opts.engineSocket, vm));
    } else refuseUpgrade(socket, 404, 'no such endpoint');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindHost, () => resolve());
  });
  const address = server.address();
  guard.port = typeof address === 'object' && address ? address.port : opts.port;

  return {
    server,
    port: guard.port,
    guard,
    async close() {
      for (const c of [...engineWss.clients, ...displayWss.clients]) c.terminate();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
