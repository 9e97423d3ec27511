import { entryDir, readLibraryIndex } from './storage/library-index.js';
import { sandboxKillNote } from './session/sandbox-kill.js';
import { access } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { totalmem } from 'node:os';
import { EngineError } from '../../src-shared/contract/index.js';
import type { EngineContext } from './engine-context.js';
import { QmpClient } from './qmp/qmp-client.js';
import { launchQemu, type Launched } from './session/qemu-launcher.js';
import { isPidAlive } from './storage/library-lock.js';
import { portFree } from './network/forward-rules.js';
import { refuseSystemFile } from './storage/path-guard.js';
import { checkVmImages, type VmChains } from './storage/image-chain.js';
import { checkUsbImages } from './usb/usb-image.js';
import { nvramPathOf } from './host-service.js';
import { BUNDLE_SUFFIX } from './storage/slug.js';
import { readLinkedBases } from './storage/linked-bases.js';
import { checkBridge } from './network/bridge-check.js';
import { qmpCommandsOf } from './qmp/qmp-commands.js';
import { qemuComplaint, readLogTail } from './session/log-tail.js';
import { keepEndedEventLog } from './session/event-log.js';
import { killUnrecorded, probeLeftover } from './session/reattach.js';
import { cleanRuntimeDir, connectSerial, VmSession, writeSessionRecord, type SessionRecord } from './session/vm-session.js';
import { whenGreeted, type GreetedWork } from './session/when-greeted.js';
import { disposableTpmState, makeOverlays, removeDisposableDir } from './session/disposable.js';
import { readSavedState } from './saved-state/saved-state-file.js';
import { checkSavedStateFits, resumeSavedState } from './saved-state/save-state.js';
import type { VmRunState } from '../../src-shared/vm-state.js';
import { keyHelpers } from './session/key-helpers.js';
import { beginLaunch, keepEnded, recordFound } from './session/idle-states.js';
import { requireSwtpm, startSwtpm, stopSwtpm } from './session/swtpm.js';
import { trackStart, type TrackedStart } from './session/start-cancel.js';
import type { LibraryEntry, LoadedVm } from './storage/bundle-store.js';
import { RESTART_OP } from './machine-ops/machine-op.js';
import { preflightShares } from './shares/share-paths.js';
import { hasSmbd } from './shares/host-tools.js';
import { shareMethodOf, shareMethodProblem } from '../../src-shared/shares/index.js';
import type { StartSplit } from './start-split.js';

function resolveInBundle(bundleDir: string, p: string): string {
  return isAbsolute(p) ? p : join(bundleDir, p);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Where the bases of linked clones may lie: the library's bundle folders (only readable `.hangar` ones: a
 * folder added by hand under another name, a home folder holding a vm.json, must not open up all it holds),
 * and the images outside them that a linked clone made into bases (storage/linked-bases.ts).
 */
export async function libraryBundles(engine: EngineContext): Promise<string[]> {
  // The index alone names the machine folders: a start must not read every bundle's vm.json (1,000 machines).
  const index = await readLibraryIndex(engine.libraryDir);
  const bundles = index.bundles.map((b) => entryDir(engine.libraryDir, b)).filter((d) => d.endsWith(BUNDLE_SUFFIX));
  return [...bundles, ...(await readLinkedBases(engine.libraryDir))];
}

/**
 * The checked chains for an argv shown, not run (vm.argv, vm.previewArgv): files not made yet are left out,
 * and a chain that would be refused at start shows as QEMU would otherwise get it (the start says why).
 */
export async function previewChains(engine: EngineContext, vm: LoadedVm): Promise<VmChains | undefined> {
  return checkVmImages(vm, await libraryBundles(engine), { nvramPath: nvramPathOf(vm.bundleDir), skipMissing: true }).catch(() => undefined);
}

/**
 * Checks what would make QEMU fail, so the user gets a specific reason instead of a log excerpt, and
 * returns every disk's checked chain (storage/image-chain.ts), which the argv then names explicitly.
 */
