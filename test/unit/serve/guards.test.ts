import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  checkHttpRequest,
  checkUpgrade,
  cookieName,
  cookieValue,
  hostAllowed,
  originAllowed,
  setCookieHeader,
  tokenMatches,
  type GuardConfig,
} from '../../../src-main/serve/guards.js';
import { safeResolve } from '../../../src-main/serve/static-files.js';

const token = 'ab'.repeat(24);
const cfg: GuardConfig = { token, port: 8123, scheme: 'http', hostNames: ['127.0.0.1', 'localhost'] };
const url = (s: string) => new URL(s, 'http://host.invalid');

describe('token', () => {
  it('matches only the exact token', () => {
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(token, token.slice(1))).toBe(false);
    expect(tokenMatches(token, `${token}0`)).toBe(false);
    expect(tokenMatches(token, '')).toBe(false);
    expect(tokenMatches(token, null)).toBe(false);
    expect(tokenMatches(token, undefined)).toBe(false);
  });

  it('reads the per-port cookie among others', () => {
    const headers = { cookie: `a=1; ${cookieName(8123)}=${token}; hangar_token_9999=x` };
    expect(cookieValue(headers, cookieName(8123))).toBe(token);
    expect(cookieValue(headers, cookieName(9999))).toBe('x');
    expect(cookieValue({}, cookieName(8123))).toBeUndefined();
  });

  it('sets an HttpOnly SameSite=Strict cookie, Secure only with TLS', () => {
    expect(setCookieHeader('n', 't', false)).toBe('n=t; HttpOnly; SameSite=Strict; Path=/');
    expect(setCookieHeader('n', 't', true)).toContain('; Secure');
  });
});

describe('Host header (DNS rebinding)', () => {
  it('accepts 127.0.0.1 and localhost with our port only', () => {
    expect(hostAllowed(cfg, '127.0.0.1:8123')).toBe(true);
    expect(hostAllowed(cfg, 'localhost:8123')).toBe(true);
    expect(hostAllowed(cfg, 'LOCALHOST:8123')).toBe(true);
    expect(hostAllowed(cfg, '127.0.0.1:8124')).toBe(false);
    expect(hostAllowed(cfg, '127.0.0.1')).toBe(false);
    expect(hostAllowed(cfg, 'evil.example:8123')).toBe(false);
    expect(hostAllowed(cfg, 'localhost.evil.example:8123')).toBe(false);
    expect(hostAllowed(cfg, undefined)).toBe(false);
  });

  it('accepts the remote names given with --allow-remote (IPv6 in brackets)', () => {
    const remote: GuardConfig = { ...cfg, scheme: 'https', hostNames: [...cfg.hostNames, 'box', 'fe80::1'] };
    expect(hostAllowed(remote, 'box:8123')).toBe(true);
    expect(hostAllowed(remote, '[fe80::1]:8123')).toBe(true);
    expect(hostAllowed(remote, 'other:8123')).toBe(false);
  });
});

describe('Origin of WebSockets', () => {
  it('must be exactly the page origin for the Host asked for', () => {
    expect(originAllowed(cfg, 'http://127.0.0.1:8123', '127.0.0.1:8123')).toBe(true);
    expect(originAllowed(cfg, 'http://localhost:8123', 'localhost:8123')).toBe(true);
    expect(originAllowed(cfg, 'http://localhost:8123', '127.0.0.1:8123')).toBe(false);
    expect(originAllowed(cfg, 'https://127.0.0.1:8123', '127.0.0.1:8123')).toBe(false);
    expect(originAllowed(cfg, 'http://127.0.0.1:8124', '127.0.0.1:8123')).toBe(false);
    expect(originAllowed(cfg, 'http://evil.example', '127.0.0.1:8123')).toBe(false);
    expect(originAllowed(cfg, 'null', '127.0.0.1:8123')).toBe(false);
    expect(originAllowed(cfg, undefined, '127.0.0.1:8123')).toBe(false);
    expect(originAllowed(cfg, 'http://evil.example:8123', 'evil.example:8123')).toBe(false);
  });
});

describe('request checks', () => {
  const host = '127.0.0.1:8123';
  it('needs the token in the URL or the cookie', () => {
    expect(checkHttpRequest(cfg, 'GET', url('/'), { host })).toMatchObject({ ok: false, status: 403 });
    expect(checkHttpRequest(cfg, 'GET', url(`/?token=${token}`), { host })).toEqual({ ok: true, fromUrl: true });
    expect(checkHttpRequest(cfg, 'GET', url('/x.js'), { host, cookie: `${cookieName(8123)}=${token}` })).toEqual({ ok: true, fromUrl: false });
    expect(checkHttpRequest(cfg, 'GET', url('/'), { host, cookie: `${cookieName(8124)}=${token}` })).toMatchObject({ ok: false, status: 403 });
  });

  it('checks the Host before the token, and allows only GET and HEAD', () => {
    expect(checkHttpRequest(cfg, 'GET', url(`/?token=${token}`), { host: 'evil.example:8123' })).toMatchObject({ ok: false, status: 403 });
    expect(checkHttpRequest(cfg, 'POST', url(`/?token=${token}`), { host })).toMatchObject({ ok: false, status: 405 });
    expect(checkHttpRequest(cfg, 'HEAD', url(`/?token=${token}`), { host }).ok).toBe(true);
  });

  it('upgrades need Host, token and Origin', () => {
    const cookie = `${cookieName(8123)}=${token}`;
    expect(checkUpgrade(cfg, url('/engine'), { host, cookie, origin: 'http://127.0.0.1:8123' }).ok).toBe(true);
    expect(checkUpgrade(cfg, url('/engine'), { host, origin: 'http://127.0.0.1:8123' })).toMatchObject({ ok: false, status: 403 });
    expect(checkUpgrade(cfg, url('/engine'), { host, cookie, origin: 'http://evil.example' })).toMatchObject({ ok: false, reason: 'foreign Origin' });
    expect(checkUpgrade(cfg, url('/engine'), { host, cookie })).toMatchObject({ ok: false });
    expect(checkUpgrade(cfg, url('/engine'), { host: 'evil.example:8123', cookie, origin: 'http://evil.example:8123' })).toMatchObject({ ok: false });
  });

  it('has the required content security policy', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'",
    );
  });
});

describe('static path traversal', () => {
  const root = '/srv/out/renderer';
  it('resolves paths inside the root', () => {
    expect(safeResolve(root, '/index.html')).toBe('/srv/out/renderer/index.html');
    expect(safeResolve(root, '/assets/a.js')).toBe('/srv/out/renderer/assets/a.js');
    expect(safeResolve(root, '/assets/../index.html')).toBe('/srv/out/renderer/index.html');
  });

  it.each([
    '/../secret',
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/%2E%2E/%2E%2E/x',
    '/..%2fsecret',
    '/a/../../secret',
    '/%00',
    '/index.html%00.js',
    '/%E0%A4%A',
    '/../renderer-evil/x',
  ])('refuses %s', (p) => {
    expect(safeResolve(root, p)).toBeNull();
  });
});
