import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../../src-shared/contract/index.js';
import { parseVmDocument } from '../../../../src-shared/vm-document/index.js';
import { domainXml } from '../../../../src-main/engine/libvirt/domain-xml.js';
import { DomainThumbnails, pngSize } from '../../../../src-main/engine/libvirt/domain-thumbnails.js';
import { comboToQnums, sendKeyArgs, textToQnumChords } from '../../../../src-main/engine/libvirt/qnum-keys.js';
import { SerialInput, serialEndpointOf, serialSocketName, SERIAL_BACKLOG_MAX } from '../../../../src-main/engine/libvirt/serial-input.js';
import { GOLDEN_DIR } from '../qemu/golden-cases.js';

const domainWith = (serial: string): string => `<domain type='qemu'><name>d</name><devices>${serial}</devices></domain>`;

describe('serialEndpointOf: where a domain\'s console takes input (deny by default)', () => {
  it('a unix socket QEMU listens on', () => {
    expect(serialEndpointOf(domainWith(`<serial type='unix'><source mode='bind' path='/var/lib/libvirt/qemu/d-serial0.sock'/><target port='0'/></serial>`), 'd')).toEqual({ kind: 'socket', path: '/var/lib/libvirt/qemu/d-serial0.sock' });
  });

  it.each([
    ['a pty (older Hangar domains, most foreign ones)', `<serial type='pty'><log file='/var/log/libvirt/qemu/d.log'/><target port='0'/></serial>`, /pseudo-terminal \(pty\), which only `virsh console` in a terminal can type into/],
    ['a unix socket QEMU connects out to', `<serial type='unix'><source mode='connect' path='/tmp/s'/></serial>`, /that QEMU does not listen on/],
    ['a relative socket path', `<serial type='unix'><source mode='bind' path='s.sock'/></serial>`, /not an absolute path/],
    ['a socket path with a line break', `<serial type='unix'><source mode='bind' path='/tmp/a&#10;b'/></serial>`, /not an absolute path/],
    ['a TCP serial', `<serial type='tcp'><source mode='bind' host='0.0.0.0' service='4555'/></serial>`, /of type "tcp", which Hangar cannot type into/],
    ['no serial port', '', /has no serial port/],
  ])('%s is read-only, with the reason', (_what, serial, reason) => {
    const ep = serialEndpointOf(domainWith(serial), 'd');
    expect(ep.kind).toBe('read-only');
    expect(ep.kind === 'read-only' && ep.reason).toMatch(reason);
  });

  it('a domain written without a console socket path (unknown folder) gets a pty, as before', () => {
    const vm = parseVmDocument(readFileSync(join(GOLDEN_DIR, 'bios-empty-cd.vm.json'), 'utf8'));
    const xml = domainXml(vm, { disks: Object.fromEntries(vm.disks.map((d) => [d.id, '/x.qcow2'])), serialLog: '/l/s.log', kvm: false });
    expect(xml).toMatch(/<serial type="pty">\s*<log file="\/l\/s.log" append="on"\/>/);
    expect(serialEndpointOf(xml, 'd').kind).toBe('read-only');
    const withSocket = domainXml(vm, { disks: Object.fromEntries(vm.disks.map((d) => [d.id, '/x.qcow2'])), serialLog: '/l/s.log', serialSocket: '/run/s.sock', kvm: false });
    expect(serialEndpointOf(withSocket, 'd')).toEqual({ kind: 'socket', path: '/run/s.sock' });
  });

  it('names the forwarded socket by a hash of the whole uuid', () => {
    const a = serialSocketName('0badc0de-0000-4000-8000-000000000001');
    expect(a).toMatch(/^[0-9a-f]{16}\.ser$/);
    expect(serialSocketName('0badc0de-0000-4000-8000-000000000002')).not.toBe(a);
  });
});

