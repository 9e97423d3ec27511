import type { ArchiveService } from '../archive/archive-service.js';
import type { EngineContext } from '../engine-context.js';
import { unsaved, type CommandSet } from './command-kit.js';

/** Bundle archives: export a machine, import one. */
export function archiveCommands(ctx: Pick<EngineContext, 'store' | 'stateOf'>, archive: ArchiveService): CommandSet<'vm.export' | 'vm.import'> {
  return {
    'vm.export': async (a) => archive.export(await unsaved(ctx, a, 'export')),
    'vm.import': async (a) => archive.import(a),
  };
}
