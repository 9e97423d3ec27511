import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Socket } from 'node:net';

/** How the engine reaches the network: proxy (HTTPS_PROXY/NO_PROXY or the preference) and whether plain http is allowed. */
export interface HttpOptions {
  /** `http://host:port` of an HTTP proxy that tunnels https with CONNECT; null: direct. */
  proxy: string | null;
  /** Host names (or `.suffix`es) that skip the proxy; `*` skips it for every host. */
  noProxy: readonly string[];
  /** Plain http is allowed only towards a configured mirror (tests' local server) or a URL the user gave with --sha256. */
  allowHttp: boolean;
  maxRedirects?: number;
  /** Ends a connection that sends nothing for this long (default 30 s). */
  idleTimeoutMs?: number;
}

export class HttpError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'HttpError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function bypassesProxy(host: string, noProxy: readonly string[]): boolean {
  const h = host.toLowerCase();
  return noProxy.some((raw) => {
    const n = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (n === '') return false;
    if (n === '*') return true;
    const bare = n.replace(/^\*?\./, '');
    return h === bare || h.endsWith(`.${bare}`);
  });
}

/** Opens a CONNECT tunnel through the proxy to host:port and wraps it in TLS. */
function tunnel(proxy: URL, host: string, port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: proxy.hostname, port: Number(proxy.port || 80), method: 'CONNECT', path: `${host}:${port}`, headers: { host: `${host}:${port}` }, signal });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new HttpError(`the proxy ${proxy.host} refused the tunnel to ${host} (HTTP ${res.statusCode})`));
        return;
      }
      resolve(tls.connect({ socket, servername: host }));
    });
    req.once('error', (err) => reject(new HttpError(`cannot reach the proxy ${proxy.host}: ${err.message}`)));
    req.end();
  });
}

/**
 * GET `url`, following redirects (at most `maxRedirects`, never from https down to http unless allowed), through
 * the proxy when one applies. Resolves with the final response (any status) and the URL it came from.
 */
export async function httpGet(url: string, headers: OutgoingHttpHeaders, signal: AbortSignal, opts: HttpOptions): Promise<{ res: IncomingMessage; url: string }> {
  const max = opts.maxRedirects ?? 5;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'https:' && !(current.protocol === 'http:' && opts.allowHttp)) {
      throw new HttpError(`refusing ${current.protocol}// (${current.origin}): downloads use https`);
    }
    const res = await requestOnce(current, headers, signal, opts);
    const location = res.headers.location;
    if (res.statusCode !== undefined && REDIRECTS.has(res.statusCode) && location) {
      res.resume();
      if (hop >= max) throw new HttpError(`too many redirects (more than ${max}) from ${url}: a redirect loop?`);
      current = new URL(location, current);
      continue;
    }
    return { res, url: current.href };
  }
}

function requestOnce(u: URL, headers: OutgoingHttpHeaders, signal: AbortSignal, opts: HttpOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const useProxy = opts.proxy !== null && u.protocol === 'https:' && !bypassesProxy(u.hostname, opts.noProxy);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const start = (socket?: Socket): void => {
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.request(
        {
          protocol: u.protocol,
          hostname: u.hostname,
          port,
          path: `${u.pathname}${u.search}`,
          method: 'GET',
          headers: { 'user-agent': 'Hangar', ...headers },
          signal,
          ...(socket ? { createConnection: () => socket, agent: false } : {}),
        },
        resolve,
      );
      req.setTimeout(opts.idleTimeoutMs ?? 30_000, () => req.destroy(new HttpError(`no answer from ${u.host} for ${Math.round((opts.idleTimeoutMs ?? 30_000) / 1000)} s`)));
      req.once('error', reject);
      req.end();
    };
    if (useProxy) tunnel(new URL(opts.proxy!), u.hostname, port, signal).then(start, reject);
    else start();
  });
}

/** Reads a small text body (a checksum list, a catalog), refusing anything over `limit` bytes. */
export async function readText(res: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.destroy();
      throw new HttpError(`the answer is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