describe('libvirt keys: the same tables as Hangar\'s own vm.sendKey, as qnum numbers', () => {
  it('maps combos and aliases', () => {
    expect(comboToQnums('ctrl-alt-delete')).toEqual({ keys: ['ctrl', 'alt', 'delete'], qnums: [0x1d, 0x38, 0xd3] });
    expect(comboToQnums('ctrl+alt+f2').qnums).toEqual([0x1d, 0x38, 0x3c]);
    expect(comboToQnums('enter').keys).toEqual(['ret']);
  });

  it('refuses unknown and unmappable keys as invalid-args', () => {
    for (const [combo, msg] of [['ctrl-frobnicate', /unknown key "frobnicate"/], ['ctrl-alt', null], ['ac_bookmarks', /cannot be sent to a libvirt machine/], ['ctrl--', null]] as const) {
      if (msg === null) {
        expect(() => comboToQnums(combo)).not.toThrow();
        continue;
      }
      let err: unknown;
      try {
        comboToQnums(combo);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('invalid-args');
      expect((err as EngineError).message).toMatch(msg);
    }
  });

  it('types every printable ASCII character and newline; control characters are refused before anything is sent', () => {
    const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    expect(textToQnumChords(`${ascii}\n\t`).length).toBe(97);
    expect(textToQnumChords('aA')).toEqual([[0x1e], [0x2a, 0x1e]]);
    expect(() => textToQnumChords('ls\x1b[2J')).toThrow(/cannot type "\\u001b"/);
    expect(() => textToQnumChords('\x00')).toThrow(EngineError);
    expect(textToQnumChords('a'.repeat(4096)).length).toBe(4096);
    expect(() => textToQnumChords('a'.repeat(4097))).toThrow(/at most 4096/);
  });

  it('hands virsh numbers only', () => {
    expect(sendKeyArgs('u', [29, 56, 211])).toEqual(['send-key', '--domain=u', '--codeset', 'qnum', '--keycode=29', '--keycode=56', '--keycode=211']);
  });
});

/** A PNG-like buffer of a given size (the service reads only the IHDR size and hashes the bytes). */
const fakePng = (w: number, h: number, tag: string): Buffer => {
  const b = Buffer.alloc(24 + tag.length);
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  b.write(tag, 24);
  return b;
};

describe('DomainThumbnails: leased virsh screenshot rounds', () => {
  function make(running: string[]) {
    const screens = new Map<string, Buffer>(running.map((u) => [u, fakePng(640, 480, 'a')]));
    const calls = { running: 0, shots: [] as string[] };
    const emitted: Array<{ uuid: string; width: number }> = [];
    let wake = (): void => undefined;
    const t = new DomainThumbnails({
      running: async () => (calls.running++, running),
      screenshotPng: async (u) => (calls.shots.push(u), screens.get(u)!),
      emit: (uuid, th) => (emitted.push({ uuid, width: th.width }), wake()),
    }, 60_000, 30_000);
    const emittedOnce = () => new Promise<void>((r) => (wake = r));
    return { t, screens, calls, emitted, emittedOnce };
  }

  it('captures the domains in view, sends a changed picture only, and stops with the last subscriber', async () => {
    const m = make(['u1', 'u2']);
    let first = m.emittedOnce();
    m.t.subscribe(1, ['u1']);
    await first;
    expect(m.emitted).toEqual([{ uuid: 'u1', width: 640 }]);
    expect(m.calls.shots).toEqual(['u1']); // u2 is not in view
    expect(m.t.running).toBe(true);
    // A second round with the same picture sends nothing; a changed one is sent.
    await (m.t as unknown as { round(): Promise<void> }).round();
    expect(m.emitted.length).toBe(1);
    m.screens.set('u1', fakePng(800, 600, 'b'));
    first = m.emittedOnce();
    await (m.t as unknown as { round(): Promise<void> }).round();
    await first;
    expect(m.emitted.at(-1)).toEqual({ uuid: 'u1', width: 800 });
    // A second client with u1 newly in view gets the latest at once, without a capture.
    const shots = m.calls.shots.length;
    m.t.subscribe(2, ['u1']);
    expect(m.emitted.at(-1)).toEqual({ uuid: 'u1', width: 800 });
    expect(m.calls.shots.length).toBe(shots);
    m.t.unsubscribe(1);
    expect(m.t.running).toBe(true);
    m.t.unsubscribe(2);
    expect(m.t.running).toBe(false);
  });

  it('reads the size from the PNG header', () => {
    expect(pngSize(fakePng(1024, 768, ''))).toEqual({ width: 1024, height: 768 });
    expect(pngSize(Buffer.alloc(3))).toEqual({ width: 0, height: 0 });
  });
});

describe('SerialInput: one connection per domain to its console socket', () => {
  let dir: string;
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes through one kept connection, reconnects after it closed, and refuses a backlog the guest does not drain', async () => {
    dir = mkdtempSync(join(tmpdir(), 'serial-'));
    const path = join(dir, 's.sock');
    const conns: Socket[] = [];
    let got = '';
    let onGot = (): void => undefined;
    server = createServer((s) => {
      conns.push(s);
      s.on('data', (b) => ((got += b.toString()), onGot()));
    });
    await new Promise<void>((r) => server!.listen(path, r));
    const input = new SerialInput();
    let reached = 0;
    const reach = async () => (reached++, path);
    const until = (text: string) => new Promise<void>((r) => ((onGot = () => got.includes(text) && r()), onGot()));
    await input.write('u', reach, 'ab');
    await input.write('u', reach, 'c\r');
    await until('abc\r');
    expect(reached).toBe(1);
    expect(conns.length).toBe(1);
    // QEMU restarted (the domain stopped and started): the next write connects again.
    conns[0]!.destroy();
    await new Promise<void>((r) => setTimeout(r, 0));
    for (let i = 0; i < 100 && reached === 1; i++) {
      await input.write('u', reach, 'x').catch(() => undefined);
      await new Promise<void>((r) => setTimeout(r, 10));
    }
    await until('x');
    expect(reached).toBe(2);
    // A guest that does not read: the engine keeps at most SERIAL_BACKLOG_MAX (4 MiB), so 12 writes of 1 MB cannot all go.
    expect(SERIAL_BACKLOG_MAX).toBeLessThan(12_000_000);
    conns[1]!.pause();
    const big = 'y'.repeat(1_000_000);
    let err: unknown;
    for (let i = 0; i < 12 && !err; i++) await input.write('u', reach, big).catch((e: unknown) => (err = e));
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('busy');
    expect((err as EngineError).message).toMatch(/has not read yet/);
    input.close();
  });

  it('a socket that is not there is a clear invalid-state, and the next write tries again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'serial-'));
    const input = new SerialInput();
    let reached = 0;
    const reach = async () => (reached++, join(dir, 'none.sock'));
    await expect(input.write('u', reach, 'a')).rejects.toMatchObject({ code: 'invalid-state', message: expect.stringMatching(/cannot reach the serial console/) });
    await expect(input.write('u', reach, 'a')).rejects.toMatchObject({ code: 'invalid-state' });
    expect(reached).toBe(2);
  });
});
