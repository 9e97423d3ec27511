import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { useTestEnv, type TestEnv } from './engine-harness.js';

/** What one path of the test mirror does. */
export interface ServedFile {
  body: Buffer;
  etag?: string;
  /** Ignore Range and always send the whole file (200). */
  ignoreRange?: boolean;
  /** Cut the connection once the file's first `dropAfter` bytes are sent, the first `dropTimes` times (default 1). */
  dropAfter?: number;
  dropTimes?: number;
  /** Cut every response after this many bytes (a link that keeps failing). */
  dropEvery?: number;
  /** Announce this Content-Length instead of the body's (the "10 GiB on a small disk" case). */
  claimLength?: number;
  /** Bytes per second (roughly): lets a test pause mid-file. */
  rate?: number;
}

export interface DownloadServer {
  origin: string;
  files: Map<string, ServedFile>;
  /** Every request: path and Range/If-Range headers. */
  requests: Array<{ path: string; range?: string; ifRange?: string }>;
  /** `/loop` redirects to itself. */
  close(): Promise<void>;
}

export function payload(bytes: number): { body: Buffer; sha256: string; sha512: string } {
  const body = randomBytes(bytes);
  return { body, sha256: createHash('sha256').update(body).digest('hex'), sha512: createHash('sha512').update(body).digest('hex') };
}

/** A local HTTP mirror for download tests: Range + If-Range on the ETag, drops, redirect loops, lying lengths. */
export async function startDownloadServer(): Promise<DownloadServer> {
  const files = new Map<string, ServedFile>();
  const requests: DownloadServer['requests'] = [];
  const drops = new Map<string, number>();
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, ...(req.headers.range ? { range: req.headers.range } : {}), ...(req.headers['if-range'] ? { ifRange: String(req.headers['if-range']) } : {}) });
    if (path === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
      return;
    }
    if (path.startsWith('/redirect-to')) {
      res.writeHead(301, { location: path.slice('/redirect-to'.length) }).end();
      return;
    }
    const f = files.get(path);
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    const etag = f.etag ?? `"${createHash('sha1').update(f.body).digest('hex').slice(0, 16)}"`;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const rangeOk = m && !f.ignoreRange && (req.headers['if-range'] === undefined || req.headers['if-range'] === etag);
    if (rangeOk) start = Number(m[1]);
    if (start > f.body.length) {
      res.writeHead(416, { 'content-range': `bytes */${f.body.length}` }).end();
      return;
    }
    const slice = f.body.subarray(start);
    const headers: Record<string, string> = { etag, 'content-length': String(f.claimLength ?? slice.length), 'accept-ranges': f.ignoreRange ? 'none' : 'bytes' };
    if (rangeOk) headers['content-range'] = `bytes ${start}-${f.body.length - 1}/${f.body.length}`;
    res.writeHead(rangeOk ? 206 : 200, headers);
    const dropsDone = drops.get(path) ?? 0;
    const dropAt = f.dropAfter !== undefined && dropsDone < (f.dropTimes ?? 1) && start < f.dropAfter;
    const drop = dropAt || (f.dropEvery !== undefined && slice.length > f.dropEvery);
    const end = dropAt ? f.dropAfter! - start : drop ? f.dropEvery! : slice.length;
    if (drop) drops.set(path, dropsDone + 1);
    const chunk = 64 * 1024;
    let at = 0;
    const pump = (): void => {
      if (res.destroyed) return;
      if (at >= end) {
        if (drop || f.claimLength !== undefined) res.socket?.destroy();
        else res.end();
        return;
      }
      const n = Math.min(chunk, end - at);
      res.write(slice.subarray(at, at + n));
      at += n;
      if (f.rate) setTimeout(pump, (n * 1000) / f.rate);
      else setImmediate(pump);
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    files,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A test env whose engine downloads through a local mirror started for the suite (HANGAR_DOWNLOAD_MIRROR rewrites
 * every catalog URL's origin). Set before the env's first command: a background engine keeps the environment it
 * started with.
 */
export function useMirroredTestEnv(use: (t: TestEnv, server: DownloadServer) => void): void {
  let server: DownloadServer | undefined;
  beforeAll(async () => {
    server = await startDownloadServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  useTestEnv((t) => {
    t.env['HANGAR_DOWNLOAD_MIRROR'] = server!.origin;
    use(t, server!);
  });
}
