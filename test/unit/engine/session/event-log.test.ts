import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandArgs, type QmpEventRecord } from '../../../../src-shared/contract/index.js';
import { EventLog, eventsTail, eventTime, formatEvent, readTextTail } from '../../../../src-main/engine/session/event-log.js';
import { VmSession } from '../../../../src-main/engine/session/vm-session.js';
import type { QmpCommands, QmpEventMessage } from '../../../../src-main/engine/qmp/qmp-commands.js';
import { Engine } from '../../../../src-main/engine/engine.js';
import type { ClientContext } from '../../../../src-main/engine/rpc/engine-server.js';
import { makeTestEnv, qemuPidsUnder, type TestEnv } from '../../../helpers/engine-harness.js';

const rec = (i: number): QmpEventRecord => ({ at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), event: `E${i}`, data: { i } });

describe('EventLog (the per-session QMP event ring)', () => {
  it('keeps the newest `capacity` events, oldest first, across wrap-arounds', () => {
    const log = new EventLog(3);
    expect(log.list()).toEqual([]);
    for (let i = 0; i < 2; i++) log.push(rec(i));
    expect(log.list().map((e) => e.event)).toEqual(['E0', 'E1']);
    for (let i = 2; i < 8; i++) log.push(rec(i));
    expect(log.size).toBe(3);
    expect(log.list().map((e) => e.event)).toEqual(['E5', 'E6', 'E7']);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new EventLog(0)).toThrow(RangeError);
    expect(() => new EventLog(1.5)).toThrow(RangeError);
  });

  it("uses QEMU's timestamp, and the engine's clock when QEMU gave none", () => {
    expect(eventTime({ seconds: 1_700_000_000, microseconds: 250_000 })).toBe('2023-11-14T22:13:20.250Z');
    expect(eventTime({ seconds: 0, microseconds: 0 }, () => 0)).toBe('1970-01-01T00:00:00.000Z');
    expect(eventTime(undefined, () => 1000)).toBe('1970-01-01T00:00:01.000Z');
  });

  it('eventsTail keeps the newest events whose lines fit in maxBytes', () => {
    const events = Array.from({ length: 50 }, (_, i) => rec(i));
    const all = eventsTail(events, 1_000_000);
    expect(all.truncated).toBe(false);
    expect(all.events).toHaveLength(50);
    expect(all.text.split('\n')[0]).toBe(formatEvent(events[0]!));
    const lineBytes = Buffer.byteLength(formatEvent(events[49]!)) + 1;
    const some = eventsTail(events, lineBytes * 3 + 1);
    expect(some.truncated).toBe(true);
    expect(some.events.map((e) => e.event)).toEqual(['E47', 'E48', 'E49']);
    expect(Buffer.byteLength(some.text)).toBeLessThanOrEqual(lineBytes * 3 + 1);
    expect(eventsTail(events, 1)).toEqual({ events: [], text: '', truncated: true });
  });
});

describe('readTextTail', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync('/tmp/hgr-tail-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns a short file whole, and nothing for a missing one', async () => {
    writeFileSync(join(dir, 'short.log'), 'one\ntwo\n');
    expect(await readTextTail(join(dir, 'short.log'), 1024)).toEqual({ text: 'one\ntwo\n', truncated: false });
    expect(await readTextTail(join(dir, 'missing.log'), 1024)).toEqual({ text: '', truncated: false });
  });

  it('cuts a long file to maxBytes at a line boundary', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    writeFileSync(join(dir, 'long.log'), lines);
    const r = await readTextTail(join(dir, 'long.log'), 100);
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(100);
    expect(r.text.endsWith('line 999\n')).toBe(true);
    expect(r.text.startsWith('line ')).toBe(true);
  });
});

