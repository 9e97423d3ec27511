import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmEventBody } from '../../../../src-shared/contract/index.js';
import { newVmDocument } from '../../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';
import type { QmpCommands, QmpEventMessage } from '../../../../src-main/engine/qmp/qmp-commands.js';
import { SnapshotService } from '../../../../src-main/engine/snapshots/snapshot-service.js';
import { VmSession } from '../../../../src-main/engine/session/vm-session.js';
import { keyHelpers } from '../../../../src-main/engine/session/key-helpers.js';
import type { OfflineImages } from '../../../../src-main/engine/snapshots/offline-images.js';
import type { ImageSnapshot } from '../../../../src-main/engine/snapshots/snapshot-tree.js';
import { runJob } from '../../../../src-main/engine/qmp/qmp-jobs.js';
import type { LoadedVm } from '../../../../src-main/engine/storage/bundle-store.js';

type Images = Map<string, ImageSnapshot[]>;

/** A scripted QEMU: snapshot jobs conclude (with `jobError` in query-jobs when set), images kept in `images`. */
function fakeQemu(images: Images, opts: { jobError?: string; runningAfterFailure?: boolean; transactionError?: string } = {}) {
  const listeners = new Set<(e: QmpEventMessage) => void>();
  const disconnects = new Set<(reason: string) => void>();
  const waits: Array<{ name: string; predicate?: (d: Record<string, unknown>) => boolean; resolve: (e: QmpEventMessage) => void }> = [];
  const calls: Array<[string, Record<string, unknown> | undefined]> = [];
  let running = true;
  let lastJob: Record<string, unknown> | null = null;
  const fire = (event: string, data: Record<string, unknown> = {}) => {
    for (const l of listeners) l({ event, data });
    for (const w of [...waits]) {
      if (w.name === event && (!w.predicate || w.predicate(data))) {
        waits.splice(waits.indexOf(w), 1);
        w.resolve({ event, data });
      }
    }
  };
  const link: QmpCommands = {
    async execute<T>(command: string, argsObject?: object, _options?: unknown): Promise<T> {
      const args = argsObject as Record<string, unknown> | undefined;
      calls.push([command, args]);
      const a = args ?? {};
      switch (command) {
        case 'snapshot-save':
        case 'snapshot-load':
        case 'snapshot-delete': {
          const id = a['job-id'] as string;
          const tag = a['tag'] as string;
          const devices = a['devices'] as string[];
          const error = opts.jobError;
          lastJob = { id, type: command, status: 'concluded', 'current-progress': 1, 'total-progress': 1, ...(error ? { error } : {}) };
          if (!error && command === 'snapshot-save') for (const d of devices) images.get(d)!.push({ id: '1', name: tag, vmStateSize: d === a['vmstate'] ? 4096 : 0, dateSec: 1 });
          if (!error && command === 'snapshot-delete') for (const d of devices) images.set(d, images.get(d)!.filter((s) => s.name !== tag));
          const wasRunning = running;
          if (command !== 'snapshot-delete') running = false;
          setImmediate(() => {
            fire('JOB_STATUS_CHANGE', { id, status: 'running' });
            if (command !== 'snapshot-delete' && wasRunning && (!error || opts.runningAfterFailure)) running = true;
            fire('JOB_STATUS_CHANGE', { id, status: 'concluded' });
          });
          return {} as T;
        }
        case 'cont':
          running = true;
          return {} as T;
        case 'quit':
          // QEMU ends: its QMP socket closes.
          setImmediate(() => disconnects.forEach((l) => l('socket closed')));
          return {} as T;
        case 'query-jobs':
          return (lastJob ? [lastJob] : []) as T;
        case 'job-dismiss':
          lastJob = null;
          return {} as T;
        case 'query-status':
          return { running, status: running ? 'running' : 'restore-vm' } as T;
        case 'query-named-block-nodes':
          return [...images.entries()].flatMap(([name, snaps]) => [
            { 'node-name': name, image: { snapshots: snaps.map((s) => ({ id: s.id, name: s.name, 'vm-state-size': s.vmStateSize, 'date-sec': s.dateSec })) } },
            { 'node-name': `${name}-file`, image: {} },
          ]) as T;
        case 'screendump':
          // A 2×2 raw PPM, QEMU's default format.
          writeFileSync(a['filename'] as string, Buffer.concat([Buffer.from('P6\n2 2\n255\n'), Buffer.alloc(12, 0x80)]));
          return {} as T;
        case 'transaction':
          if (opts.transactionError) throw new Error(opts.transactionError);
          for (const act of a['actions'] as Array<{ data: { device: string; name: string } }>) images.get(act.data.device)!.push({ id: '2', name: act.data.name, vmStateSize: 0, dateSec: 2 });
          return {} as T;
        default:
          throw new Error(`unexpected ${command}`);
      }
    },
    expectEvent(name, o) {
      return new Promise((resolve) => waits.push({ name, ...(o?.predicate ? { predicate: o.predicate } : {}), resolve }));
    },
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onDisconnected(l) {
      disconnects.add(l);
      return () => disconnects.delete(l);
    },
    close: async () => undefined,
  };
  return { link, calls, setRunning: (r: boolean) => (running = r) };
}

