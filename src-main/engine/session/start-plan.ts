import { mkdir, readdir, rm } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineContext } from '../engine-context.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { LIBRARY_INDEX, vmJsonPath } from '../storage/bundle-layout.js';
import { libraryBundles, preflight } from '../vm-lifecycle.js';
import { nvramPathOf, probeCacheFile } from '../host-service.js';
import { hasUefiVars } from '../qemu/argv-arch.js';
import { readSavedState } from '../saved-state/saved-state-file.js';
import { readInstallState } from '../install/install-state.js';
import { readSnapshotFile } from '../snapshots/snapshot-file.js';
import { planEnv, planFiles, planKey, hangarCacheDir, sealPlan, stampOf, START_PLAN_VERSION, START_PLANS_DIR, type PlanInput, type StartPlan } from './start-plan-file.js';

/**
 * Why a VM's next start must go through the engine: something has to run before QEMU or between its exec and the
 * guest's start (swtpm, smbd, a port check, a saved state's or snapshot's restore, the install flow), or a host
 * device decides the argv. null: a plain start, which `hangar start` may run from a plan (start-plan-file.ts).
 */
export async function planRefusal(vm: LoadedVm): Promise<string | null> {
  const doc = vm.doc;
  if (doc.firmware.tpm) return 'a TPM (swtpm runs first)';
  if (doc.shares.length > 0) return 'shared folders';
  if (doc.network.mode === 'bridge') return 'a bridged network (checked at each start)';
  if (doc.network.mode === 'user' && doc.network.forwards.length > 0) return 'port forwards (each host port is checked at each start)';
  if (doc.usb.rules.length > 0) return 'USB device rules';
  if (await readSavedState(vm.bundleDir)) return 'a saved machine state';
  if ((await readInstallState(vm.bundleDir))?.phase === 'installing') return 'an install under way';
  const snapshots = await readSnapshotFile(vm.bundleDir).catch(() => null);
  if (snapshots?.pendingRamRestore) return 'a snapshot to restore at boot';
  if (hasUefiVars(doc) && !existsSync(nvramPathOf(vm.bundleDir))) return 'no UEFI variable store yet';
  return null;
}

/**
 * Every file the start's argv and checks read: the bundle's own files (not its logs), each disk's chain and ISO,
 * the QEMU binary and its cached probe, the library's list of bundles and linked bases, /dev/kvm, a PulseAudio
 * socket, and this code's own file (another build may compute another argv). Stamped before the argv is computed,
 * so a change made meanwhile leaves a stale stamp: the plan is then refused, never used on newer files.
 */
async function inputsOf(engine: EngineContext, vm: LoadedVm, binary: string): Promise<PlanInput[]> {
  const doc = vm.doc;
  // The binary by its path and by what that path leads to (an upgrade behind a symlink).
  const paths = new Set<string>([vm.bundleDir, vmJsonPath(vm.bundleDir), fileURLToPath(import.meta.url), binary, realpathSync(binary), probeCacheFile(engine.host.env ?? process.env), '/dev/kvm']);
  // Not logs/ nor thumbs/: QEMU's argv never reads them, and the engine writes thumbs/last.png as the session ends,
  // racing this stamp (a plan refused for a screenshot).
  for (const name of await readdir(vm.bundleDir)) if (name !== 'logs' && name !== 'thumbs') paths.add(join(vm.bundleDir, name));
  for (const sub of ['disks', 'nvram']) {
    for (const name of await readdir(join(vm.bundleDir, sub)).catch(() => [] as string[])) paths.add(join(vm.bundleDir, sub, name));
  }
  for (const d of doc.disks) paths.add(isAbsolute(d.path) ? d.path : join(vm.bundleDir, d.path));
  for (const c of doc.cdroms) if (c.path !== null) paths.add(isAbsolute(c.path) ? c.path : join(vm.bundleDir, c.path));
  for (const i of doc.usb.images) paths.add(isAbsolute(i.path) ? i.path : join(vm.bundleDir, i.path));
  paths.add(join(engine.libraryDir, LIBRARY_INDEX));
  paths.add(join(engine.libraryDir, 'linked-bases.json'));
  const runtime = (engine.host.env ?? process.env)['XDG_RUNTIME_DIR'];
  if (runtime) paths.add(join(runtime, 'pulse', 'native'));
  return [...paths].map((path) => ({ path, stamp: stampOf(path) }));
}

