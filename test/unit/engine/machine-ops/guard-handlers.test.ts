import { describe, expect, it } from 'vitest';
import { EngineClient, type EngineError } from '../../../../src-shared/contract/index.js';
import { EngineServer } from '../../../../src-main/engine/rpc/engine-server.js';
import { inProcessPair } from '../../../../src-main/engine/transport/in-process.js';
import { MachineLock } from '../../../../src-main/engine/machine-ops/machine-lock.js';
import { guardMachineOps, type GuardDeps } from '../../../../src-main/engine/machine-ops/guard-handlers.js';
import { stubHandlers } from '../rpc/stub-handlers.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** An engine edge over stub handlers: `vm.start` waits for `release`, references resolve through `resolve`. */
function edge(resolve: GuardDeps['resolve'], extra: Partial<GuardDeps> = {}) {
  const release = deferred();
  const handlers = stubHandlers({
    'vm.start': async () => {
      await release.promise;
      return { state: { kind: 'running' } };
    },
  });
  const server = new EngineServer(guardMachineOps(handlers, { lock: new MachineLock(), resolve, ...extra }));
  const [a, b] = inProcessPair();
  server.attach(b);
  return { client: new EngineClient(a), release: release.resolve, calls: handlers.calls };
}

const byName = new Map([
  ['web', { id: 'id-web', name: 'web' }],
  ['id-web', { id: 'id-web', name: 'web' }],
]);

describe('guardMachineOps: the per-machine lock at the command edge', () => {
  it('decides in arrival order even when the second reference resolves first', async () => {
    const slow = deferred();
    let n = 0;
    const { client, release } = edge(async (ref) => {
      if (n++ === 0) await slow.promise; // the first request's lookup is the slow one
      return byName.get(ref)!;
    });
    const first = client.call('vm.start', { vm: 'web' });
    const second = client.call('vm.start', { vm: 'id-web' }).catch((e: EngineError) => e);
    slow.resolve();
    const err = (await second) as EngineError;
    expect(err).toMatchObject({ code: 'busy', message: '"web" is already starting' });
    release();
    await expect(first).resolves.toEqual({ state: { kind: 'running' } });
  });

  it('hands the handler the resolved id, so a queued rename cannot redirect it', async () => {
    const { client, calls } = edge(async (ref) => byName.get(ref)!);
    await client.call('vm.update', { vm: 'web', patch: { memoryMiB: 512 } });
    expect(calls.at(-1)).toMatchObject({ command: 'vm.update', args: { vm: 'id-web', patch: { memoryMiB: 512 } } });
  });

  it('admits nothing before the engine is ready (the reattach pass), then everything in order', async () => {
    const ready = deferred();
    const { client, calls, release } = edge(async (ref) => byName.get(ref)!, { ready: ready.promise });
    release();
    const update = client.call('vm.update', { vm: 'web', patch: {} });
    await client.call('vm.get', { vm: 'web' }); // not a change: answered at once
    expect(calls.map((c) => c.command)).toEqual(['vm.get']);
    ready.resolve();
    await update;
    expect(calls.map((c) => c.command)).toEqual(['vm.get', 'vm.update']);
  });

  it('a reference that names no machine is that error, and the next request is still admitted', async () => {
    const { client, release } = edge(async (ref) => {
      const vm = byName.get(ref);
      if (!vm) throw Object.assign(new Error(`no VM named or with id "${ref}"`), { code: 'not-found' });
      return vm;
    });
    release();
    await expect(client.call('vm.start', { vm: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(client.call('vm.start', { vm: 'web' })).resolves.toEqual({ state: { kind: 'running' } });
  });
});