export async function preflight(vm: LoadedVm, bundles: readonly string[] = [], libraryDir?: string): Promise<VmChains> {
  const doc = vm.doc;
  if (doc.shares.length > 0) {
    const problem = shareMethodProblem(doc);
    if (problem) throw new EngineError('start-refused', `"${doc.name}" cannot start: ${problem}`, { field: 'shares' });
    if (shareMethodOf(doc) === 'smb' && !(await hasSmbd())) {
      throw new EngineError('start-refused', `"${doc.name}" shares a folder over SMB, which needs samba's smbd; install it with: sudo apt-get install samba`, { field: 'shares', package: 'samba' });
    }
    await preflightShares(doc.name, doc.shares, { libraryDir: libraryDir ?? dirname(vm.bundleDir), bundleDir: vm.bundleDir });
  }
  const diskChecks = doc.disks.map((d) => async () => {
    const p = resolveInBundle(vm.bundleDir, d.path);
    if (!(await exists(p))) throw new EngineError('start-refused', `disk ${d.id} of "${doc.name}" is missing: ${p}`, { field: 'disks', path: p });
    // A patched or hand-edited vm.json must not hand the guest /etc/shadow or /proc/self/mem either.
    await refuseSystemFile(p, 'disk image').catch((err: Error) => {
      throw new EngineError('start-refused', `disk ${d.id} of "${doc.name}": ${err.message}`, { field: 'disks', path: p });
    });
  });
  const cdChecks = doc.cdroms.map((c) => async () => {
    if (c.path === null) return;
    const p = resolveInBundle(vm.bundleDir, c.path);
    if (!(await exists(p))) throw new EngineError('start-refused', `the ISO in ${c.id} of "${doc.name}" is missing: ${p}`, { field: 'cdroms', path: p });
    await refuseSystemFile(p, 'CD/DVD image').catch((err: Error) => {
      throw new EngineError('start-refused', `the ISO in ${c.id} of "${doc.name}": ${err.message}`, { field: 'cdroms', path: p });
    });
  });
  // All at once (each check is a few trips through the thread pool), but the refusal is the first in document order.
  const results = await Promise.allSettled([...diskChecks, ...cdChecks].map((check) => check()));
  const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused) throw refused.reason;
  // Every file a disk makes QEMU open: a header rewritten since the disk was added is refused here, naming it.
  const chains = { ...(await checkVmImages(vm, bundles, { nvramPath: nvramPathOf(vm.bundleDir) })), ...(await checkUsbImages(vm, bundles)) };
  const hostMiB = Math.floor(totalmem() / 1024 / 1024);
  if (doc.memoryMiB > hostMiB) {
    throw new EngineError('start-refused', `"${doc.name}" needs ${doc.memoryMiB} MiB of memory but this host has only ${hostMiB} MiB`, { field: 'memoryMiB' });
  }
  if (doc.network.mode === 'bridge') {
    const verdict = await checkBridge(doc.network.bridge);
    if (!verdict.ok) throw new EngineError('start-refused', `"${doc.name}" ${verdict.message}`, { field: 'network.bridge', problems: verdict.problems });
  }
  if (doc.network.mode === 'user') {
    for (const f of doc.network.forwards) {
      if (!(await portFree(f.hostAddress, f.hostPort, f.protocol))) {
        throw new EngineError('start-refused', `host port ${f.protocol}/${f.hostAddress}:${f.hostPort} (forwarded to guest port ${f.guestPort}) is already in use`, { field: 'network.forwards' });
      }
    }
  }
  return chains;
}

export interface StartOptions {
  /** Start without saving changes: every disk write goes to a throwaway overlay (session/disposable.ts). */
  disposable?: boolean;
  /** Marks the phases up to QEMU's exec (vm.start's; a restart by the engine itself has none). */
  split?: StartSplit;
}

