import type { EngineContext } from '../engine-context.js';
import type { FileDropService } from '../guest-agent/file-drop-service.js';
import type { CommandSet } from './command-kit.js';

/** Files dropped on the display, copied into the running guest by its agent (guest-agent/file-drop-service.ts). */
export function fileDropCommands(ctx: Pick<EngineContext, 'store' | 'stateOf'>, drops: FileDropService): CommandSet<'file.drop.begin' | 'file.drop.chunk' | 'file.drop.end' | 'file.drop.cancel'> {
  return {
    'file.drop.begin': async (a) => {
      const vm = await ctx.store.load(a.vm);
      return drops.begin(vm, ctx.stateOf(vm.id).kind === 'running', a.name, a.size);
    },
    'file.drop.chunk': (a) => drops.chunk(a.dropId, a.offset, a.data),
    'file.drop.end': (a) => drops.end(a.dropId),
    'file.drop.cancel': async (a) => {
      await drops.cancel(a.dropId);
      return { ok: true as const };
    },
  };
}
