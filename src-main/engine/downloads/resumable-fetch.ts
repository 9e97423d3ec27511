import { constants } from 'node:fs';
import { open, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { httpGet, HttpError, type HttpOptions } from './http-get.js';

/** The sidecar beside a `.part` file: what the bytes so far came from, so a later run can ask for the rest (If-Range). */
const sidecarSchema = z.strictObject({
  url: z.string(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  totalBytes: z.number().int().nonnegative().nullable(),
});
type Sidecar = z.infer<typeof sidecarSchema>;

export interface FetchProgress {
  receivedBytes: number;
  totalBytes: number | null;
  /** Bytes per second over the last few seconds. */
  bytesPerSecond: number;
}

export interface ResumableFetchOptions {
  url: string;
  /** The unverified file is `partPath`; its sidecar is `partPath + '.json'`. */
  partPath: string;
  http: HttpOptions;
  signal: AbortSignal;
  onProgress?: (p: FetchProgress) => void;
  /** How often a dropped connection is picked up again within one run (default 3). */
  retries?: number;
  /** Free bytes of the folder holding the file (injectable for unit tests; default statfs). */
  freeBytes?: (dir: string) => Promise<number>;
}

export class NoSpaceError extends Error {}

/** Space kept free beyond the file itself, so a download never fills the disk to the last block. */
export const SPACE_MARGIN_BYTES = 64 * 1024 * 1024;

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

async function readSidecar(path: string): Promise<Sidecar | null> {
  try {
    return sidecarSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch {
    return null;
  }
}

async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function rangeStart(res: IncomingMessage): number | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
  return m ? Number(m[1]) : null;
}

function totalOf(res: IncomingMessage, offset: number): number | null {
  const m = /\/(\d+)$/.exec(res.headers['content-range'] ?? '');
  if (m) return Number(m[1]);
  const len = res.headers['content-length'];
  return len !== undefined && /^\d+$/.test(len) ? offset + Number(len) : null;
}

/**
 * Downloads `url` into `partPath`, carrying on from the bytes already there when the server can: a Range request
 * with If-Range on the ETag or Last-Modified the sidecar recorded, so a changed file starts over instead of being
 * spliced. A server that ignores Range (200) starts over too. Before the first byte is written the free space is
 * checked against the length the server announced. A connection that drops is resumed (`retries` times); an abort
 * leaves the part and sidecar in place for the next run (pause), and rejects with the signal's reason.
 */
export async function resumableFetch(o: ResumableFetchOptions): Promise<{ bytes: number }> {
  const sidecarPath = `${o.partPath}.json`;
  const freeBytes = o.freeBytes ?? statfsFree;
  let attemptsLeft = o.retries ?? 3;
  for (;;) {
    o.signal.throwIfAborted();
    const side = await readSidecar(sidecarPath);
    let offset = side && side.url === o.url && (side.etag || side.lastModified) ? await partSize(o.partPath) : 0;
    if (side?.totalBytes != null && offset === side.totalBytes && offset > 0) return { bytes: offset };
    const headers: Record<string, string> = {};
    if (offset > 0) {
      headers['range'] = `bytes=${offset}-`;
      headers['if-range'] = side!.etag ?? side!.lastModified!;
    }
    const { res } = await httpGet(o.url, headers, o.signal, o.http);
    const status = res.statusCode ?? 0;
    if (status === 416 && offset > 0) {
      // What we hold is not a prefix the server recognises: start over.
      res.resume();
      await rm(o.partPath, { force: true });
      await rm(sidecarPath, { force: true });
      continue;
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      throw new HttpError(`the server answered HTTP ${status} for ${o.url}`, status);
    }
    if (status === 206 && rangeStart(res) !== offset) {
      res.resume();
      throw new HttpError(`the server sent a range that does not start at byte ${offset}`);
    }
    if (status === 200) offset = 0;
    const total = totalOf(res, offset);
    const needed = total === null ? 0 : total - offset;
    const free = await freeBytes(dirname(o.partPath));
    if (needed + SPACE_MARGIN_BYTES > free) {
      res.destroy();
      throw new NoSpaceError(`not enough free space in ${dirname(o.partPath)}: the download needs ${formatSize(needed)} more, ${formatSize(free)} is free`);
    }
    const etagHeader = res.headers.etag;
    // A weak ETag cannot be used with If-Range (RFC 9110 13.1.5): keep only a strong one.
    const etag = etagHeader && !etagHeader.startsWith('W/') ? etagHeader : null;
    await writeFile(sidecarPath, JSON.stringify({ url: o.url, etag, lastModified: res.headers['last-modified'] ?? null, totalBytes: total } satisfies Sidecar), { mode: 0o600 });
    const received = { n: offset };
    try {
      // Without an announced length, no more than the free space (less the margin) is taken.
      await pipeBody(res, o.partPath, status === 206, received, total, total ?? offset + free - SPACE_MARGIN_BYTES, o.onProgress, o.signal);
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason ?? err;
      const progressed = received.n > offset;
      if (attemptsLeft-- > 0 && (progressed || isNetworkError(err))) continue;
      throw new HttpError(`the connection dropped at ${formatSize(received.n)}${total !== null ? ` of ${formatSize(total)}` : ''} (${(err as Error).message}); downloading again resumes from there`);
    }
    if (total !== null && received.n !== total) {
      if (attemptsLeft-- > 0) continue;
      throw new HttpError(`the connection dropped at ${formatSize(received.n)} of ${formatSize(total)}; downloading again resumes from there`);
    }
    return { bytes: received.n };
  }
}

function isNetworkError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE'].includes(code) || err instanceof HttpError;
}

async function pipeBody(
  res: IncomingMessage,
  path: string,
  append: boolean,
  received: { n: number },
  total: number | null,
  limit: number,
  onProgress: ResumableFetchOptions['onProgress'],
  signal: AbortSignal,
): Promise<void> {
  const samples: Array<[number, number]> = [[Date.now(), received.n]];
  let lastReport = 0;
  // Counted as the bytes reach the file's stream, so the part's size and `received` agree at any failure.
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received.n += chunk.length;
      if (received.n > limit) {
        done(new NoSpaceError(`the server sent more than ${formatSize(limit)}${total === null ? ' without announcing a length (the free space)' : ', the length it announced'}`));
        return;
      }
      const now = Date.now();
      if (onProgress && now - lastReport >= 250) {
        lastReport = now;
        samples.push([now, received.n]);
        while (samples.length > 2 && now - samples[0]![0] > 5000) samples.shift();
        const [t0, b0] = samples[0]!;
        onProgress({ receivedBytes: received.n, totalBytes: total, bytesPerSecond: now > t0 ? Math.round(((received.n - b0) * 1000) / (now - t0)) : 0 });
      }
      done(null, chunk);
    },
  });
  // O_NOFOLLOW: a link put where the part file goes is never written through.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (append ? constants.O_APPEND : constants.O_TRUNC);
  const handle = await open(path, flags, 0o600);
  await pipeline(res, count, handle.createWriteStream(), { signal });
  if (!res.complete) throw Object.assign(new Error('connection closed early'), { code: 'ECONNRESET' });
  onProgress?.({ receivedBytes: received.n, totalBytes: total, bytesPerSecond: 0 });
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