export async function startVm(engine: EngineContext, vm: LoadedVm, opts: StartOptions = {}): Promise<VmSession> {
  const current = engine.stateOf(vm.id);
  // A session that has just ended (its final state already announced) is still winding down: wait for it.
  const ending = engine.sessions.get(vm.id);
  if (ending && (ending.state.kind === 'stopped' || ending.state.kind === 'crashed' || ending.state.kind === 'saved')) await ending.whenEnded();
  if (engine.sessions.has(vm.id)) throw new EngineError('invalid-state', `"${vm.name}" is already ${current.kind}`);
  // From here on Force off cancels the start (session/start-cancel.ts): each step below checks before it makes anything.
  const start = trackStart(engine.startsUnderWay, vm.id, vm.name);
  try {
    return await launchVm(engine, vm, opts, start);
  } finally {
    start.end();
  }
}

async function launchVm(engine: EngineContext, vm: LoadedVm, opts: StartOptions, start: TrackedStart): Promise<VmSession> {
  const disposable = opts.disposable === true;
  // Independent reads, at once: each trip through the thread pool counts on a loaded machine.
  const [saved, bundles] = await Promise.all([readSavedState(vm.bundleDir), libraryBundles(engine)]);
  if (saved && disposable) {
    throw new EngineError('invalid-state', `"${vm.name}" holds a saved state, which a run without saving changes would leave behind unused; start it normally (it resumes), or discard the saved state first`);
  }
  if (saved) checkSavedStateFits(vm, saved);
  const chains = await preflight(vm, bundles, engine.libraryDir);
  opts.split?.mark('pre-flight');
  start.checkpoint();
  // The host probe is cached (host-service.ts); awaited here so the split shows what it cost.
  await engine.host.info();
  opts.split?.mark('probe');
  start.checkpoint();
  const runtimeDir = engine.vmRuntimeDir(vm.id);
  const logsDir = join(vm.bundleDir, 'logs');
  const { binary, argv } = await engine.host.launchArgv(vm, { runtimeDir, logsDir }, { chains, ...(disposable ? { overlays: () => makeOverlays(vm) } : {}) });
  opts.split?.mark('argv');
  const flags = disposable ? { disposable: true as const } : {};
  // What a start that never got QEMU running leaves clients with: powered off, or still saved.
  const back: VmRunState = saved ? { kind: 'saved', savedAt: saved.savedAt } : { kind: 'stopped' };
  const undo = async (): Promise<void> => {
    if (disposable) await removeDisposableDir(vm.bundleDir);
  };
  let swtpm: string | null = null;
  try {
    start.checkpoint();
    // Refused before "starting" when swtpm is missing; started before QEMU, whose -chardev connects to it.
    swtpm = vm.doc.firmware.tpm ? requireSwtpm((await engine.host.info()).swtpm, vm.name) : null;
    if (swtpm) await startSwtpm({ binary: swtpm, vmName: vm.name, bundleDir: vm.bundleDir, runtimeDir, logsDir, ...(disposable ? { stateDir: await disposableTpmState(vm.bundleDir) } : {}) });
    // Forced off while swtpm started: it goes again, and QEMU is never spawned.
    if (start.cancelled() && swtpm) await stopSwtpm(runtimeDir);
    start.checkpoint();
  } catch (err) {
    if (disposable) await removeDisposableDir(vm.bundleDir);
    throw err;
  }
  // Until the session exists, stateOf reports what the event says: starting (not stopped).
  const launch = beginLaunch(engine, vm.id, { kind: 'starting', ...flags });
  let launched: Launched;
  const client = new QmpClient();
  // Connected and written at QMP's greeting, within the wait for QEMU's main loop (session/when-greeted.ts).
  let early: GreetedWork<Socket> | undefined;
  try {
    launched = await launchQemu({ binary, argv, runtimeDir, logsDir, onExec: () => opts.split?.mark('spawn') }).catch(async (err: unknown) => {
      engine.host.spawnFailed(binary); // ENOENT, EACCES: the cached probe chose a binary that cannot run now
      await stopSwtpm(runtimeDir); // QEMU never ran, so nothing would make --terminate fire
      await undo();
      launch.failed(back);
      throw err;
    });
    const pid = launched.pid;
    const offState = client.onStateChange((st) => (st === 'negotiating' ? opts.split?.markAfter('greeting') : st === 'running' ? opts.split?.markAfter('negotiate') : undefined));
    early = whenGreeted(client, async () => {
      const record = { vmId: vm.id, pid, startedAt: new Date().toISOString(), bundleDir: vm.bundleDir, ...flags };
      const [serial, written] = await Promise.allSettled([connectSerial(runtimeDir), writeSessionRecord(runtimeDir, record)]);
      if (written.status === 'rejected') {
        if (serial.status === 'fulfilled') serial.value.destroy();
        throw written.reason;
      }
      if (serial.status === 'rejected') throw serial.reason;
      return serial.value;
    });
    try {
      await client.connectUnix(launched.qmpPath, { timeoutMs: 30_000 });
    } catch (err) {
      offState();
      early.stop();
      (await early.settled())?.destroy(); // settled before the runtime folder goes
      early = undefined;
      await new Promise<void>((resolve) => (launched.child.exitCode !== null ? resolve() : launched.child.once('exit', () => resolve())));
      engine.host.spawnFailed(binary); // exited before QMP: maybe not the binary the probe saw; the next start probes again
      const tail = await readLogTail(launched.logPath);
      await cleanRuntimeDir(runtimeDir);
      await undo();
      launch.failed(back);
      const why = sandboxKillNote(launched.child.signalCode) ?? qemuComplaint(tail);
      throw new EngineError('qemu-failed', `QEMU refused to start "${vm.name}": ${why}`, { logTail: tail, cause: (err as Error).message, signal: launched.child.signalCode });
    }
    offState();
  } finally {
    launch.end();
  }
  const session = new VmSession(
    {
      vmId: vm.id,
      runtimeDir,
      logsDir,
      pid: launched.pid,
      child: launched.child,
      qmp: qmpCommandsOf(client),
      emit: (e) => engine.emit(vm.id, e),
      keys: keyHelpers,
      onEnded: (s) => onSessionEnded(engine, s, vm.bundleDir),
      disposable,
      vdagent: vm.doc.clipboard !== 'off',
      ...(disposable ? { beforeFinal: () => removeDisposableDir(vm.bundleDir) } : {}),
    },
    { kind: 'starting' },
  );
  engine.sessions.set(vm.id, session);
  try {
    // Forced off while QEMU was being launched: it is ended below before the guest ever runs.
    start.checkpoint();
    await session.attachSerial(await early!.result);
    opts.split?.markAfter('attach');
    // The registered observers, while QEMU still waits at -S (engine-services.ts: tray events, the install's
    // `set-action reboot=shutdown`, a with-RAM snapshot restored while stopped).
    await engine.hooks.started(vm, session);
    // A saved machine state resumes here too (RAM, devices, screen), then `cont` runs it on.
    if (saved) await resumeSavedState(engine, vm, session, saved);
    opts.split?.markAfter('hooks');
    start.checkpoint();
    await session.boot();
    opts.split?.markAfter('cont');
  } catch (err) {
    (await early!.settled())?.destroy(); // the console's connection, whether or not attachSerial took it: QEMU goes
    // A resume that failed wrote the saved state back: the run ends as saved, not powered off.
    const kept = saved ? await readSavedState(vm.bundleDir).catch(() => null) : null;
    if (kept) session.endAs({ kind: 'saved', savedAt: kept.savedAt });
    await session.forceOff().catch(() => undefined);
    throw err;
  }
  return session;
}

