import { cpus, totalmem } from 'node:os';
import type { EngineContext } from '../engine-context.js';
import { ENGINE_VERSION } from '../engine-version.js';
import { inspectIso } from '../iso/index.js';
import type { CommandSet } from './command-kit.js';

/** The engine and its host: version, QEMU probe, ISO inspection. */
export function hostCommands(ctx: Pick<EngineContext, 'libraryDir' | 'host'>): CommandSet<'engine.hello' | 'host.info' | 'iso.inspect'> {
  return {
    'engine.hello': async () => ({ engineVersion: ENGINE_VERSION, pid: process.pid, libraryDir: ctx.libraryDir }),

    'host.info': async (a) => ({
      ...(await ctx.host.summary({ refresh: a.refresh === true })),
      hostMemoryMiB: Math.floor(totalmem() / 1024 / 1024),
      hostCpus: cpus().length,
      libraryDir: ctx.libraryDir,
    }),

    'iso.inspect': async (a) => inspectIso(a.path),
  };
}
