import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The page's policy, sent on every response (the renderer's meta tag says the same or less). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'";

/** Headers every response carries, whatever its status. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // The token is in the first URL: never let it leave in a Referer.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Constant-time comparison of the access token. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Cookies are not scoped by port, so two hosts on one machine each get their own cookie name. */
export function cookieName(port: number): string {
  return `hangar_token_${port}`;
}

export function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers.cookie ?? '';
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookieHeader(name: string, token: string, secure: boolean): string {
  return `${name}=${token}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}

export interface GuardConfig {
  token: string;
  port: number;
  /** 'https' when serving with --allow-remote and TLS. */
  scheme: 'http' | 'https';
  /**
   * Host names (without port) the Host header may carry. Always 127.0.0.1 and localhost; with
   * --allow-remote also this machine's names and addresses. Anything else is a DNS-rebinding attempt.
   */
  hostNames: ReadonlyArray<string>;
}

/** The Host header is one of ours (name:port), so a rebinding page under another name gets nothing. */
export function hostAllowed(cfg: GuardConfig, host: string | undefined): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  return cfg.hostNames.some((name) => h === `${name.includes(':') ? `[${name}]` : name}:${cfg.port}`.toLowerCase());
}

/** A WebSocket's Origin must be exactly this host's own origin (scheme, the Host it asked for, port). */
export function originAllowed(cfg: GuardConfig, origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !hostAllowed(cfg, host)) return false;
  return origin.toLowerCase() === `${cfg.scheme}://${host!.toLowerCase()}`;
}

/** The token from the URL (first visit) or from the cookie (afterwards). */
export function requestToken(cfg: GuardConfig, url: URL, headers: IncomingHttpHeaders): { ok: boolean; fromUrl: boolean } {
  if (tokenMatches(cfg.token, url.searchParams.get('token'))) return { ok: true, fromUrl: true };
  return { ok: tokenMatches(cfg.token, cookieValue(headers, cookieName(cfg.port))), fromUrl: false };
}

export type Verdict = { ok: true; fromUrl: boolean } | { ok: false; status: 400 | 403 | 405; reason: string };

/** The checks every http request passes before anything is served. */
export function checkHttpRequest(cfg: GuardConfig, method: string | undefined, url: URL, headers: IncomingHttpHeaders): Verdict {
  if (!hostAllowed(cfg, headers.host)) return { ok: false, status: 403, reason: 'Forbidden: unexpected Host header.' };
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405, reason: 'Method not allowed.' };
  const t = requestToken(cfg, url, headers);
  if (!t.ok) return { ok: false, status: 403, reason: 'Forbidden: open the URL printed by `hangar serve` (it carries the access token).' };
  return { ok: true, fromUrl: t.fromUrl };
}

/** The checks a WebSocket upgrade passes: Host, token and Origin. */
export function checkUpgrade(cfg: GuardConfig, url: URL, headers: IncomingHttpHeaders): Verdict {
  if (!hostAllowed(cfg, headers.host)) return { ok: false, status: 403, reason: 'unexpected Host header' };
  if (!requestToken(cfg, url, headers).ok) return { ok: false, status: 403, reason: 'missing or wrong token' };
  if (!originAllowed(cfg, headers.origin, headers.host)) return { ok: false, status: 403, reason: 'foreign Origin' };
  return { ok: true, fromUrl: false };
}
