import { describe, expect, it } from 'vitest';
import { checksumFor } from '../../../../src-main/engine/downloads/checksum-list.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('checksumFor', () => {
  it('reads GNU lines, text and binary mode', () => {
    expect(checksumFor(`${B}  other.iso\n${A}  debian.iso\n`, 'debian.iso', 'sha256')).toBe(A);
    expect(checksumFor(`${A} *debian.iso\n`, 'debian.iso', 'sha256')).toBe(A);
  });
  it('reads BSD lines inside a clear-signed armour (Fedora, FreeBSD)', () => {
    const text = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n# Fedora-Server-43-1.6-x86_64.iso: 1 bytes\nSHA256 (Fedora.iso) = ${A.toUpperCase()}\n-----BEGIN PGP SIGNATURE-----\nxyz\n`;
    expect(checksumFor(text, 'Fedora.iso', 'sha256')).toBe(A);
  });
  it('matches the whole name, not a suffix or another algorithm', () => {
    expect(() => checksumFor(`${A}  not-debian.iso\n`, 'debian.iso', 'sha256')).toThrow(/does not list debian.iso/);
    expect(() => checksumFor(`${A}  debian.iso\n`, 'debian.iso', 'sha512')).toThrow(/does not list/);
  });
  it('refuses a list naming the file twice with different sums', () => {
    expect(() => checksumFor(`${A}  x.iso\n${B}  x.iso\n`, 'x.iso', 'sha256')).toThrow(/2 different/);
  });
  it('accepts a ./ prefix', () => {
    expect(checksumFor(`${A}  ./x.iso\n`, 'x.iso', 'sha256')).toBe(A);
  });
});