describe('VmSession records the QMP events it receives', () => {
  it('with the time, the name and the data', async () => {
    const listeners = new Set<(e: QmpEventMessage) => void>();
    const qmp: QmpCommands = {
      execute: async <T>() => ({}) as T,
      expectEvent: () => new Promise(() => undefined),
      onEvent: (l) => (listeners.add(l), () => listeners.delete(l)),
      onDisconnected: () => () => undefined,
      close: async () => undefined,
    };
    const s = new VmSession(
      { vmId: 'vm-1', runtimeDir: '/nonexistent', logsDir: '/nonexistent', pid: 999_999_999, qmp, emit: () => undefined, keys: { comboToQcodes: () => [], typeText: async () => 0 }, onEnded: () => undefined },
      { kind: 'running' },
    );
    for (const l of listeners) l({ event: 'STOP', data: {}, timestamp: { seconds: 1_700_000_000, microseconds: 0 } });
    for (const l of listeners) l({ event: 'RTC_CHANGE', data: { offset: 1 } });
    expect(s.events.list()).toEqual([
      { at: '2023-11-14T22:13:20.000Z', event: 'STOP', data: {} },
      { at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), event: 'RTC_CHANGE', data: { offset: 1 } },
    ]);
    expect(s.state.kind).toBe('paused'); // the session still acts on the events it records
  });
});

describe('vm.logs on a real engine (stopped VM)', () => {
  let t: TestEnv;
  let engine: Engine;
  let vmId: string;
  let logsDir: string;
  const client = { clientId: 1, followSerial: () => undefined } satisfies ClientContext;

  beforeAll(async () => {
    t = makeTestEnv();
    engine = await Engine.open({ libraryDir: t.libraryDir, env: t.env });
    const handlers = engine.services.handlers;
    const created = await handlers['vm.create']({ name: 'logs vm', memoryMiB: 64 }, client);
    vmId = created.id;
    logsDir = join(created.bundleDir, 'logs');
    mkdirSync(logsDir, { recursive: true });
    writeFileSync(join(logsDir, 'qemu.log'), `${'q'.repeat(99)}\n`.repeat(10_000)); // ~1 MB
    writeFileSync(join(logsDir, 'serial.log'), 'HANGAR-LINUX-READY\r\nECHO:hi\r\n');
  });

  afterAll(async () => {
    await engine?.close();
    const orphans = t ? qemuPidsUnder(t.runtimeBase) : [];
    t?.cleanup();
    expect(orphans).toEqual([]);
  });

  it('returns at most 256 KiB by default and at most maxBytes when given', async () => {
    const h = engine.services.handlers;
    const def = await h['vm.logs']({ vm: vmId, kind: 'qemu' }, client);
    expect(def.truncated).toBe(true);
    expect(Buffer.byteLength(def.text)).toBeLessThanOrEqual(256 * 1024);
    expect(Buffer.byteLength(def.text)).toBeGreaterThan(250 * 1024);
    const small = await h['vm.logs']({ vm: vmId, kind: 'qemu', maxBytes: 1000 }, client);
    expect(small.text).toBe(`${'q'.repeat(99)}\n`.repeat(10));
    expect(await h['vm.logs']({ vm: vmId, kind: 'serial' }, client)).toEqual({ kind: 'serial', text: 'HANGAR-LINUX-READY\r\nECHO:hi\r\n', truncated: false });
  });

  it('events of a VM that never ran here: none', async () => {
    const h = engine.services.handlers;
    expect(await h['vm.logs']({ vm: vmId, kind: 'events' }, client)).toEqual({ kind: 'events', text: '', truncated: false, events: [] });
  });

  it('the schema refuses unknown kinds and sizes above 4 MiB', () => {
    expect(commandArgs['vm.logs'].safeParse({ vm: 'x', kind: 'qemu', maxBytes: 4 * 1024 * 1024 }).success).toBe(true);
    expect(commandArgs['vm.logs'].safeParse({ vm: 'x', kind: 'qemu', maxBytes: 4 * 1024 * 1024 + 1 }).success).toBe(false);
    expect(commandArgs['vm.logs'].safeParse({ vm: 'x', kind: 'kernel' }).success).toBe(false);
    expect(commandArgs['vm.logs'].safeParse({ vm: 'x', kind: 'serial', maxBytes: 0 }).success).toBe(false);
  });
});