function onSessionEnded(engine: EngineContext, session: VmSession, bundleDir: string): void {
  if (engine.sessions.get(session.vmId) === session) engine.sessions.delete(session.vmId);
  keepEndedEventLog(engine, session.vmId, session.events);
  keepEnded(engine, session.vmId, session.state);
  // A disposable run's writes went with it (beforeFinal), however it ended; this catches a failed removal.
  if (session.disposable) void removeDisposableDir(bundleDir).catch((err: Error) => engine.log('warn', `the throwaway disks of a disposable run were not removed: ${err.message}`));
  // The registered observers (the install flow may finish an install and start the VM again).
  engine.hooks.ended(session);
}

/**
 * A start the engine makes itself (the install flow), in the machine's turn like vm.start: refused while a
 * delete or a job holds the machine, and on the document as it is then (a queued change may have moved it).
 */
export function restartVm(engine: EngineContext, vm: LoadedVm): Promise<VmSession> {
  return engine.machineLock.run(vm.id, vm.name, RESTART_OP, async () => startVm(engine, await engine.store.load(vm.id)));
}

/** Takes over VMs an earlier engine left running; records the ones that died meanwhile as crashed. */
export async function reattachAll(engine: EngineContext, entries: readonly LibraryEntry[]): Promise<void> {
  await Promise.all(
    entries.map(async (entry) => {
      if (entry.status !== 'ok') return;
      const runtimeDir = engine.vmRuntimeDir(entry.id);
      const probe = await probeLeftover(runtimeDir);
      if (probe.kind === 'none') return;
      if (probe.kind === 'unrecorded') {
        await killUnrecorded(runtimeDir, probe);
        await cleanRuntimeDir(runtimeDir);
        const left = [...probe.pids.map((p) => `QEMU pid ${p}`), ...probe.swtpmPids.map((p) => `swtpm pid ${p}`)];
        if (left.length > 0) engine.log('warn', `"${entry.name}": ended ${left.join(', ')} left by an engine that stopped during its start`);
        return;
      }
      const logsDir = join(entry.bundleDir, 'logs');
      if (probe.kind !== 'alive') {
        if (probe.kind === 'died') {
          const logTail = await readLogTail(join(logsDir, 'qemu.log'));
          recordFound(engine, entry.id, { kind: 'crashed', reason: 'QEMU ended while no engine was watching', exitCode: null, signal: null, logTail });
        }
        if (probe.kind === 'exited') await engine.hooks.exitedUnwatched(entry);
        await cleanRuntimeDir(runtimeDir);
        return;
      }
      try {
        await reattachOne(engine, entry, probe.record, runtimeDir, logsDir);
      } catch (err) {
        engine.log('warn', `could not reattach to "${entry.name}" (pid ${probe.record.pid}): ${(err as Error).message}`);
      }
    }),
  );
}

