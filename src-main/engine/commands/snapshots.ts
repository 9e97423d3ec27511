import { EngineError } from '../../../src-shared/contract/index.js';
import { isDisposable } from '../../../src-shared/vm-state.js';
import type { EngineContext } from '../engine-context.js';
import { refuseWhileSaved } from '../saved-state/save-state.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { CommandSet } from './command-kit.js';

type SnapshotCommand = 'snapshot.list' | 'snapshot.take' | 'snapshot.restore' | 'snapshot.delete' | 'snapshot.rename' | 'snapshot.thumbnail';

/** The snapshot tree of a machine. */
export function snapshotCommands(ctx: Pick<EngineContext, 'store' | 'stateOf' | 'assertOpen'>, snapshots: SnapshotService): CommandSet<SnapshotCommand> {
  /** A disposable run's disks are overlays that snapshots cannot address; a saved state would be overtaken by a restore. */
  const refuseSnapshots = async (ref: string, action: string, o: { whileSaved?: boolean } = {}): Promise<void> => {
    const vm = await ctx.store.load(ref);
    const state = ctx.stateOf(vm.id);
    if (isDisposable(state)) {
      throw new EngineError('invalid-state', `cannot ${action} "${vm.name}" while it runs without saving changes: its disk writes go to throwaway overlays. Power it off and start it normally to use snapshots`);
    }
    if (!o.whileSaved) refuseWhileSaved(ctx, vm, action);
  };
  return {
    'snapshot.list': async (a) => snapshots.list(a.vm),
    'snapshot.take': async (a) => {
      ctx.assertOpen();
      await refuseSnapshots(a.vm, 'take a snapshot of');
      return snapshots.take(a.vm, { name: a.name, ...(a.description !== undefined ? { description: a.description } : {}), ...(a.withRam !== undefined ? { withRam: a.withRam } : {}) });
    },
    'snapshot.restore': async (a) => {
      await refuseSnapshots(a.vm, 'restore a snapshot of');
      return snapshots.restore(a.vm, a.snapshot);
    },
    'snapshot.delete': async (a) => {
      await refuseSnapshots(a.vm, 'delete a snapshot of', { whileSaved: true });
      return snapshots.delete(a.vm, a.snapshot);
    },
    'snapshot.rename': async (a) =>
      snapshots.rename(a.vm, a.snapshot, { ...(a.name !== undefined ? { name: a.name } : {}), ...(a.description !== undefined ? { description: a.description } : {}) }),
    'snapshot.thumbnail': async (a) => ({ pngBase64: (await snapshots.thumbnail(a.vm, a.snapshot)).toString('base64') }),
  };
}
