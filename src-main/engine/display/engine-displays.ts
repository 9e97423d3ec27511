import { EngineError } from '../../../src-shared/contract/index.js';
import type { Engine } from '../engine.js';
import { vmRuntimePaths } from '../storage/library-paths.js';
import { DisplayService } from './display-service.js';

const services = new WeakMap<Engine, DisplayService>();

/** The display service of an engine (created on first use): displays of its running VMs. */
export function engineDisplays(engine: Engine): DisplayService {
  let service = services.get(engine);
  if (!service) {
    service = new DisplayService(async (ref) => {
      const vm = await engine.store.load(ref);
      const session = engine.sessions.get(vm.id);
      if (!session) throw new EngineError('invalid-state', `"${vm.name}" is not running (${engine.stateOf(vm.id).kind})`);
      return { vmId: vm.id, socketPath: vmRuntimePaths(engine.runtimeDir, vm.id).vncSocket, ended: session.whenEnded() };
    });
    services.set(engine, service);
  }
  return service;
}
