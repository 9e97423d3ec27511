import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { safeJoin } from '../../../src-main/app/safe-path.js';
import { isAppUrl } from '../../../src-main/app/app-url.js';

const root = '/srv/hangar/out/renderer';

describe('safeJoin', () => {
  it('maps ordinary paths under the root', () => {
    expect(safeJoin(root, '/index.html')).toBe('/srv/hangar/out/renderer/index.html');
    expect(safeJoin(root, '/assets/index-abc.js')).toBe('/srv/hangar/out/renderer/assets/index-abc.js');
    expect(safeJoin(root, '/assets/a%20b.png')).toBe('/srv/hangar/out/renderer/assets/a b.png');
  });

  it('serves index.html for / and for folders', () => {
    expect(safeJoin(root, '/')).toBe('/srv/hangar/out/renderer/index.html');
    expect(safeJoin(root, '/docs/')).toBe('/srv/hangar/out/renderer/docs/index.html');
  });

  it.each([
    '/../secret',
    '/assets/../../secret',
    '/%2e%2e/secret',
    '/%2E%2E/%2e%2e/etc/passwd',
    '/assets/%2e%2e/%2e%2e/secret',
    '/..',
  ])('refuses traversal %s', (p) => {
    expect(safeJoin(root, p)).toBeNull();
  });

  it.each(['//etc/passwd', '/%2fetc/passwd', '/C:/Windows/win.ini', '/c:%5cwindows'])('refuses absolute path %s', (p) => {
    expect(safeJoin(root, p)).toBeNull();
  });

  it.each(['/index.html%00.png', '/a\0b', '/assets\\..\\..\\secret', '/assets%5c..%5csecret'])('refuses NUL and backslashes: %s', (p) => {
    expect(safeJoin(root, p)).toBeNull();
  });

  it('refuses malformed percent-encoding and relative input', () => {
    expect(safeJoin(root, '/%E0%A4%A')).toBeNull();
    expect(safeJoin(root, 'index.html')).toBeNull();
  });

  it('decodes exactly once (a double-encoded dot-dot stays a literal name inside the root)', () => {
    expect(safeJoin(root, '/%252e%252e/secret')).toBe('/srv/hangar/out/renderer/%2e%2e/secret');
  });

  it('does not confuse a sibling folder sharing the prefix with the root', () => {
    expect(safeJoin(root, '/../renderer-evil/x.js')).toBeNull();
  });

  it('works with win32 path semantics', () => {
    const winRoot = 'C:\\Hangar\\out\\renderer';
    expect(safeJoin(winRoot, '/assets/app.js', path.win32)).toBe('C:\\Hangar\\out\\renderer\\assets\\app.js');
    expect(safeJoin(winRoot, '/%2e%2e/x', path.win32)).toBeNull();
    expect(safeJoin(winRoot, '/D:/x', path.win32)).toBeNull();
    expect(safeJoin(winRoot, '//server/share/x', path.win32)).toBeNull();
  });
});

describe('isAppUrl', () => {
  it('accepts our origin only', () => {
    expect(isAppUrl('app://hangar/index.html')).toBe(true);
    expect(isAppUrl('app://hangar')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('app://user@hangar/')).toBe(false);
    expect(isAppUrl('https://hangar/')).toBe(false);
    expect(isAppUrl('file:///srv/hangar/out/renderer/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
    expect(isAppUrl(null)).toBe(false);
  });
});
