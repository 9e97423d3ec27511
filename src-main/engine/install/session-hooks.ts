import type { LoadedVm } from '../storage/bundle-store.js';
import { mediaServiceFor } from '../media/media-service.js';
import { installServiceFor, type InstallHost, type InstallSession } from './install-service.js';

/**
 * The points where vm-lifecycle.ts hands sessions to the media and install flows. Kept here so the
 * lifecycle code only calls three functions.
 */

/** A session was created (before `cont`) or reattached: follow its tray events and the install. */
export async function sessionStarting(engine: InstallHost, vm: LoadedVm, session: InstallSession, opts: { reattached: boolean }): Promise<void> {
  mediaServiceFor(engine).watch(vm, session);
  await installServiceFor(engine).watch(vm, session, opts);
}

/** Same, for a reattach that only knows the VM's id. Never throws (reattach must go on). */
export async function sessionReattached(engine: InstallHost, vmId: string, session: InstallSession): Promise<void> {
  try {
    await sessionStarting(engine, await engine.store.load(vmId), session, { reattached: true });
  } catch (err) {
    engine.log('warn', `media and install tracking of ${vmId} not reattached: ${(err as Error).message}`);
  }
}

/** QEMU ended: maybe finish an install and start the VM again. Never throws. */
export function sessionEnded(engine: InstallHost, session: InstallSession, restart: (vm: LoadedVm) => Promise<unknown>): void {
  installServiceFor(engine)
    .sessionEnded(session, restart)
    .catch((err: Error) => engine.log('error', `install flow of ${session.vmId}: ${err.message}`));
}

/** A reattaching engine found that the VM's QEMU exited cleanly while nobody watched. Never throws. */
export async function leftoverExited(engine: InstallHost, vm: LoadedVm): Promise<void> {
  await installServiceFor(engine)
    .exitedUnwatched(vm)
    .catch((err: Error) => engine.log('error', `install flow of "${vm.name}": ${err.message}`));
}
