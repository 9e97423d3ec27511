import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineContext } from '../engine-context.js';
import { vmRuntimePaths } from '../storage/library-paths.js';
import { VncScreenChanges } from './screen-changes.js';
import { ThumbnailService } from './thumbnails.js';

/** `<bundle>/thumbs/last.png`: the screen of a stopped VM as it was last seen. */
export const LAST_THUMBNAIL = join('thumbs', 'last.png');

/** The thumbnail service over an engine's sessions and bundles (engine-services.ts builds one per engine). */
export function makeThumbnailService(engine: Pick<EngineContext, 'sessions' | 'store' | 'emit' | 'runtimeDir'>): ThumbnailService {
  return new ThumbnailService({
    liveVms: () => [...engine.sessions.values()].filter((s) => s.state.kind === 'running' || s.state.kind === 'paused').map((s) => s.vmId),
    screendumpPpm: async (vmId) => {
      const session = engine.sessions.get(vmId);
      if (!session) throw new Error('not running');
      return session.screenshot('ppm');
    },
    sessionEnded: (vmId) => engine.sessions.get(vmId)?.whenEnded() ?? null,
    watchScreen: (vmId) => {
      if (!engine.sessions.has(vmId)) return null;
      try {
        return new VncScreenChanges(vmRuntimePaths(engine.runtimeDir, vmId).vncSocket);
      } catch {
        return null; // no usable socket path: captured every round, as before
      }
    },
    emit: (vmId, t) => engine.emit(vmId, { type: 'vm.thumbnail', pngBase64: t.pngBase64, width: t.width, height: t.height }),
    saveLast: async (vmId, png) => {
      const vm = await engine.store.load(vmId);
      const file = join(vm.bundleDir, LAST_THUMBNAIL);
      await mkdir(join(vm.bundleDir, 'thumbs'), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, png);
      await rename(tmp, file);
    },
    readLast: async (vmId) => {
      const vm = await engine.store.load(vmId);
      const file = join(vm.bundleDir, LAST_THUMBNAIL);
      try {
        const [png, info] = await Promise.all([readFile(file), stat(file)]);
        return { png, takenAt: info.mtime.toISOString() };
      } catch {
        return null;
      }
    },
  });
}
