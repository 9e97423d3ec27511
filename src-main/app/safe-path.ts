// Pure path checks for the app:// protocol handler. No electron here, so it can be unit-tested under Node.
import nodePath from 'node:path';

type PathApi = Pick<typeof nodePath, 'resolve' | 'relative' | 'isAbsolute' | 'sep'>;

/**
 * Maps the pathname of an app:// URL onto a file under `root`, or returns null when the request must be
 * refused: malformed percent-encoding, NUL bytes, backslashes, drive letters, absolute paths after the
 * leading slash, any `..` segment (also when percent-encoded), or a result outside `root`.
 * The pathname is decoded exactly once; `/` maps to `index.html`.
 */
export function safeJoin(root: string, urlPathname: string, path: PathApi = nodePath): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (!decoded.startsWith('/')) return null;
  const rel = decoded.slice(1);
  if (rel.startsWith('/') || /^[a-zA-Z]:/.test(rel) || path.isAbsolute(rel)) return null;
  const segments = rel.split('/');
  if (segments.some((s) => s === '..')) return null;
  const target = rel === '' || rel.endsWith('/') ? `${rel}index.html` : rel;
  const base = path.resolve(root);
  const resolved = path.resolve(base, target);
  const inside = path.relative(base, resolved);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return null;
  return resolved;
}
