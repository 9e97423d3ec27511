import { EngineError } from '../../../src-shared/contract/index.js';
import type { EngineContext } from '../engine-context.js';
import { vmRuntimePaths } from '../storage/library-paths.js';
import { DisplayService } from './display-service.js';

/** The display service over an engine's running VMs (engine-services.ts builds one per engine). */
export function makeDisplayService(engine: Pick<EngineContext, 'store' | 'sessions' | 'stateOf' | 'runtimeDir'>): DisplayService {
  return new DisplayService(async (ref) => {
    const vm = await engine.store.load(ref);
    const session = engine.sessions.get(vm.id);
    if (!session) throw new EngineError('invalid-state', `"${vm.name}" is not running (${engine.stateOf(vm.id).kind})`);
    return { vmId: vm.id, socketPath: vmRuntimePaths(engine.runtimeDir, vm.id).vncSocket, ended: session.whenEnded(), clipboard: vm.doc.clipboard };
  });
}