async function reattachOne(engine: EngineContext, entry: { id: string; bundleDir: string }, record: SessionRecord, runtimeDir: string, logsDir: string): Promise<void> {
  const vmId = entry.id;
  const pid = record.pid;
  const client = new QmpClient();
  await client.connectUnix(join(runtimeDir, 'qmp.sock'), { timeoutMs: 10_000 });
  const qmp = qmpCommandsOf(client);
  const status = await qmp.execute('query-status');
  const session = new VmSession(
    {
      vmId, runtimeDir, logsDir, pid, qmp, emit: (e) => engine.emit(vmId, e), keys: keyHelpers,
      onEnded: (s) => onSessionEnded(engine, s, entry.bundleDir), disposable: record.disposable === true,
      vdagent: 'ask', // the policy may have changed while it ran: QEMU knows whether the channel is there
      ...(record.disposable === true ? { beforeFinal: () => removeDisposableDir(entry.bundleDir) } : {}),
    },
    status.running ? { kind: 'running' } : { kind: 'paused' },
  );
  engine.sessions.set(vmId, session);
  await engine.store.load(vmId).then(
    (vm) => engine.hooks.reattached(vm, session),
    (err: Error) => engine.log('warn', `media and install tracking of ${vmId} not reattached: ${err.message}`),
  );
  await session.attachSerial().catch((err: Error) => engine.log('warn', `serial console of ${vmId} not reattached: ${err.message}`));
  // The earlier engine saved this machine's state and died before ending QEMU: finish the save.
  const saved = await readSavedState(entry.bundleDir);
  if (saved && !status.running) {
    session.endAs({ kind: 'saved', savedAt: saved.savedAt });
    await session.forceOff();
  }
  if (!isPidAlive(pid)) await session.whenEnded();
}

