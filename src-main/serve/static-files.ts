import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, relative, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** Resolves a URL path inside root, or null for anything that would escape it. */
export function safeResolve(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = normalize(decoded.replace(/^\/+/, ''));
  if (rel.startsWith('..') || rel.includes(`${sep}..${sep}`) || rel === '..') return null;
  const full = join(root, rel);
  if (full !== root && !full.startsWith(root + sep)) return null;
  return full;
}

/**
 * A build asset whose name carries vite's content hash: directly in assets/, `<name>-<8 hash chars>.<ext>`
 * (e.g. assets/first-paint-BoX01sSr.js). Its bytes never change under that name, so the browser may keep it.
 */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8}\.(?:js|mjs|css|woff2|svg|png|ico)$/;

export function isHashedAsset(root: string, path: string): boolean {
  return HASHED_ASSET.test(relative(root, path).split(sep).join('/'));
}

/** Long-lived for content-hashed assets; everything else (index.html first) is fetched anew every time. */
export const IMMUTABLE_CACHE_CONTROL = 'private, max-age=31536000, immutable';

export async function readStatic(root: string, urlPath: string): Promise<{ body: Buffer; type: string; cacheControl: string } | null> {
  const path = safeResolve(root, urlPath === '/' ? '/index.html' : urlPath);
  if (!path) return null;
  try {
    const s = await stat(path);
    if (!s.isFile()) return null;
    const cacheControl = isHashedAsset(root, path) ? IMMUTABLE_CACHE_CONTROL : 'no-store';
    return { body: await readFile(path), type: TYPES[extname(path)] ?? 'application/octet-stream', cacheControl };
  } catch {
    return null;
  }
}