/** Removes the VM's plans (a start that must go through the engine, a deleted machine). */
export async function dropStartPlan(libraryDir: string, vm: { id: string; name?: string }): Promise<void> {
  await Promise.all(planFiles(libraryDir, { id: vm.id, ...(vm.name !== undefined ? { name: vm.name } : {}) }).map((f) => rm(f, { force: true })));
}

/**
 * Writes the plan of `vm`'s next start, once its QEMU has ended (the disks are what the next start opens), or
 * removes it when that start must go through the engine. The argv is the start's own (pre-flight, checked chains,
 * launchArgv), without `-S`. Named by id, and by name when that name finds this machine alone.
 */
export async function writeStartPlan(engine: EngineContext, vm: LoadedVm): Promise<'written' | string> {
  const refusal = process.platform === 'linux' ? await planRefusal(vm) : 'not Linux';
  if (refusal !== null) {
    await dropStartPlan(engine.libraryDir, vm.doc);
    return refusal;
  }
  const host = await engine.host.info();
  const emulator = host.emulators[vm.doc.arch];
  if (!emulator) return `no QEMU for ${vm.doc.arch}`;
  const inputs = await inputsOf(engine, vm, emulator.binary);
  const runtimeDir = engine.vmRuntimeDir(vm.id);
  const logsDir = join(vm.bundleDir, 'logs');
  const chains = await preflight(vm, await libraryBundles(engine), engine.libraryDir);
  for (const layers of Object.values(chains)) for (const l of layers) if (!inputs.some((i) => i.path === l.path)) inputs.push({ path: l.path, stamp: stampOf(l.path) });
  const { binary, argv } = await engine.host.launchArgv(vm, { runtimeDir, logsDir }, { chains, dryRun: true });
  const paused = argv.indexOf('-S');
  if (paused < 0) return 'the argv has no -S';
  const plan: StartPlan = {
    version: START_PLAN_VERSION,
    vmId: vm.id,
    name: vm.doc.name,
    uid: process.getuid?.() ?? 0,
    libraryDir: engine.libraryDir,
    bundleDir: vm.bundleDir,
    runtimeDir,
    logsDir,
    binary,
    argv: [...argv.slice(0, paused), ...argv.slice(paused + 1)],
    env: planEnv(engine.host.env ?? process.env),
    inputs,
  };
  const key = planKey(hangarCacheDir(engine.host.env ?? process.env), plan.uid, true);
  if (!key) return 'the plan key is not a private file of yours';
  const dir = join(engine.libraryDir, START_PLANS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const text = sealPlan(key, plan);
  // By name only when `hangar start NAME` finds this machine and no other (names are unique; an id prefix is not).
  const entries = await engine.store.list();
  const q = vm.doc.name.toLowerCase();
  const alone = entries.every((e) => e.id === vm.id || e.id === null || !(q.length >= 4 && e.id.toLowerCase().startsWith(q)) && e.id.toLowerCase() !== q);
  const [byId, byName] = planFiles(engine.libraryDir, { id: vm.id, name: vm.doc.name });
  await writeFileAtomic(byId!, text, { mode: 0o600 });
  if (alone) await writeFileAtomic(byName!, text, { mode: 0o600 });
  else await rm(byName!, { force: true });
  return 'written';
}

/** The plans being written after sessions ended: an engine that exits (idle) finishes them first. */
export class StartPlans {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly engine: EngineContext) {}

  /** After `vmId`'s QEMU ended while this engine watched. A failure only costs the next start its shortcut. */
  ended(vmId: string): void {
    const work = this.engine.store
      .load(vmId)
      .then((vm) => writeStartPlan(this.engine, vm))
      .catch(async (err: Error) => {
        await dropStartPlan(this.engine.libraryDir, { id: vmId }).catch(() => undefined);
        this.engine.log('warn', `the start plan of ${vmId} was not written: ${err.message}`);
      })
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
