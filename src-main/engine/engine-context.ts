import type { EngineEvent, VmEventBody } from '../../src-shared/contract/index.js';
import type { VmRunState } from '../../src-shared/vm-state.js';
import type { HostService } from './host-service.js';
import type { MachineLock } from './machine-ops/machine-lock.js';
import type { SessionHooks } from './session-hooks.js';
import type { StartUnderWay } from './session/start-cancel.js';
import type { VmSession } from './session/vm-session.js';
import type { BundleStore } from './storage/bundle-store.js';

/**
 * What every part of the engine may know about the engine: its folders, the library store, the host probe,
 * the run state of each machine, events and log. Services get this (or a slice of it) and the peer services
 * they use through their constructors (engine-services.ts builds them); none of them sees the Engine itself.
 */

export interface EngineContext {
  readonly libraryDir: string;
  /** The per-user runtime folder (control socket, one folder per running VM). */
  readonly runtimeDir: string;
  readonly store: BundleStore;
  readonly host: HostService;
  /** One session per running QEMU. */
  readonly sessions: Map<string, VmSession>;
  /** VMs whose last session crashed or was saved, so that state survives until the next start. */
  readonly lastStates: Map<string, VmRunState>;
  /** VMs whose QEMU is being launched (announced as starting, no session yet). */
  readonly launching: Set<string>;
  /** vm.start calls under way (pre-flight to return), which vm.forceOff cancels. */
  readonly startsUnderWay: Map<string, StartUnderWay>;
  /** One operation that changes a machine at a time: "is this machine busy?" is asked of it alone (machine-ops/). */
  readonly machineLock: MachineLock;
  /** Observers of session starts and ends, registered by engine-services.ts, called by vm-lifecycle.ts. */
  readonly hooks: SessionHooks;
  /** `hangar serve --allow-dir` roots; null when the engine was not started for a browser host. */
  readonly browserRoots: readonly string[] | null;
  stateOf(vmId: string): VmRunState;
  vmRuntimeDir(vmId: string): string;
  /** `connection`: set for a machine on a libvirt connection (the event carries it). */
  emit(vmId: string, body: VmEventBody, connection?: string): void;
  log(level: EngineEvent['level'], message: string): void;
  /** Throws once the engine is shutting down. */
  assertOpen(): void;
}
