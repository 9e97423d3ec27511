// The composition root (engine-services.ts) over a fake context: every command has a handler, the session
// observers are registered in boot order, and snapshot jobs reach the one job registry.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandArgs, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { buildEngineServices, snapshotHost } from '../../../src-main/engine/engine-services.js';
import { Engine } from '../../../src-main/engine/engine.js';
import { makeTestEnv } from '../../helpers/engine-harness.js';
import type { EngineContext } from '../../../src-main/engine/engine-context.js';
import { JobRegistry } from '../../../src-main/engine/jobs/job-registry.js';
import { SessionHooks } from '../../../src-main/engine/session-hooks.js';
import type { VmSession } from '../../../src-main/engine/session/vm-session.js';
import type { LoadedVm } from '../../../src-main/engine/storage/bundle-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fakeContext() {
  const libraryDir = mkdtempSync(join(tmpdir(), 'hangar-services-'));
  dirs.push(libraryDir);
  const events: Array<{ vmId: string; body: VmEventBody }> = [];
  const logged: string[] = [];
  const ctx = {
    libraryDir,
    runtimeDir: join(libraryDir, 'run'),
    store: { load: async (ref: string) => ({ id: ref, name: ref, bundleDir: join(libraryDir, ref), doc: {} }) },
    host: {},
    sessions: new Map(),
    lastStates: new Map(),
    launching: new Set(),
    machineLock: {},
    hooks: new SessionHooks((level, message) => logged.push(`${level}: ${message}`)),
    browserRoots: null,
    stateOf: (): VmRunState => ({ kind: 'stopped' }),
    vmRuntimeDir: (id: string) => join(libraryDir, 'run', id),
    emit: (vmId: string, body: VmEventBody) => events.push({ vmId, body }),
    log: (level: string, message: string) => logged.push(`${level}: ${message}`),
    assertOpen: () => undefined,
  } as unknown as EngineContext;
  return { ctx, events, logged };
}

const vm = { id: 'vm1', name: 'web', bundleDir: '/nowhere', doc: {} } as unknown as LoadedVm;
const session = { vmId: 'vm1' } as unknown as VmSession;

describe('buildEngineServices', () => {
  it('gives every contract command a handler (grouped by domain in commands/)', () => {
    const { handlers } = buildEngineServices(fakeContext().ctx);
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(commandArgs).sort());
  });

  it('registers the start observers in boot order: tray events, the install, then a pending RAM snapshot load', async () => {
    const { ctx } = fakeContext();
    const s = buildEngineServices(ctx);
    const order: string[] = [];
    vi.spyOn(s.media, 'watch').mockImplementation(() => void order.push('media'));
    vi.spyOn(s.install, 'watch').mockImplementation(async (_vm, _s, o) => void order.push(`install:${o.reattached}`));
    vi.spyOn(s.snapshots, 'beforeBoot').mockImplementation(async () => void order.push('snapshot'));
    await ctx.hooks.started(vm, session);
    expect(order).toEqual(['media', 'install:false', 'snapshot']);
    // A reattached QEMU runs already: no snapshot is loaded into it.
    order.length = 0;
    await ctx.hooks.reattached(vm, session);
    expect(order).toEqual(['media', 'install:true']);
  });

  it('hands the end of a session and an unwatched exit to the install flow', async () => {
    const { ctx } = fakeContext();
    const s = buildEngineServices(ctx);
    const ended = vi.spyOn(s.install, 'sessionEnded').mockResolvedValue(undefined);
    const exited = vi.spyOn(s.install, 'exitedUnwatched').mockResolvedValue(undefined);
    ctx.hooks.ended(session);
    await expect.poll(() => ended.mock.calls.length).toBe(1);
    expect(ended.mock.calls[0]![0]).toBe(session);
    expect(ended.mock.calls[0]).toHaveLength(1); // the restart after a guest reboot is the service's own (constructor)
    await ctx.hooks.exitedUnwatched(vm);
    expect(exited).toHaveBeenCalledWith(vm);
  });

  it('builds each service once per engine, with separate services for separate engines', () => {
    const a = buildEngineServices(fakeContext().ctx);
    const b = buildEngineServices(fakeContext().ctx);
    expect(a.media).not.toBe(b.media);
    expect(a.jobs).not.toBe(b.jobs);
  });
});

describe('snapshotHost', () => {
  it('passes every event on and lets the job registry follow the snapshot jobs', () => {
    const { ctx, events } = fakeContext();
    const jobs = new JobRegistry();
    const host = snapshotHost(ctx, jobs);
    host.emit('vm1', { type: 'vm.job', jobId: 'hangar-take-1', kind: 'snapshot-take', status: 'running', percent: 0, snapshotId: 's' });
    expect(jobs.size).toBe(1);
    host.emit('vm1', { type: 'vm.job', jobId: 'hangar-take-1', kind: 'snapshot-take', status: 'concluded', percent: 100, snapshotId: 's' });
    host.emit('vm1', { type: 'vm.snapshots', currentId: 's' });
    expect(jobs.size).toBe(0);
    expect(events.map((e) => e.body.type)).toEqual(['vm.job', 'vm.job', 'vm.snapshots']);
  });
});

describe('Engine.hasWorkInProgress (the background engine\'s idle check)', () => {
  it('is one question to the job registry: disk-like jobs and snapshot jobs alike', async () => {
    const t = makeTestEnv();
    const engine = await Engine.open({ libraryDir: t.libraryDir, env: t.env, controlSocket: false });
    try {
      expect(engine.hasWorkInProgress()).toBe(false);
      const job = engine.services.jobs.start(undefined, 'vm1');
      expect(engine.hasWorkInProgress()).toBe(true);
      job.done();
      expect(engine.hasWorkInProgress()).toBe(false);
      engine.services.jobs.observe('vm1', { type: 'vm.job', jobId: 'hangar-take-1', kind: 'snapshot-take', status: 'running', percent: 0, snapshotId: 's' });
      expect(engine.hasWorkInProgress()).toBe(true);
    } finally {
      await engine.close();
      t.cleanup();
    }
  });
});