function fakeOffline(images: Images, paths: Record<string, string>, failOn?: string): OfflineImages & { log: string[] } {
  const dev = (path: string) => Object.keys(paths).find((d) => paths[d] === path)!;
  const log: string[] = [];
  return {
    log,
    list: async (path) => images.get(dev(path)) ?? [],
    async create(path, tag) {
      log.push(`create ${dev(path)} ${tag}`);
      if (dev(path) === failOn) throw new Error('qemu-img snapshot failed: Failed to get "write" lock');
      images.get(dev(path))!.push({ id: '3', name: tag, vmStateSize: 0, dateSec: 3 });
    },
    async apply(path, tag) {
      log.push(`apply ${dev(path)} ${tag}`);
    },
    async delete(path, tag) {
      log.push(`delete ${dev(path)} ${tag}`);
      images.set(dev(path), images.get(dev(path))!.filter((s) => s.name !== tag));
    },
  };
}

describe('SnapshotService', () => {
  let dir: string;
  let images: Images;
  let state: VmRunState;
  let states: string[];
  let events: VmEventBody[];
  let qemu: ReturnType<typeof fakeQemu>;
  let offline: ReturnType<typeof fakeOffline>;
  let live: boolean;
  let ids: number;
  let doc: ReturnType<typeof newVmDocument>;

  const vmId = '11111111-2222-3333-4444-555555555555';
  let agentLog: string[] = [];
  const make = (opts: { jobError?: string; runningAfterFailure?: boolean; failOn?: string; memoryMiB?: number; transactionError?: string; agent?: boolean } = {}) => {
    qemu = fakeQemu(images, opts);
    offline = fakeOffline(images, { disk0: join(dir, 'disks/disk0.qcow2'), pflash1: join(dir, 'nvram/efivars.qcow2') }, opts.failOn);
    const session = sessionOver(qemu.link, state);
    doc = {
      ...newVmDocument({ id: vmId, name: 'T', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', firmware: 'uefi', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: null }),
    };
    if (opts.memoryMiB !== undefined) doc.memoryMiB = opts.memoryMiB;
    const service = new SnapshotService(
      {
        load: async () => ({ id: vmId, name: 'T', bundleDir: dir, doc }),
        session: () => (live ? session : undefined),
        stateOf: () => state,
        emit: (_id, body) => events.push(body),
        log: () => undefined,
        ...(opts.agent
          ? {
              agent: {
                freeze: async () => {
                  agentLog.push(`freeze after ${qemu.calls.length} calls`);
                  return async () => { agentLog.push(`thaw after ${qemu.calls.length} calls`); };
                },
                clockJumped: () => { agentLog.push('clock'); },
              },
            }
          : {}),
      },
      { images: offline, newId: () => `0000000${++ids}-aaaa-bbbb-cccc-dddddddddddd`, now: () => new Date('2025-02-03T04:05:06.000Z') },
    );
    services.push(service);
    return service;
  };
  const services: SnapshotService[] = [];
  /** A real VmSession over the scripted QEMU: its announced states are the test's `state` and `states`. */
  const sessionOver = (link: QmpCommands, initial: VmRunState): VmSession =>
    new VmSession(
      {
        vmId, runtimeDir: join(dir, 'run'), logsDir: dir, pid: 999_999_999, qmp: link, keys: keyHelpers, onEnded: () => undefined,
        emit: (e) => {
          if (e.type !== 'vm.state') return;
          state = e.state;
          states.push(e.state.kind);
        },
      },
      initial,
    );

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-snap-'));
    for (const f of ['disks/disk0.qcow2', 'nvram/efivars.qcow2']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), '');
    }
    images = new Map([['disk0', []], ['pflash1', []]]);
    state = { kind: 'running' };
    states = [];
    events = [];
    live = true;
    ids = 0;
    agentLog = [];
  });
  afterEach(async () => {
    // Screenshots are made after a take's reply: let them finish before the folder goes.
    await Promise.all(services.splice(0).map((x) => x.idle()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a live snapshot with RAM over every qcow2 node incl. the UEFI vars, around a saving state', async () => {
    const s = make();
    const r = await s.take('T', { name: 'A', description: 'first' });
    const save = qemu.calls.find(([c]) => c === 'snapshot-save')![1]!;
    expect(save).toMatchObject({ tag: r.snapshot.id, vmstate: 'disk0', devices: ['disk0', 'pflash1'] });
    expect(states).toEqual(['saving', 'running']);
    expect(r.snapshot).toMatchObject({ name: 'A', description: 'first', withRam: true, parentId: null, thumbnail: `thumbs/snap-${r.snapshot.id}.png` });
    expect((await s.list('T')).snapshots[0]!.vmStateSize).toBe(4096); // read from the images by the next list
    // The raw screendump (PPM) becomes the PNG after the reply; snapshot.thumbnail waits for it.
    expect(qemu.calls.find(([c]) => c === 'screendump')![1]).toMatchObject({ format: 'ppm' });
    expect((await s.thumbnail('T', 'A')).subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(join(dir, r.snapshot.thumbnail!))).toBe(true);
    expect(existsSync(join(dir, r.snapshot.thumbnail!.replace('.png', '.ppm')))).toBe(false);
    expect(qemu.calls.filter(([c]) => c === 'query-status' || c === 'query-named-block-nodes').map(([c]) => c)).toEqual(['query-named-block-nodes', 'query-named-block-nodes']);
    expect(qemu.calls.map(([c]) => c)).toContain('job-dismiss');
    expect(events.filter((e) => e.type === 'vm.job').map((e) => e.type === 'vm.job' && e.status)).toEqual(['running', 'concluded']);
    const stored = JSON.parse(readFileSync(join(dir, 'snapshots.json'), 'utf8'));
    expect(stored).toMatchObject({ version: 1, currentId: r.snapshot.id, nodes: [{ id: r.snapshot.id, tag: r.snapshot.id, name: 'A' }] });
    // B is a child of A; a duplicate name is refused.
    const b = await s.take('T', { name: 'B' });
    expect(b.snapshot.parentId).toBe(r.snapshot.id);
    await expect(s.take('T', { name: 'B' })).rejects.toMatchObject({ code: 'exists' });
  });

  it('while QEMU runs, take and restore reuse the image lists this service last read or changed; list and delete read afresh', async () => {
    const s = make();
    const queries = () => qemu.calls.filter(([c]) => c === 'query-named-block-nodes').length;
    await s.list('T');
    expect(queries()).toBe(1);
    const a = await s.take('T', { name: 'A' });
    const b = await s.take('T', { name: 'B' });
    await s.restore('T', a.snapshot.id);
    expect(queries()).toBe(1);
    await s.delete('T', b.snapshot.id);
    expect(queries()).toBe(2);
    // A failed save may leave its tag in some images: the next take reads them again.
    const failing = make({ jobError: 'No space left on device' });
    await failing.list('T');
    const before = queries();
    await expect(failing.take('T', { name: 'C' })).rejects.toMatchObject({ code: 'qemu-failed' });
    await expect(failing.take('T', { name: 'C' })).rejects.toMatchObject({ code: 'qemu-failed' });
    expect(queries()).toBe(before + 1);
  });

  it('takes a paused VM and leaves it paused', async () => {
    state = { kind: 'paused' };
    const s = make();
    qemu.setRunning(false);
    await s.take('T', { name: 'A' });
    expect(states).toEqual(['saving', 'paused']);
  });

  it('without RAM on a running VM: one transaction of internal disk snapshots, no state change', async () => {
    const s = make();
    const r = await s.take('T', { name: 'disks', withRam: false });
    expect(r.snapshot.withRam).toBe(false);
    const tx = qemu.calls.find(([c]) => c === 'transaction')![1]!;
    expect(tx['actions']).toEqual([
      { type: 'blockdev-snapshot-internal-sync', data: { device: 'disk0', name: r.snapshot.tag } },
      { type: 'blockdev-snapshot-internal-sync', data: { device: 'pflash1', name: r.snapshot.tag } },
    ]);
    expect(states).toEqual([]);
    await expect(s.restore('T', 'disks')).rejects.toThrow(/disk-only snapshot: shut "T" down/);
  });

  it('with the guest agent: the guest\'s filesystems are frozen just before the disk transaction and thawed after it, also when it fails', async () => {
    let s = make({ agent: true });
    await s.take('T', { name: 'frozen', withRam: false });
    const at = qemu.calls.findIndex(([c]) => c === 'transaction');
    expect(agentLog).toEqual([`freeze after ${at} calls`, `thaw after ${at + 1} calls`]);
    agentLog = [];
    s = make({ agent: true, transactionError: 'Device disk0 is busy' });
    await expect(s.take('T', { name: 'fails', withRam: false })).rejects.toThrow();
    const failedAt = qemu.calls.findIndex(([c]) => c === 'transaction');
    expect(agentLog).toEqual([`freeze after ${failedAt} calls`, `thaw after ${failedAt + 1} calls`]);
    // A snapshot with RAM stops the guest itself: no freeze.
    agentLog = [];
    s = make({ agent: true });
    await s.take('T', { name: 'ram' });
    expect(agentLog).toEqual([]);
  });

  it('with the guest agent: a restored RAM state sets the guest clock', async () => {
    const s = make({ agent: true });
    await s.take('T', { name: 'A' });
    expect(agentLog).toEqual([]);
    await s.restore('T', 'A');
    expect(agentLog).toEqual(['clock']);
  });

  it('a failed save reports QEMU\'s words and puts the state back', async () => {
    const s = make({ jobError: "Device 'disk0' is writable but does not support snapshots", runningAfterFailure: true });
    await expect(s.take('T', { name: 'A' })).rejects.toMatchObject({ code: 'qemu-failed', message: `QEMU could not take the snapshot of "T": Device 'disk0' is writable but does not support snapshots` });
    expect(states).toEqual(['saving', 'running']);
    expect((await s.list('T')).snapshots).toEqual([]);
    expect(events.some((e) => e.type === 'vm.job' && e.status === 'failed')).toBe(true);
  });

  it('restores live (snapshots.json written meanwhile); a load that fails half-way powers the VM off instead of leaving it paused', async () => {
    const s = make();
    const a = await s.take('T', { name: 'A' });
    await s.take('T', { name: 'B' });
    const r = await s.restore('T', 'A');
    expect(r.state.kind).toBe('running');
    expect(r.tree.currentId).toBe(a.snapshot.id);
    expect(states.slice(-2)).toEqual(['restoring', 'running']);
    expect(qemu.calls.slice(-3).map(([c]) => c)).toEqual(['snapshot-load', 'query-jobs', 'job-dismiss']);
    expect(qemu.calls.some(([c]) => c === 'query-status')).toBe(false); // the state it had before, without asking

    const failing = make({ jobError: 'Error -22 while loading VM state' });
    states = [];
    const err = await failing.restore('T', 'B').catch((x: Error) => x);
    expect(err).toMatchObject({ code: 'qemu-failed', details: { state: 'stopped' } });
    expect((err as Error).message).toMatch(/^QEMU could not restore the snapshot of "T": the saved memory state does not fit this machine .*\[QEMU: Error -22 while loading VM state\]\. QEMU had already put the snapshot's disks back, so "T" was powered off/);
    expect(states).toEqual(['restoring', 'paused', 'stopping', 'stopped']);
    expect((await failing.list('T')).currentId).toBe((await failing.list('T')).snapshots.find((n) => n.name === 'B')!.id); // its disks are B's
  });

  it('a failed load that QEMU answers with the VM still running changes nothing (snapshots.json rolled back)', async () => {
    const s = make();
    const a = await s.take('T', { name: 'A' });
    await s.take('T', { name: 'B' });
    const failing = make({ jobError: 'Could not open VM state file', runningAfterFailure: true });
    const err = await failing.restore('T', 'A').catch((x: Error) => x);
    expect(err).toMatchObject({ code: 'qemu-failed', details: { state: 'running' }, message: expect.stringMatching(/"T" is running as it was\.$/) });
    const tree = await failing.list('T');
    expect(tree.currentId).not.toBe(a.snapshot.id);
  });

  it('a load QEMU refuses in its own checks (nothing reverted yet) resumes the VM it had stopped', async () => {
    const s = make();
    const a = await s.take('T', { name: 'A' });
    await s.take('T', { name: 'B' });
    const failing = make({ jobError: 'This is a disk-only snapshot. Revert to it  offline using qemu-img' });
    states = [];
    const err = await failing.restore('T', 'A').catch((x: Error) => x);
    expect(err).toMatchObject({ code: 'qemu-failed', details: { state: 'running' }, message: expect.stringMatching(/disk-only snapshot.*"T" is running as it was\.$/) });
    expect(qemu.calls.some(([c]) => c === 'cont')).toBe(true);
    expect(states).toEqual(['restoring', 'paused', 'running']);
    expect((await failing.list('T')).currentId).not.toBe(a.snapshot.id);
  });

  it('records the settings a RAM snapshot depends on, and refuses a restore after they changed, naming the change', async () => {
    const s = make({ memoryMiB: 512 });
    const a = await s.take('T', { name: 'A' });
    const stored = JSON.parse(readFileSync(join(dir, 'snapshots.json'), 'utf8'));
    expect(stored.nodes[0].hardware).toMatchObject({ memoryMiB: 512, 'cpu.count': doc.cpu.count, machine: doc.machine, disks: doc.disks.map((d) => `${d.id}:${d.bus}`) });
    const changed = make({ memoryMiB: 1024 });
    const err = await changed.restore('T', 'A').catch((x: Error) => x);
    expect(err).toMatchObject({ code: 'invalid-state', details: { changed: [{ setting: 'memoryMiB', snapshot: 512, now: 1024 }] } });
    expect((err as Error).message).toMatch(/^This snapshot was taken with 512 MiB of memory; the machine now has 1024 MiB\. Change it back in Settings to restore it/);
    expect(qemu.calls.some(([c]) => c === 'snapshot-load')).toBe(false);
    expect(states.at(-1)).toBe('running'); // never paused

    // Stopped: refused before any image is touched (the state would fail at the next start).
    live = false;
    state = { kind: 'stopped' };
    await expect(changed.restore('T', a.snapshot.id)).rejects.toMatchObject({ code: 'invalid-state' });
    expect(offline.log.filter((l) => l.startsWith('apply'))).toEqual([]);
    // Back to 512 MiB: restorable again.
    const back = make({ memoryMiB: 512 });
    await expect(back.restore('T', a.snapshot.id)).resolves.toMatchObject({ pendingRamRestore: true });
  });

  it('a snapshot restored while stopped whose settings changed before the start boots from its disks without loading the state', async () => {
    const s = make({ memoryMiB: 512 });
    await s.take('T', { name: 'A' });
    live = false;
    state = { kind: 'stopped' };
    await s.restore('T', 'A');
    const changed = make({ memoryMiB: 2048 });
    state = { kind: 'starting' };
    live = true;
    const vm = await (changed as unknown as { host: { load(ref: string): Promise<LoadedVm> } }).host.load('T');
    await changed.beforeBoot(vm, sessionOver(qemu.link, state));
    expect(qemu.calls.some(([c]) => c === 'snapshot-load' || c === 'system_reset')).toBe(false);
    const failed = events.filter((e) => e.type === 'vm.job' && e.status === 'failed');
    expect(failed.at(-1)).toMatchObject({ error: expect.stringMatching(/not resumed.*taken with 512 MiB of memory; the machine now has 2048 MiB/) });
    expect((await changed.list('T')).pendingRamRestore).toBeNull();
  });

  it('older snapshots without the record are restored as before (no check)', async () => {
    const s = make({ memoryMiB: 512 });
    const a = await s.take('T', { name: 'A' });
    const path = join(dir, 'snapshots.json');
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    delete stored.nodes[0].hardware;
    writeFileSync(path, JSON.stringify(stored));
    const changed = make({ memoryMiB: 1024 });
    await expect(changed.restore('T', a.snapshot.id)).resolves.toMatchObject({ state: { kind: 'running' } });
    expect(qemu.calls.some(([c]) => c === 'snapshot-load')).toBe(true);
  });

  it('refuses to restore a snapshot whose tag is gone from an image', async () => {
    const s = make();
    const a = await s.take('T', { name: 'A' });
    images.set('pflash1', []);
    const tree = await s.list('T');
    expect(tree.snapshots[0]).toMatchObject({ missing: true, missingIn: ['pflash1'] });
    await expect(s.restore('T', a.snapshot.id)).rejects.toMatchObject({ code: 'invalid-state' });
    expect(qemu.calls.some(([c]) => c === 'snapshot-load')).toBe(false);
  });

  it('deletes live from the images that hold the tag; children move up', async () => {
    const s = make();
    const a = await s.take('T', { name: 'A' });
    const b = await s.take('T', { name: 'B' });
    const r = await s.delete('T', 'A');
    expect(qemu.calls.find(([c]) => c === 'snapshot-delete')![1]).toMatchObject({ tag: a.snapshot.tag, devices: ['disk0', 'pflash1'] });
    expect(r.tree.snapshots.map((n) => [n.name, n.parentId])).toEqual([['B', null]]);
    expect(r.tree.currentId).toBe(b.snapshot.id);
    expect(existsSync(join(dir, a.snapshot.thumbnail!))).toBe(false);
  });

  it('offline: qemu-img per image without a run-state change; restore of a RAM snapshot is pending for the next start', async () => {
    const s = make();
    const ram = await s.take('T', { name: 'ram' });
    live = false;
    state = { kind: 'stopped' };
    const d = await s.take('T', { name: 'D' });
    expect(d.snapshot).toMatchObject({ withRam: false, thumbnail: null, devices: ['disk0', 'pflash1'], parentId: ram.snapshot.id });
    expect(offline.log).toEqual([`create disk0 ${d.snapshot.tag}`, `create pflash1 ${d.snapshot.tag}`]);
    expect(states).toEqual(['saving', 'running']); // only the live take changed it
    await expect(s.take('T', { name: 'x', withRam: true })).rejects.toMatchObject({ code: 'invalid-state' });

    const r = await s.restore('T', 'ram');
    expect(r).toMatchObject({ pendingRamRestore: true, tree: { pendingRamRestore: ram.snapshot.tag, currentId: ram.snapshot.id } });
    expect(offline.log.slice(-2)).toEqual([`apply disk0 ${ram.snapshot.tag}`, `apply pflash1 ${ram.snapshot.tag}`]);
    expect((await s.restore('T', 'D')).pendingRamRestore).toBe(false);
    await s.restore('T', 'ram');

    // Next start: loaded while QEMU waits at -S, then cleared.
    state = { kind: 'starting' };
    live = true;
    qemu.setRunning(false);
    const vm = await (s as unknown as { host: { load(ref: string): Promise<LoadedVm> } }).host.load('T');
    await s.beforeBoot(vm, sessionOver(qemu.link, state));
    expect(qemu.calls.filter(([c]) => c === 'snapshot-load').at(-1)![1]).toMatchObject({ tag: ram.snapshot.tag, vmstate: 'disk0' });
    expect((await s.list('T')).pendingRamRestore).toBeNull();

    live = false;
    state = { kind: 'stopped' };
    await s.delete('T', 'D');
    expect(offline.log.slice(-2)).toEqual([`delete disk0 ${d.snapshot.tag}`, `delete pflash1 ${d.snapshot.tag}`]);
  });

  it('offline: a failure on a later image rolls back the earlier ones and names the device', async () => {
    live = false;
    state = { kind: 'stopped' };
    const s = make({ failOn: 'pflash1' });
    await expect(s.take('T', { name: 'D' })).rejects.toThrow(/^pflash1: .*write" lock.*is "T" running in another program\?/);
    expect(offline.log).toEqual(['create disk0 00000001-aaaa-bbbb-cccc-dddddddddddd', 'create pflash1 00000001-aaaa-bbbb-cccc-dddddddddddd', 'delete disk0 00000001-aaaa-bbbb-cccc-dddddddddddd']);
    expect((await s.list('T')).snapshots).toEqual([]);
  });

  it('refuses while starting or stopping; renames and describes', async () => {
    const s = make();
    await s.take('T', { name: 'A' });
    state = { kind: 'stopping', how: 'acpi' };
    await expect(s.take('T', { name: 'B' })).rejects.toMatchObject({ code: 'invalid-state', message: 'cannot take a snapshot of "T" while it is stopping' });
    const r = await s.rename('T', 'A', { name: 'Clean', description: 'fresh install' });
    expect(r.snapshot).toMatchObject({ name: 'Clean', description: 'fresh install' });
    await expect(s.thumbnail('T', 'Clean')).resolves.toBeInstanceOf(Buffer);
  });
});

describe('runJob', () => {
  it('reads the error from query-jobs and still dismisses', async () => {
    const q = fakeQemu(new Map([['disk0', []]]), { jobError: "Snapshot 'x' does not exist in one or more devices" });
    await expect(runJob(q.link, 'snapshot-load', { 'job-id': 'j1', tag: 'x', vmstate: 'disk0', devices: ['disk0'] })).rejects.toThrow(
      "job j1 (snapshot-load) failed: Snapshot 'x' does not exist in one or more devices",
    );
    expect(q.calls.map(([c]) => c)).toEqual(['snapshot-load', 'query-jobs', 'job-dismiss']);
  });
});
