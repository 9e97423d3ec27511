import { mountedShareWords } from '../shares/share-snapshots.js';
import { isAbsolute, join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { applyVmPatch, type VmPatch } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import type { EngineContext } from '../engine-context.js';
import { nvramPathOf } from '../host-service.js';
import { qemuText } from '../qmp/qmp-errors.js';
import { recordFound, settleIdle } from '../session/idle-states.js';
import type { VmSession } from '../session/vm-session.js';
import { createOfflineImages, type OfflineImages } from '../snapshots/offline-images.js';
import { hardwareChanges, hardwareOf, liveHardwareOf, type HardwareChange } from '../snapshots/snapshot-hardware.js';
import { plainLoadError } from '../snapshots/snapshot-words.js';
import { snapshotTargets, UEFI_VARS_NODE } from '../snapshots/snapshot-targets.js';
import type { LibraryEntry, LoadedVm } from '../storage/bundle-store.js';
import { removeDisposableDir } from '../session/disposable.js';
import { readSavedState, removeSavedState, SAVED_STATE_TAG, writeSavedState, type SavedStateRecord } from './saved-state-file.js';

const JOB_TIMEOUT_MS = 600_000;

const jobId = (what: string): string => `hangar-state-${what}-${Date.now().toString(36)}`;

function changesText(changes: HardwareChange[]): string {
  return changes.map((c) => `${c.key} was ${JSON.stringify(c.was)}, now ${JSON.stringify(c.now)}`).join('; ');
}

/**
 * Why this machine's state cannot be saved, or null. The state is an internal snapshot kept inside its disks,
 * so every writable disk must be qcow2 (the same rule as live snapshots); a disposable run's disks are thrown away.
 */
export function saveStateRefusal(vm: LoadedVm, state: VmRunState): string | null {
  if ('disposable' in state && state.disposable) {
    return `"${vm.name}" runs without saving changes: its disk writes are thrown away at power-off, so there is no state to keep. Power it off, then start it normally to save states`;
  }
  try {
    snapshotTargets(vm.doc, vm.bundleDir);
  } catch (err) {
    const reason = (err as Error).message.replace(/^snapshots need/, 'a saved state is kept inside the disks, which needs');
    return `cannot save the state of "${vm.name}": ${reason}`;
  }
  return null;
}

/**
 * VirtualBox's "Save the machine state": pauses the guest, saves RAM, devices and disks as the reserved internal
 * snapshot (UEFI vars included), records the hardware it needs, then ends QEMU. The next start resumes it.
 */
export async function saveState(engine: EngineContext, vm: LoadedVm, session: VmSession): Promise<VmRunState> {
  if (session.state.kind !== 'running' && session.state.kind !== 'paused') {
    throw new EngineError('invalid-state', `cannot save the state of "${vm.name}" while it is ${session.state.kind}`);
  }
  const refusal = saveStateRefusal(vm, session.state);
  if (refusal) throw new EngineError('invalid-state', refusal, { field: 'disks' });
  const devices = snapshotTargets(vm.doc, vm.bundleDir).targets.map((t) => t.device);
  const wasRunning = session.state.kind === 'running';
  // Paused first, so the disks cannot move on between the saved RAM and QEMU's exit.
  if (wasRunning) await session.pause();
  try {
    // A save cut short earlier may have left the tag behind (replace): snapshot-save refuses an existing tag.
    await session.saveSnapshot({ 'job-id': jobId('save'), tag: SAVED_STATE_TAG, vmstate: devices[0]!, devices }, { timeoutMs: JOB_TIMEOUT_MS, replace: true });
  } catch (err) {
    if (wasRunning) await session.resume().catch(() => undefined);
    const shares = mountedShareWords(qemuText(err));
    if (shares) throw new EngineError('invalid-state', `could not save the state of "${vm.name}": ${shares}; it keeps running`, { field: 'shares' });
    throw new EngineError('qemu-failed', `could not save the state of "${vm.name}": ${qemuText(err)}; it keeps running`);
  }
  const record: SavedStateRecord = { version: 1, savedAt: new Date().toISOString(), tag: SAVED_STATE_TAG, devices, hardware: await liveHardwareOf(vm.doc, session) };
  await writeSavedState(vm.bundleDir, record);
  const saved: VmRunState = { kind: 'saved', savedAt: record.savedAt };
  session.endAs(saved);
  await session.forceOff();
  return engine.stateOf(vm.id);
}

/** Refuses a start that could not load the saved state (hardware changed since), before anything runs. */
export function checkSavedStateFits(vm: LoadedVm, record: SavedStateRecord): void {
  const changes = hardwareChanges(record.hardware, hardwareOf(vm.doc));
  if (changes.length > 0) {
    throw new EngineError(
      'start-refused',
      `the saved state of "${vm.name}" needs the hardware it was saved with (${changesText(changes)}); change it back in Settings, or discard the saved state to start afresh`,
      { field: 'savedState', changes },
    );
  }
}

/**
 * At start, while QEMU waits at -S: loads the saved state, then deletes the reserved snapshot. The record is
 * removed first (an engine dying later must not "finish a save" of a machine already resumed) and written back
 * when the load fails, so the state is kept for another try or a discard.
 */
export async function resumeSavedState(engine: EngineContext, vm: LoadedVm, session: VmSession, record: SavedStateRecord): Promise<void> {
  await removeSavedState(vm.bundleDir);
  try {
    await session.loadAtStart({ 'job-id': jobId('load'), tag: record.tag, vmstate: record.devices[0]!, devices: record.devices }, { timeoutMs: JOB_TIMEOUT_MS });
  } catch (err) {
    await writeSavedState(vm.bundleDir, record);
    throw new EngineError('qemu-failed', `could not resume the saved state of "${vm.name}" (${plainLoadError(qemuText(err))}); the saved state is kept: start again, or discard it to start afresh`);
  }
  await session.deleteSnapshot({ 'job-id': jobId('drop'), tag: record.tag, devices: record.devices }, { timeoutMs: JOB_TIMEOUT_MS }).catch((err: unknown) => {
    engine.log('warn', `"${vm.name}": the resumed saved state could not be removed from its disks (${qemuText(err)}); it is hidden and replaced by the next save`);
  });
}

/** Where a saved state's device lives on disk (for qemu-img while no QEMU runs). */
function devicePath(vm: LoadedVm, device: string): string | null {
  if (device === UEFI_VARS_NODE) return nvramPathOf(vm.bundleDir);
  const disk = vm.doc.disks.find((d) => d.id === device);
  if (!disk) return null;
  return isAbsolute(disk.path) ? disk.path : join(vm.bundleDir, disk.path);
}

/** "Discard saved state": the machine is powered off again; its disks go back to how they were at the save. */
export async function discardState(engine: EngineContext, vm: LoadedVm, images: OfflineImages = createOfflineImages()): Promise<VmRunState> {
  const state = engine.stateOf(vm.id);
  if (state.kind !== 'saved') throw new EngineError('invalid-state', `"${vm.name}" has no saved state (it is ${state.kind})`);
  const record = await readSavedState(vm.bundleDir);
  if (record) {
    for (const device of record.devices) {
      const path = devicePath(vm, device);
      if (path === null) continue;
      const has = await images.list(path).then((l) => l.some((s) => s.name === record.tag), () => false);
      if (has) await images.delete(path, record.tag);
    }
    await removeSavedState(vm.bundleDir);
  }
  return settleIdle(engine, vm.id, { kind: 'stopped' });
}

/** The refusal for an operation that would change what a saved state needs (disks, hardware, a copy of them). */
export function refuseWhileSaved(engine: Pick<EngineContext, 'stateOf'>, vm: LoadedVm, action: string): void {
  const state = engine.stateOf(vm.id);
  if (state.kind === 'saved') {
    throw new EngineError('invalid-state', `cannot ${action} "${vm.name}" while it holds a saved state (saved ${state.savedAt}); start it and shut it down, or discard the saved state first`);
  }
}

/** A settings patch on a saved machine: names and descriptions may change, the hardware the state needs may not. */
export async function refusePatchWhileSaved(engine: Pick<EngineContext, 'stateOf'>, vm: LoadedVm, patch: VmPatch): Promise<void> {
  if (engine.stateOf(vm.id).kind !== 'saved') return;
  const record = await readSavedState(vm.bundleDir);
  if (!record) return;
  let next;
  try {
    next = applyVmPatch(vm.doc, patch, new Date().toISOString());
  } catch {
    return; // the store gives the real validation error
  }
  const changes = hardwareChanges(record.hardware, hardwareOf(next));
  if (changes.length > 0) {
    throw new EngineError('invalid-state', `"${vm.name}" holds a saved state that needs its current hardware (${changesText(changes)}); discard the saved state first, or start it and shut it down`, { field: 'savedState', changes });
  }
}

/** On engine open: machines with no process but a saved state are shown as saved; a disposable run's leftovers go. */
export async function settleStoppedBundles(engine: EngineContext, entries: readonly LibraryEntry[]): Promise<void> {
  await Promise.all(
    entries.map(async (e) => {
      if (e.status !== 'ok' || engine.sessions.has(e.id)) return;
      await removeDisposableDir(e.bundleDir);
      const record = await readSavedState(e.bundleDir);
      if (record) recordFound(engine, e.id, { kind: 'saved', savedAt: record.savedAt });
    }),
  );
}
