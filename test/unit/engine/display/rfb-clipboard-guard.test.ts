import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { EXTENDED_CLIPBOARD_ENCODING, RfbClipboardGuard, RfbGuardError, type ClipboardPolicy } from '../../../../src-main/engine/display/rfb-clipboard-guard.js';

// Scripted client → QEMU bytes, as noVNC sends them.
const handshake = (): Buffer => Buffer.concat([Buffer.from('RFB 003.008\n', 'latin1'), Buffer.from([1]), Buffer.from([1])]);
function setEncodings(encs: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * encs.length);
  b[0] = 2;
  b.writeUInt16BE(encs.length, 2);
  encs.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
  return b;
}
const TIGHT = 7;
const RAW = 0;
const key = (down: number, keysym: number) => Buffer.from([4, down, 0, 0, keysym >>> 24, (keysym >>> 16) & 255, (keysym >>> 8) & 255, keysym & 255]);
const pointer = () => Buffer.from([5, 0, 0, 10, 0, 20]);
function cutText(text: string): Buffer {
  const t = Buffer.from(text, 'latin1');
  const b = Buffer.alloc(8);
  b[0] = 6;
  b.writeInt32BE(t.length, 4);
  return Buffer.concat([b, t]);
}
function extCut(flags: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 6;
  b.writeInt32BE(-(4 + payload.length), 4);
  b.writeUInt32BE(flags >>> 0, 8);
  return Buffer.concat([b, payload]);
}
const TEXT = 1;
const NOTIFY = 1 << 27;
const PROVIDE = 1 << 28;
const REQUEST = 1 << 25;
const CAPS = 1 << 24;
function provide(text: string): Buffer {
  const t = Buffer.from(text + '\0', 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return extCut(PROVIDE | TEXT, deflateSync(Buffer.concat([len, t])));
}

/** Runs a client stream through a guard, optionally byte by byte, and returns what QEMU would get. */
function run(policy: ClipboardPolicy, parts: Buffer[], byteByByte = false): { out: Buffer; guard: RfbClipboardGuard } {
  const guard = new RfbClipboardGuard(policy);
  const out: Buffer[] = [];
  const all = Buffer.concat(parts);
  if (byteByByte) for (const b of all) out.push(...guard.push(Buffer.from([b])));
  else out.push(...guard.push(all));
  return { out: Buffer.concat(out), guard };
}

const session = (...msgs: Buffer[]) => [handshake(), setEncodings([TIGHT, RAW, EXTENDED_CLIPBOARD_ENCODING, -258]), ...msgs];

describe('RfbClipboardGuard', () => {
  it('passes everything unchanged when the policy is both ways', () => {
    const parts = session(key(1, 0x61), cutText('hello'), extCut(NOTIFY | TEXT), provide('héllo'), extCut(REQUEST | TEXT), pointer());
    for (const split of [false, true]) {
      const { out, guard } = run('both', parts, split);
      expect(out.equals(Buffer.concat(parts))).toBe(true);
      expect(guard.extendedClipboard).toBe(true);
    }
  });

  it('drops every clipboard message and the extended clipboard encoding when off, keeping the rest', () => {
    for (const split of [false, true]) {
      const { out, guard } = run('off', session(key(1, 0x61), cutText('secret'), extCut(NOTIFY | TEXT), provide('secret'), extCut(REQUEST | TEXT), pointer()), split);
      expect(out.equals(Buffer.concat([handshake(), setEncodings([TIGHT, RAW, -258]), key(1, 0x61), pointer()]))).toBe(true);
      expect(out.includes(Buffer.from('secret'))).toBe(false);
      expect(guard.extendedClipboard).toBe(false);
    }
  });

  it('host → guest: the client may send text but not ask for the guest\'s (no extended clipboard for QEMU to answer on)', () => {
    const { out, guard } = run('host-to-guest', session(cutText('to guest'), extCut(REQUEST | TEXT), key(0, 0x61)));
    expect(out.equals(Buffer.concat([handshake(), setEncodings([TIGHT, RAW, -258]), cutText('to guest'), key(0, 0x61)]))).toBe(true);
    expect(guard.extendedClipboard).toBe(false);
  });

  it('guest → host: the extended clipboard stays, the client\'s requests pass, its notify/provide and plain cut text do not', () => {
    const { out, guard } = run('guest-to-host', session(extCut(CAPS | TEXT, Buffer.alloc(4)), extCut(NOTIFY | TEXT), provide('nope'), cutText('nope'), extCut(REQUEST | TEXT), key(1, 0x62)));
    expect(out.equals(Buffer.concat([...session(), extCut(CAPS | TEXT, Buffer.alloc(4)), extCut(REQUEST | TEXT), key(1, 0x62)]))).toBe(true);
    expect(guard.extendedClipboard).toBe(true);
  });

  it('follows the QEMU, XVP, SetDesktopSize and SetPixelFormat messages and VNC authentication', () => {
    const extKey = Buffer.from([255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e]);
    const audio = Buffer.from([255, 1, 0, 2, 3, 2, 0, 0, 0xac, 0x44]);
    const xvp = Buffer.from([250, 0, 1, 2]);
    const desktop = Buffer.concat([Buffer.from([251, 0, 4, 0, 3, 0, 1, 0]), Buffer.alloc(16, 9)]);
    const pixel = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.alloc(16, 1)]);
    const auth = Buffer.concat([Buffer.from('RFB 003.008\n', 'latin1'), Buffer.from([2]), Buffer.alloc(16, 0xaa), Buffer.from([1])]);
    const parts = [auth, pixel, setEncodings([RAW]), extKey, audio, xvp, desktop, cutText('x')];
    const { out } = run('off', parts, true);
    expect(out.equals(Buffer.concat(parts.slice(0, -1)))).toBe(true);
  });

  it('applies a policy change to the rest of the stream, and says when the connection must close', () => {
    const guard = new RfbClipboardGuard('both');
    expect(Buffer.concat(guard.push(Buffer.concat(session(cutText('a'))))).includes(Buffer.from(cutText('a')))).toBe(true);
    expect(guard.setPolicy('guest-to-host')).toBe(true); // extended clipboard still allowed
    expect(Buffer.concat(guard.push(cutText('b'))).length).toBe(0);
    expect(guard.setPolicy('host-to-guest')).toBe(false); // QEMU already sends this client the guest's clipboard
    const off = new RfbClipboardGuard('off');
    off.push(Buffer.concat(session()));
    expect(off.setPolicy('both')).toBe(true);
    expect(Buffer.concat(off.push(cutText('c'))).equals(cutText('c'))).toBe(true);
  });

  it('drops a long cut text split across many chunks without holding other messages back', () => {
    const guard = new RfbClipboardGuard('off');
    guard.push(Buffer.concat(session()));
    const big = cutText('y'.repeat(100_000));
    const out: Buffer[] = [];
    for (let i = 0; i < big.length; i += 1000) out.push(...guard.push(big.subarray(i, i + 1000)));
    out.push(...guard.push(key(1, 0x63)));
    expect(Buffer.concat(out).equals(key(1, 0x63))).toBe(true);
  });

  it.each([
    ['an RFB 3.3 client', [Buffer.from('RFB 003.003\n')]],
    ['a TLS security type', [Buffer.from('RFB 003.008\n'), Buffer.from([19])]],
    ['an unknown message', [...session(), Buffer.from([99, 0, 0, 0])]],
    ['an unknown QEMU message', [...session(), Buffer.from([255, 7, 0, 0])]],
    ['cut text above 1 MiB', [...session(), Buffer.from([6, 0, 0, 0, 0x00, 0x20, 0x00, 0x00])]],
    ['an extended message without flags', [...session(), Buffer.from([6, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe])]],
  ])('refuses %s', (_name, parts) => {
    expect(() => run('both', parts as Buffer[])).toThrow(RfbGuardError);
  });
});
