import type { DiskService } from '../disks/disk-service.js';
import type { EngineContext } from '../engine-context.js';
import type { JobRegistry } from '../jobs/job-registry.js';
import { unsaved, type CommandSet } from './command-kit.js';

type DiskCommand = 'disk.add' | 'disk.remove' | 'disk.resize' | 'disk.convert' | 'disk.compact' | 'disk.info' | 'job.cancel';

/** A machine's disks, and the cancel of any job (disk, clone, import, archive). */
export function diskCommands(ctx: Pick<EngineContext, 'store' | 'stateOf'>, { disks, jobs }: { disks: DiskService; jobs: Pick<JobRegistry, 'cancel'> }): CommandSet<DiskCommand> {
  return {
    'disk.add': async (a) => disks.add(await unsaved(ctx, a, 'add a disk to')),
    'disk.remove': async (a) => disks.remove(await unsaved(ctx, a, 'remove a disk of')),
    'disk.resize': async (a) => disks.resize(await unsaved(ctx, a, 'resize a disk of')),
    'disk.convert': async (a) => disks.convert(await unsaved(ctx, a, 'convert a disk of')),
    'disk.compact': async (a) => disks.compact(await unsaved(ctx, a, 'compact a disk of')),
    'disk.info': async (a) => disks.info(a),
    'job.cancel': async (a) => {
      jobs.cancel(a.jobId);
      return { ok: true as const };
    },
  };
}
