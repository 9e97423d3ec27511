import type { ThumbnailService } from '../display/thumbnails.js';
import type { EngineContext } from '../engine-context.js';
import type { StatsService } from '../stats/stats-service.js';
import { sessionOf, type CommandSet } from './command-kit.js';

type DisplayCommand =
  | 'vm.screenshot' | 'vm.thumbnail' | 'vm.thumbnails.subscribe' | 'vm.thumbnails.unsubscribe'
  | 'vm.stats.subscribe' | 'vm.stats.unsubscribe' | 'vm.sendKey' | 'vm.typeText';

/** What a client sees of a running machine (screen, thumbnails, CPU and memory) and the keys it types. */
export function displayCommands(
  ctx: Pick<EngineContext, 'store' | 'sessions' | 'stateOf'>,
  { thumbnails, stats }: { thumbnails: ThumbnailService; stats: StatsService },
): CommandSet<DisplayCommand> {
  const session = (ref: string) => sessionOf(ctx, ref);
  return {
    'vm.screenshot': async (a) => {
      const s = await session(a.vm);
      return { pngBase64: (await s.screenshot()).toString('base64') };
    },

    'vm.thumbnails.subscribe': async (a, client) => thumbnails.subscribe(client.clientId, a.vms),

    'vm.thumbnails.unsubscribe': async (_a, client) => {
      thumbnails.unsubscribe(client.clientId);
      return { ok: true as const };
    },

    'vm.stats.subscribe': async (_a, client) => stats.subscribe(client.clientId),

    'vm.stats.unsubscribe': async (_a, client) => {
      stats.unsubscribe(client.clientId);
      return { ok: true as const };
    },

    'vm.thumbnail': async (a) => {
      const vm = await ctx.store.load(a.vm);
      const t = await thumbnails.last(vm.id);
      return { pngBase64: t?.pngBase64 ?? null, takenAt: t?.takenAt ?? null };
    },

    'vm.sendKey': async (a) => {
      const s = await session(a.vm);
      return { keys: await s.sendKey(a.combo) };
    },

    'vm.typeText': async (a) => {
      const s = await session(a.vm);
      return { sent: await s.typeText(a.text) };
    },
  };
}
