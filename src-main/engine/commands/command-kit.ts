import { EngineError, type CommandName } from '../../../src-shared/contract/index.js';
import { isActive } from '../../../src-shared/vm-state.js';
import type { EngineContext } from '../engine-context.js';
import type { Handlers } from '../rpc/engine-server.js';
import { refuseWhileSaved } from '../saved-state/save-state.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import type { VmSession } from '../session/vm-session.js';

/** The handlers of one domain (commands/<domain>.ts); engine-services.ts puts every domain together. */
export type CommandSet<K extends CommandName> = Pick<Handlers, K>;

/** The running session of a VM, or a clear `invalid-state` error naming its state. */
export async function sessionOf(ctx: Pick<EngineContext, 'store' | 'sessions' | 'stateOf'>, ref: string): Promise<VmSession> {
  const vm = await ctx.store.load(ref);
  const s = ctx.sessions.get(vm.id);
  if (!s) throw new EngineError('invalid-state', `"${vm.name}" is not running (${ctx.stateOf(vm.id).kind})`);
  return s;
}

/** Loads a VM that must not be running (settings, rename, delete). */
export async function refuseWhileActive(ctx: Pick<EngineContext, 'store' | 'stateOf'>, ref: string, action: string): Promise<LoadedVm> {
  const vm = await ctx.store.load(ref);
  const state = ctx.stateOf(vm.id);
  if (isActive(state)) throw new EngineError('invalid-state', `cannot ${action} "${vm.name}" while it is ${state.kind}; shut it down first`);
  return vm;
}

/** Disk work, exports and clones would change or copy what a saved state needs: refused until it is resumed or discarded. */
export async function unsaved<T extends { vm: string }>(ctx: Pick<EngineContext, 'store' | 'stateOf'>, a: T, action: string): Promise<T> {
  refuseWhileSaved(ctx, await ctx.store.load(a.vm), action);
  return a;
}
