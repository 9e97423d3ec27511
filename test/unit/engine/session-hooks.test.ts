import { describe, expect, it } from 'vitest';
import { SessionHooks } from '../../../src-main/engine/session-hooks.js';
import type { VmSession } from '../../../src-main/engine/session/vm-session.js';
import type { LoadedVm } from '../../../src-main/engine/storage/bundle-store.js';

const vm = { id: 'vm1', name: 'web', bundleDir: '/nowhere', doc: {} } as unknown as LoadedVm;
const session = { vmId: 'vm1' } as unknown as VmSession;

function hooksWithLog() {
  const logged: string[] = [];
  const hooks = new SessionHooks((level, message) => logged.push(`${level}: ${message}`));
  return { hooks, logged };
}

describe('SessionHooks: observers registered at composition time', () => {
  it('runs start hooks one after another in registration order, telling them whether the session was reattached', async () => {
    const { hooks } = hooksWithLog();
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    hooks.onStart('a', async (_vm, _s, o) => {
      await gate;
      seen.push(`a:${o.reattached}`);
    });
    hooks.onStart('b', (_vm, _s, o) => void seen.push(`b:${o.reattached}`));
    const started = hooks.started(vm, session);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]); // b waits for a
    release();
    await started;
    await hooks.reattached(vm, session);
    expect(seen).toEqual(['a:false', 'b:false', 'a:true', 'b:true']);
  });

  it('a start hook that throws fails the start, and the later hooks do not run', async () => {
    const { hooks } = hooksWithLog();
    const seen: string[] = [];
    hooks.onStart('install', () => {
      throw new Error('set-action failed');
    });
    hooks.onStart('snapshot', () => void seen.push('snapshot'));
    await expect(hooks.started(vm, session)).rejects.toThrow('set-action failed');
    expect(seen).toEqual([]);
  });

  it('on a reattach a failing hook is logged and the others still run', async () => {
    const { hooks, logged } = hooksWithLog();
    const seen: string[] = [];
    hooks.onStart('media', () => {
      throw new Error('no QMP');
    });
    hooks.onStart('install', () => void seen.push('install'));
    await hooks.reattached(vm, session);
    expect(seen).toEqual(['install']);
    expect(logged).toEqual(['warn: media tracking of "web" not reattached: no QMP']);
  });

  it('end hooks never throw: a failure is logged with the hook and machine', async () => {
    const { hooks, logged } = hooksWithLog();
    let other = false;
    hooks.onEnd('install', async () => {
      throw new Error('disk gone');
    });
    hooks.onEnd('other', () => void (other = true));
    expect(() => hooks.ended(session)).not.toThrow();
    await expect.poll(() => logged).toEqual(['error: install flow of vm1: disk gone']);
    expect(other).toBe(true);
  });

  it('exited-unwatched hooks never throw either', async () => {
    const { hooks, logged } = hooksWithLog();
    hooks.onExitedUnwatched('install', () => {
      throw new Error('bad install.json');
    });
    await hooks.exitedUnwatched(vm);
    expect(logged).toEqual(['error: install flow of "web": bad install.json']);
  });
});
