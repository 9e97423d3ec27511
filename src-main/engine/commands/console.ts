import { join } from 'node:path';
import type { EngineContext } from '../engine-context.js';
import { endedEventLog, eventsTail, readTextTail } from '../session/event-log.js';
import { readLogTail } from '../session/log-tail.js';
import { sessionOf, type CommandSet } from './command-kit.js';

/** The serial console and the logs of a machine. */
export function consoleCommands(
  ctx: Pick<EngineContext, 'store' | 'sessions' | 'stateOf'>,
): CommandSet<'vm.console.attach' | 'vm.console.detach' | 'vm.console.write' | 'vm.logs'> {
  const load = (ref: string) => ctx.store.load(ref);
  return {
    'vm.console.attach': async (a, client) => {
      const vm = await load(a.vm);
      client.followSerial(vm.id, true);
      const tail = a.tailBytes ?? 64 * 1024;
      const log = tail === 0 ? '' : await readLogTail(join(vm.bundleDir, 'logs', 'serial.log'), tail);
      return { log };
    },

    'vm.console.detach': async (a, client) => {
      const vm = await load(a.vm);
      client.followSerial(vm.id, false);
      return { ok: true as const };
    },

    'vm.console.write': async (a) => {
      const s = await sessionOf(ctx, a.vm);
      s.writeSerial(a.data);
      return { ok: true as const };
    },

    'vm.logs': async (a) => {
      const vm = await load(a.vm);
      const maxBytes = a.maxBytes ?? 256 * 1024;
      if (a.kind === 'events') {
        const log = ctx.sessions.get(vm.id)?.events ?? endedEventLog(ctx, vm.id);
        return { kind: a.kind, ...eventsTail(log?.list() ?? [], maxBytes) };
      }
      const file = a.kind === 'qemu' ? 'qemu.log' : 'serial.log';
      return { kind: a.kind, ...(await readTextTail(join(vm.bundleDir, 'logs', file), maxBytes)) };
    },
  };
}
