import type { LoadedVm } from './storage/bundle-store.js';
import type { VmSession } from './session/vm-session.js';

/** A session was made (QEMU still waits at -S) or reattached. A throw fails the start. */
export type StartHook = (vm: LoadedVm, session: VmSession, o: { reattached: boolean }) => Promise<void> | void;
/** QEMU ended while this engine watched. */
export type EndHook = (session: VmSession) => Promise<void> | void;
/** A reattaching engine found that the VM's QEMU exited cleanly while nobody watched. */
export type ExitedHook = (vm: LoadedVm) => Promise<void> | void;

type Log = (level: 'warn' | 'error', message: string) => void;

/**
 * The observers of session starts and ends (media, install, snapshots…), registered at composition time
 * (engine-services.ts), so the lifecycle calls a list instead of reaching into each service. Start hooks run
 * in registration order, one after another (the order is part of the boot: see engine-services.ts).
 */
export class SessionHooks {
  private readonly starts: Array<{ name: string; run: StartHook }> = [];
  private readonly ends: Array<{ name: string; run: EndHook }> = [];
  private readonly exits: Array<{ name: string; run: ExitedHook }> = [];

  constructor(private readonly log: Log) {}

  onStart(name: string, run: StartHook): void {
    this.starts.push({ name, run });
  }

  onEnd(name: string, run: EndHook): void {
    this.ends.push({ name, run });
  }

  onExitedUnwatched(name: string, run: ExitedHook): void {
    this.exits.push({ name, run });
  }

  /** Before `cont` of a new session: the first hook that throws fails the start. */
  async started(vm: LoadedVm, session: VmSession): Promise<void> {
    for (const h of this.starts) await h.run(vm, session, { reattached: false });
  }

  /** A reattached session: every hook runs; a failure is logged (the reattach goes on). */
  async reattached(vm: LoadedVm, session: VmSession): Promise<void> {
    for (const h of this.starts) {
      try {
        await h.run(vm, session, { reattached: true });
      } catch (err) {
        this.log('warn', `${h.name} tracking of "${vm.name}" not reattached: ${(err as Error).message}`);
      }
    }
  }

  /** Never throws: each hook's failure is logged. */
  ended(session: VmSession): void {
    for (const h of this.ends) {
      void Promise.resolve()
        .then(() => h.run(session))
        .catch((err: Error) => this.log('error', `${h.name} flow of ${session.vmId}: ${err.message}`));
    }
  }

  /** Never throws: each hook's failure is logged. */
  async exitedUnwatched(vm: LoadedVm): Promise<void> {
    for (const h of this.exits) {
      await Promise.resolve()
        .then(() => h.run(vm))
        .catch((err: Error) => this.log('error', `${h.name} flow of "${vm.name}": ${err.message}`));
    }
  }
}
