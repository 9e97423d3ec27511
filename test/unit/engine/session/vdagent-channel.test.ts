import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { VmSession } from '../../../../src-main/engine/session/vm-session.js';
import { hasVdagentChannel, VDAGENT_CHANNEL, withVdagentDetached } from '../../../../src-main/engine/session/vdagent-channel.js';
import type { QmpCommands, QmpEventMessage } from '../../../../src-main/engine/qmp/qmp-commands.js';
import type { VmEventBody } from '../../../../src-shared/contract/index.js';

type Data = Record<string, unknown>;

/** QEMU in short: a log of commands and event waits, the chardevs it has, DEVICE_DELETED after device_del. */
function scriptedQemu(withChannel: boolean, jobError?: string) {
  const log: string[] = [];
  let chardevs = withChannel ? ['serial0', VDAGENT_CHANNEL.chardev] : ['serial0'];
  const waits: Array<{ name: string; predicate?: (d: Data) => boolean; resolve: (e: QmpEventMessage) => void }> = [];
  const listeners = new Set<(e: QmpEventMessage) => void>();
  let lastJob: Data | null = null;
  const event = (name: string, data: Data) =>
    queueMicrotask(() => {
      for (const l of listeners) l({ event: name, data });
      for (const w of waits.splice(0)) {
        if (w.name === name && (!w.predicate || w.predicate(data))) w.resolve({ event: name, data });
        else waits.push(w);
      }
    });
  const job = (type: string) => (a: Data) => {
    lastJob = { id: a['job-id'], type, status: 'concluded', 'current-progress': 1, 'total-progress': 1, ...(jobError ? { error: jobError } : {}) };
    event('JOB_STATUS_CHANGE', { id: a['job-id'], status: 'concluded' });
    return {};
  };
  const script: Record<string, (a: Data) => unknown> = {
    'query-chardev': () => chardevs.map((label) => ({ label, filename: label, 'frontend-open': true })),
    device_del: (a) => (event('DEVICE_DELETED', { device: a['id'], path: `/machine/peripheral/${String(a['id'])}` }), {}),
    'chardev-remove': (a) => ((chardevs = chardevs.filter((c) => c !== a['id'])), {}),
    'chardev-add': (a) => ((chardevs = [...chardevs, String(a['id'])]), {}),
    'snapshot-save': job('snapshot-save'),
    'snapshot-load': job('snapshot-load'),
    'query-jobs': () => (lastJob ? [lastJob] : []),
    'query-status': () => ({ running: true, singlestep: false, status: 'running' }),
  };
  const qmp = {
    async execute(name: string, args?: Data) {
      log.push(name === 'device_add' ? `device_add ${JSON.stringify(args)}` : name === 'chardev-add' ? `chardev-add ${JSON.stringify(args)}` : name);
      return script[name]?.(args ?? {}) ?? {};
    },
    expectEvent(name: string, o: { predicate?: (d: Data) => boolean } = {}) {
      log.push(`expect ${name}`);
      return new Promise<QmpEventMessage>((resolve) => waits.push({ name, ...(o.predicate ? { predicate: o.predicate } : {}), resolve }));
    },
    onEvent(l: (e: QmpEventMessage) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onDisconnected: () => () => undefined,
    close: async () => undefined,
  } as unknown as QmpCommands;
  return { qmp, log, chardevs: () => chardevs };
}

const ATTACH = [
  `chardev-add ${JSON.stringify({ id: 'vdagent0', backend: { type: 'qemu-vdagent', data: { clipboard: true, mouse: false } } })}`,
  `device_add ${JSON.stringify({ driver: 'virtserialport', id: 'vdagent-port0', bus: 'vserial0.0', chardev: 'vdagent0', name: 'com.redhat.spice.0' })}`,
];

describe('the vdagent channel around snapshot jobs', () => {
  it('detaches (DEVICE_DELETED awaited, subscribed first) and attaches again as the command line had it', async () => {
    const q = scriptedQemu(true);
    const seen: string[] = [];
    await withVdagentDetached(q.qmp, 'ask', async () => {
      seen.push(`job with ${q.chardevs().join(',')}`);
    });
    expect(seen).toEqual(['job with serial0']);
    expect(q.log).toEqual(['query-chardev', 'expect DEVICE_DELETED', 'device_del', 'chardev-remove', ...ATTACH]);
    expect(await hasVdagentChannel(q.qmp)).toBe(true);
  });

  it('attaches again when the job fails, and leaves a QEMU without the channel alone', async () => {
    const q = scriptedQemu(true);
    await expect(withVdagentDetached(q.qmp, true, () => Promise.reject(new Error('job failed')))).rejects.toThrow('job failed');
    expect(q.log.slice(-2)).toEqual(ATTACH);
    const none = scriptedQemu(false);
    await withVdagentDetached(none.qmp, 'ask', async () => undefined);
    expect(none.log).toEqual(['query-chardev']);
    const known = scriptedQemu(false);
    await withVdagentDetached(known.qmp, false, async () => undefined);
    expect(known.log).toEqual([]);
  });

  it('a session launched with the channel saves and loads a RAM snapshot without it, then has it back', async () => {
    const dir = mkdtempSync('/tmp/hgr-vda-');
    try {
      const q = scriptedQemu(true);
      const events: VmEventBody[] = [];
      const s = new VmSession(
        {
          vmId: 'vm-1', runtimeDir: join(dir, 'run'), logsDir: dir, pid: 999_999_999, qmp: q.qmp, emit: (e) => events.push(e),
          keys: { comboToQcodes: () => [], typeText: async () => 0 }, onEnded: () => undefined, vdagent: true,
        },
        { kind: 'running' },
      );
      const args = { 'job-id': 'j1', tag: 't', vmstate: 'disk0', devices: ['disk0'] };
      await s.saveSnapshot(args);
      const save = q.log.indexOf('snapshot-save');
      expect(q.log.indexOf('chardev-remove')).toBeLessThan(save);
      expect(q.log.indexOf(ATTACH[1]!)).toBeGreaterThan(save);
      q.log.length = 0;
      expect(await s.loadSnapshot({ ...args, 'job-id': 'j2' })).toEqual({ ok: true });
      const load = q.log.indexOf('snapshot-load');
      expect(q.log.indexOf('chardev-remove')).toBeLessThan(load);
      expect(q.log.indexOf(ATTACH[1]!)).toBeGreaterThan(load);
      expect(events.flatMap((e) => (e.type === 'vm.state' ? [e.state.kind] : []))).toEqual(['saving', 'running', 'restoring', 'running']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
