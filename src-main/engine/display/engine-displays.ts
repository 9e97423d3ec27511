import { EngineError } from '../../../src-shared/contract/index.js';
import type { EngineContext } from '../engine-context.js';
import type { ConnectionService } from '../libvirt/connection-service.js';
import { vmRuntimePaths } from '../storage/library-paths.js';
import { DisplayService } from './display-service.js';

/**
 * The display service over an engine's running VMs (engine-services.ts builds one per engine). An id that is no
 * machine of the library may be a libvirt domain's uuid: the connection that has it gives the display (tunnelled).
 */
export function makeDisplayService(engine: Pick<EngineContext, 'store' | 'sessions' | 'stateOf' | 'runtimeDir'>, connections?: Pick<ConnectionService, 'locate'>): DisplayService {
  return new DisplayService(async (ref) => {
    const vm = await engine.store.load(ref).catch(async (err: unknown) => {
      const conn = (err as { code?: unknown }).code === 'not-found' ? await connections?.locate(ref) : null;
      if (conn) return { libvirt: await conn.displayTarget(ref) };
      throw err;
    });
    if ('libvirt' in vm) return vm.libvirt;
    const session = engine.sessions.get(vm.id);
    if (!session) throw new EngineError('invalid-state', `"${vm.name}" is not running (${engine.stateOf(vm.id).kind})`);
    return { vmId: vm.id, socketPath: vmRuntimePaths(engine.runtimeDir, vm.id).vncSocket, ended: session.whenEnded(), clipboard: vm.doc.clipboard };
  });
}
