import { randomUUID } from 'node:crypto';
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, type SnapshotNodeInfo, type SnapshotTree, type VmEventBody } from '../../../src-shared/contract/index.js';
import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { KeyedQueue } from '../storage/keyed-queue.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { qemuText } from '../qmp/qmp-errors.js';
import type { VmSession } from '../session/vm-session.js';
import { createOfflineImages, type OfflineImages } from './offline-images.js';
import {
  addSnapshot,
  emptySnapshotFile,
  findSnapshot,
  parseSnapshotFile,
  reconcile,
  removeSnapshot,
  serializeSnapshotFile,
  SNAPSHOTS_JSON,
  updateSnapshot,
  type ImageSnapshot,
  type SnapshotFile,
  type StoredSnapshot,
} from './snapshot-tree.js';
import { snapshotTargets, type SnapshotTarget } from './snapshot-targets.js';
import { hardwareChanges, hardwareMismatchMessage, hardwareOf } from './snapshot-hardware.js';
import { encodeSnapshotThumb, rawThumbPath, removeSnapshotThumb } from './snapshot-thumbnail.js';

/** The slice of a VmSession snapshots need: its state, its QMP face (screendump, image lists) and its snapshot jobs. */
export type SnapshotSession = Pick<VmSession, 'state' | 'qmp' | 'saveSnapshot' | 'loadSnapshot' | 'loadAtStart' | 'deleteSnapshot' | 'snapshotDisks'>;

/** The slice of the engine snapshots need (the Engine satisfies it through `snapshotServiceFor`). */
export interface SnapshotHost {
  load(ref: string): Promise<LoadedVm>;
  session(vmId: string): SnapshotSession | undefined;
  stateOf(vmId: string): VmRunState;
  emit(vmId: string, body: VmEventBody): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface SnapshotServiceOptions {
  images?: OfflineImages;
  newId?: () => string;
  now?: () => Date;
  /** Whole-job deadline for QMP snapshot jobs. */
  jobTimeoutMs?: number;
}

type JobKind = Extract<VmEventBody, { type: 'vm.job' }>['kind'];

const thumbName = (id: string): string => `thumbs/snap-${id}.png`;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A new RAM snapshot's vmstate size until the images are read again (not 0, which means disk-only). */
const UNKNOWN_VMSTATE_SIZE = -1;

/** QEMU's load errors in plain words (its own text kept in brackets for a bug report). */
export function plainLoadError(qemu: string): string {
  if (/Error -22 while loading VM state|Length mismatch|Unknown (ramblock|savevm section)|section id|Missing section footer/i.test(qemu)) {
    return `the saved memory state does not fit this machine (its hardware is not the one the snapshot was taken with) [QEMU: ${qemu}]`;
  }
  if (/Error -\d+ while loading VM state/i.test(qemu)) return `the saved memory state could not be read back [QEMU: ${qemu}]`;
  return qemu;
}

/** Runs `work` with `write` started beside it; settles with both, `work`'s error first (a write error never goes unhandled). */
async function alongside<T>(work: Promise<T>, write: Promise<void>): Promise<T> {
  const written = write.then(
    () => null,
    (err: unknown) => ({ err }),
  );
  const result = await work.catch(async (err: unknown) => {
    await written;
    throw err;
  });
  const failed = await written;
  if (failed !== null) throw failed.err;
  return result;
}

/**
 * Snapshots of one engine's VMs: take, restore, delete, rename, and the tree in `snapshots.json`,
 * reconciled with the images. One operation per VM at a time (a queue per VM id).
 *
 * Running VM: QMP jobs (`snapshot-save/load/delete`) over every writable qcow2 format node plus the
 * UEFI vars (`pflash1`); RAM goes to the first disk. Without RAM: one `transaction` of
 * `blockdev-snapshot-internal-sync` (crash-consistent disks; 7.2's snapshot-save always saves RAM).
 * Stopped VM: `qemu-img snapshot -c/-a/-d` on each image. A with-RAM snapshot restored while stopped is
 * loaded (snapshot-load) on the next start while QEMU still waits at -S (`beforeBoot`).
 */
export class SnapshotService {
  private readonly queue = new KeyedQueue();
  private readonly images: OfflineImages;
  private readonly newId: () => string;
  private readonly now: () => Date;
  private readonly jobTimeoutMs: number;
  /**
   * What each image of a running VM holds, as last read or changed by this service. While QEMU runs it holds
   * the images locked and only this engine talks to its QMP, so only this service changes them: take and restore
   * skip the image query (a new QEMU is a new session: read afresh); list, delete and rename always read.
   */
  private readonly liveImages = new WeakMap<SnapshotSession, Map<string, ImageSnapshot[]>>();
  /** PNG encodings still running, by PNG path. */
  private readonly thumbJobs = new Map<string, Promise<void>>();

  constructor(
    private readonly host: SnapshotHost,
    options: SnapshotServiceOptions = {},
  ) {
    this.images = options.images ?? createOfflineImages();
    this.newId = options.newId ?? randomUUID;
    this.now = options.now ?? (() => new Date());
    this.jobTimeoutMs = options.jobTimeoutMs ?? 600_000;
  }

  /** Resolves when the screenshots still being made after a take are written (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.thumbJobs.values()]);
  }

  async list(ref: string): Promise<SnapshotTree> {
    const vm = await this.host.load(ref);
    return this.queue.run(vm.id, async () => (await this.reconciled(vm)).tree);
  }

  async take(ref: string, opts: { name: string; description?: string; withRam?: boolean }): Promise<{ snapshot: SnapshotNodeInfo; tree: SnapshotTree }> {
    const vm = await this.host.load(ref);
    return this.queue.run(vm.id, async () => {
      const { targets } = snapshotTargets(vm.doc, vm.bundleDir);
      const id = this.newId();
      const tag = id;
      const session = this.liveSession(vm, 'take a snapshot of');
      const { file, images } = await this.reconciled(vm, { cached: true });
      const name = opts.name.trim();
      // Live: the screenshot is taken right after the save (see `captureThumb`), off the critical path.
      const thumbnail = session ? thumbName(id) : null;
      const node: Omit<StoredSnapshot, 'parentId'> = {
        id,
        tag,
        name,
        description: opts.description ?? '',
        createdAt: this.now().toISOString(),
        withRam: false,
        thumbnail,
        devices: [],
      };
      try {
        if (file.nodes.some((n) => n.name === name)) throw new EngineError('exists', `"${vm.name}" already has a snapshot named "${name}"`);
        if (session) {
          node.withRam = opts.withRam !== false;
          node.devices = targets.map((t) => t.device);
          if (node.withRam) node.hardware = hardwareOf(vm.doc);
          // snapshots.json is written while QEMU saves (fsync'd, atomic); a failed save writes the old tree back.
          // An engine killed meanwhile leaves the node with the save QEMU finishes on its own (or a "missing" one).
          const next = addSnapshot(file, node);
          const save = node.withRam ? this.liveSave(vm, session, tag, node.devices, id) : this.liveDiskOnly(vm, session, tag, node.devices, id);
          try {
            await alongside(save, this.persist(vm, next));
          } catch (err) {
            this.liveImages.delete(session); // a failed save may have left the tag in some images
            await this.persist(vm, file).catch((e: Error) => this.host.log('warn', `snapshots.json of "${vm.name}" not rolled back: ${e.message}`));
            throw err;
          }
          this.captureThumb(vm, session, join(vm.bundleDir, thumbnail!));
          return this.taken(vm, next, images, node);
        }
        if (opts.withRam === true) throw new EngineError('invalid-state', `"${vm.name}" is not running, so there is no RAM to include; take a disk-only snapshot (no RAM)`);
        node.devices = await this.offlineEach(vm, 'snapshot-take', id, await this.presentTargets(targets), (t) => this.images.create(t.path, tag), {
          undo: (t) => this.images.delete(t.path, tag),
        });
        const next = addSnapshot(file, node);
        await this.persist(vm, next);
        return this.taken(vm, next, images, node);
      } catch (err) {
        if (thumbnail) await removeSnapshotThumb(join(vm.bundleDir, thumbnail));
        throw err;
      }
    });
  }

  /** The answer to a take: the tree from the images as read before, plus the new tag (no second image query). */
  private taken(vm: LoadedVm, next: SnapshotFile, before: Map<string, ImageSnapshot[]>, node: Omit<StoredSnapshot, 'parentId'>): { snapshot: SnapshotNodeInfo; tree: SnapshotTree } {
    this.host.emit(vm.id, { type: 'vm.snapshots', currentId: next.currentId });
    const images = new Map(before);
    const dateSec = Math.floor(Date.parse(node.createdAt) / 1000);
    for (const [i, d] of node.devices.entries()) {
      const vmStateSize = node.withRam && i === 0 ? UNKNOWN_VMSTATE_SIZE : 0;
      if (images.has(d)) images.set(d, [...images.get(d)!, { id: '', name: node.tag, vmStateSize, dateSec }]);
    }
    const session = this.host.session(vm.id);
    if (session && this.liveImages.has(session)) this.liveImages.set(session, images);
    const tree = reconcile(next, images, this.newId).tree;
    return { snapshot: tree.snapshots.find((n) => n.id === node.id)!, tree };
  }

  /**
   * The snapshot's screenshot, after the reply: a raw screendump (PPM: nothing for QEMU to encode), then the PNG
   * made here. Taken just after the save, while the guest has run for at most the time of one QMP round trip, so
   * it shows the screen the snapshot holds; keeping it out of the save keeps the guest's pause and the reply
   * short. `thumbnail()` and `delete()` wait for it; a failure only costs the picture (the tree still names the
   * file; `snapshot.thumbnail` then says it is gone).
   */
  private captureThumb(vm: LoadedVm, session: SnapshotSession, png: string): void {
    const job = (async () => {
      await mkdir(join(vm.bundleDir, 'thumbs'), { recursive: true });
      await session.qmp.execute('screendump', { filename: rawThumbPath(png), format: 'ppm' });
      await encodeSnapshotThumb(png);
    })()
      .catch(async (err: Error) => {
        this.host.log('warn', `no screenshot for a snapshot of "${vm.name}": ${err.message}`);
        await removeSnapshotThumb(png);
      })
      .finally(() => {
        if (this.thumbJobs.get(png) === job) this.thumbJobs.delete(png);
      });
    this.thumbJobs.set(png, job);
  }

  async restore(ref: string, snapshotRef: string): Promise<{ snapshot: SnapshotNodeInfo; tree: SnapshotTree; state: VmRunState; pendingRamRestore: boolean }> {
    const vm = await this.host.load(ref);
    return this.queue.run(vm.id, async () => {
      const { targets } = snapshotTargets(vm.doc, vm.bundleDir);
      const { file, tree, images } = await this.reconciled(vm, { cached: true });
      const node = findSnapshot(file, snapshotRef);
      const info = tree.snapshots.find((n) => n.id === node.id)!;
      if (info.missing) {
        throw new EngineError('invalid-state', `snapshot "${node.name}" is not in the image${info.missingIn!.length > 1 ? 's' : ''} of ${info.missingIn!.join(', ')} any more, so it cannot be restored (delete it from the tree)`, {
          missingIn: info.missingIn,
        });
      }
      const present = new Set(targets.map((t) => t.device));
      const devices = node.devices.filter((d) => present.has(d));
      if (devices.length === 0) throw new EngineError('invalid-state', `snapshot "${node.name}" covers none of the VM's current disks (${node.devices.join(', ')})`);
      // Checked before anything changes: QEMU would revert the disks first and then fail on the memory state.
      const changes = node.withRam ? hardwareChanges(node.hardware, hardwareOf(vm.doc)) : [];
      if (changes.length > 0) {
        throw new EngineError('invalid-state', hardwareMismatchMessage(node.name, changes), { changed: changes.map((c) => ({ setting: c.key, snapshot: c.was, now: c.now })) });
      }
      const session = this.liveSession(vm, 'restore a snapshot of');
      let pending: string | null = null;
      const next: SnapshotFile = { ...file, currentId: node.id, pendingRamRestore: null };
      if (session) {
        if (!node.withRam) {
          throw new EngineError('invalid-state', `"${node.name}" is a disk-only snapshot: shut "${vm.name}" down to restore it (its disks go back; it then starts from them)`);
        }
        const ram = images.get(devices[0]!)?.find((x) => (x.name || x.id) === node.tag);
        if (ram && ram.vmStateSize === 0) throw new EngineError('invalid-state', `"${node.name}" holds no memory state in ${devices[0]} (a disk-only snapshot): shut "${vm.name}" down to restore it`);
        await this.liveLoad(vm, session, node, devices, file, next);
      } else {
        const byDevice = new Map(targets.map((t) => [t.device, t]));
        await this.offlineEach(vm, 'snapshot-restore', node.id, devices.map((d) => byDevice.get(d)!), (t) => this.images.apply(t.path, node.tag));
        pending = node.withRam ? node.tag : null;
        await this.persist(vm, { ...next, pendingRamRestore: pending });
      }
      const after = { ...next, pendingRamRestore: pending };
      this.host.emit(vm.id, { type: 'vm.snapshots', currentId: after.currentId });
      // A restore changes no image's snapshot list: the tree follows from what was just read.
      const t = reconcile(after, images, this.newId).tree;
      return { snapshot: t.snapshots.find((n) => n.id === node.id)!, tree: t, state: this.host.stateOf(vm.id), pendingRamRestore: pending !== null };
    });
  }

  async delete(ref: string, snapshotRef: string): Promise<{ tree: SnapshotTree }> {
    const vm = await this.host.load(ref);
    return this.queue.run(vm.id, async () => {
      const { file, images } = await this.reconciled(vm);
      const node = findSnapshot(file, snapshotRef);
      // Every image that holds the tag, whatever the metadata says.
      const holding = [...images.entries()].filter(([, snaps]) => snaps.some((s) => (s.name || s.id) === node.tag)).map(([d]) => d);
      const session = this.liveSession(vm, 'delete a snapshot of');
      if (holding.length > 0) {
        if (session) {
          await this.liveJob(vm, 'snapshot-delete', node.id, (job) => session.deleteSnapshot({ 'job-id': job.jobId, tag: node.tag, devices: holding }, job));
        } else {
          const { targets } = this.targetsLenient(vm);
          const byDevice = new Map(targets.map((t) => [t.device, t]));
          await this.offlineEach(vm, 'snapshot-delete', node.id, holding.map((d) => byDevice.get(d)!).filter(Boolean), (t) => this.images.delete(t.path, node.tag));
        }
      }
      if (node.thumbnail) {
        const png = join(vm.bundleDir, node.thumbnail);
        await this.thumbJobs.get(png);
        await removeSnapshotThumb(png);
      }
      const next = removeSnapshot(file, node.id);
      await this.write(vm, next);
      for (const d of holding) images.set(d, images.get(d)!.filter((x) => (x.name || x.id) !== node.tag));
      if (session && this.liveImages.has(session)) this.liveImages.set(session, images);
      return { tree: reconcile(next, images, this.newId).tree };
    });
  }

  async rename(ref: string, snapshotRef: string, patch: { name?: string; description?: string }): Promise<{ snapshot: SnapshotNodeInfo; tree: SnapshotTree }> {
    const vm = await this.host.load(ref);
    return this.queue.run(vm.id, async () => {
      const { file } = await this.reconciled(vm);
      const node = findSnapshot(file, snapshotRef);
      const name = patch.name?.trim();
      if (name !== undefined && name !== node.name && file.nodes.some((n) => n.name === name)) {
        throw new EngineError('exists', `"${vm.name}" already has a snapshot named "${name}"`);
      }
      const p: { name?: string; description?: string } = {};
      if (name !== undefined) p.name = name;
      if (patch.description !== undefined) p.description = patch.description;
      await this.write(vm, updateSnapshot(file, node.id, p));
      const tree = (await this.reconciled(vm)).tree;
      return { snapshot: tree.snapshots.find((n) => n.id === node.id)!, tree };
    });
  }

  async thumbnail(ref: string, snapshotRef: string): Promise<Buffer> {
    const vm = await this.host.load(ref);
    const node = findSnapshot(await this.read(vm), snapshotRef);
    if (!node.thumbnail) throw new EngineError('not-found', `snapshot "${node.name}" has no screenshot (taken while the VM was stopped)`);
    const png = join(vm.bundleDir, node.thumbnail);
    await this.thumbJobs.get(png); // still being encoded (just taken)
    const gone = () => new EngineError('not-found', `the screenshot of snapshot "${node.name}" is gone (${node.thumbnail})`);
    try {
      return await readFile(png);
    } catch {
      // An engine killed before it encoded the PNG left the raw screendump.
      if (!(await exists(rawThumbPath(png)))) throw gone();
      await encodeSnapshotThumb(png).catch(() => undefined);
      return readFile(png).catch(() => {
        throw gone();
      });
    }
  }

  /**
   * Called by startVm while QEMU waits at -S: loads the RAM state of a snapshot restored while the VM was
   * stopped. A failure is reported (vm.job failed, engine log) and the VM cold-boots from its restored disks.
   */
  async beforeBoot(vm: LoadedVm, session: SnapshotSession): Promise<void> {
    await this.queue.run(vm.id, async () => {
      let file: SnapshotFile;
      try {
        file = await this.read(vm);
      } catch {
        return; // a damaged snapshots.json must not keep the VM from starting
      }
      const tag = file.pendingRamRestore;
      if (tag === null) return;
      const node = file.nodes.find((n) => n.tag === tag);
      await this.write(vm, { ...file, pendingRamRestore: null });
      if (!node) return;
      let devices: string[];
      try {
        const present = new Set(snapshotTargets(vm.doc, vm.bundleDir).targets.map((t) => t.device));
        devices = node.devices.filter((d) => present.has(d));
      } catch {
        return;
      }
      const jobId = `hangar-load-${node.id.slice(0, 8)}-${Date.now().toString(36)}`;
      this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-restore', status: 'running', percent: 0, snapshotId: node.id });
      // Settings changed since the restore: QEMU would fail on the state; nothing is loaded, so the boot is clean.
      const changes = hardwareChanges(node.hardware, hardwareOf(vm.doc));
      if (changes.length > 0) {
        const message = `the memory state of snapshot "${node.name}" was not resumed, so "${vm.name}" starts from the snapshot's disks instead. ${hardwareMismatchMessage(node.name, changes)}`;
        this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-restore', status: 'failed', snapshotId: node.id, error: message });
        this.host.log('warn', message);
        this.host.emit(vm.id, { type: 'vm.snapshots', currentId: file.currentId });
        return;
      }
      try {
        await session.loadAtStart({ 'job-id': jobId, tag, vmstate: devices[0]!, devices }, { timeoutMs: this.jobTimeoutMs });
        this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-restore', status: 'concluded', percent: 100, snapshotId: node.id });
      } catch (err) {
        const message = `could not resume the RAM state of snapshot "${node.name}" (${plainLoadError(qemuText(err))}); "${vm.name}" starts from its restored disks instead`;
        this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-restore', status: 'failed', snapshotId: node.id, error: message });
        this.host.log('warn', message);
        // A half-loaded machine must not run: reset it so the boot is a clean cold boot.
        await session.qmp.execute('system_reset').catch(() => undefined);
      }
      this.host.emit(vm.id, { type: 'vm.snapshots', currentId: file.currentId });
    });
  }

  // ---- live (QMP) ----

  private liveSession(vm: LoadedVm, action: string): SnapshotSession | null {
    const state = this.host.stateOf(vm.id);
    const session = this.host.session(vm.id);
    if (session && (state.kind === 'running' || state.kind === 'paused')) return session;
    if (isActive(state)) throw new EngineError('invalid-state', `cannot ${action} "${vm.name}" while it is ${state.kind}`);
    return null;
  }

  private async liveSave(vm: LoadedVm, session: SnapshotSession, tag: string, devices: string[], id: string): Promise<void> {
    await this.liveJob(vm, 'snapshot-take', id, (job) => session.saveSnapshot({ 'job-id': job.jobId, tag, vmstate: devices[0]!, devices }, job));
  }

  /** Disks only, while running: one atomic transaction (the guest keeps running: crash-consistent). */
  private async liveDiskOnly(vm: LoadedVm, session: SnapshotSession, tag: string, devices: string[], id: string): Promise<void> {
    const jobId = `hangar-take-${id.slice(0, 8)}`;
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-take', status: 'running', percent: 0, snapshotId: id });
    try {
      await session.snapshotDisks(devices, tag);
    } catch (err) {
      const message = `QEMU could not take a disk snapshot of "${vm.name}": ${qemuText(err)}`;
      this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-take', status: 'failed', snapshotId: id, error: message });
      throw new EngineError('qemu-failed', message);
    }
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-take', status: 'concluded', percent: 100, snapshotId: id });
  }

  /**
   * The session's restore, with snapshots.json (the new current snapshot) written meanwhile. A load QEMU refused
   * changed nothing (the tree goes back); one it had begun left the snapshot's disks, so that snapshot stays current.
   */
  private async liveLoad(vm: LoadedVm, session: SnapshotSession, node: StoredSnapshot, devices: string[], before: SnapshotFile, next: SnapshotFile): Promise<void> {
    const written = this.persist(vm, next).then(
      () => null,
      (err: unknown) => ({ err }),
    );
    const outcome = await this.liveJob(vm, 'snapshot-restore', node.id, (job) => session.loadSnapshot({ 'job-id': job.jobId, tag: node.tag, vmstate: devices[0]!, devices }, job), plainLoadError);
    const failedWrite = await written;
    if (!outcome.ok) {
      this.liveImages.delete(session);
      const { code, message } = outcome.error as EngineError;
      if (outcome.after === 'unchanged') {
        await this.persist(vm, before).catch(() => undefined);
        throw new EngineError(code, `${message}. "${vm.name}" is ${outcome.state} as it was.`, { state: outcome.state });
      }
      if (outcome.after === 'gone') throw new EngineError(code, message, { state: 'stopped' });
      throw new EngineError(
        code,
        `${message}. QEMU had already put the snapshot's disks back, so "${vm.name}" was powered off rather than left half-restored: start it to boot from the snapshot's disks, or restore another snapshot.`,
        { state: 'stopped' },
      );
    }
    if (failedWrite !== null) throw failedWrite.err; // only the write failed: the load went through
  }

  /**
   * Runs one of the session's snapshot jobs with vm.job events; a failure becomes an EngineError carrying QEMU's
   * words (`words` makes them plain), reported the moment the job fails.
   */
  private async liveJob<T>(
    vm: LoadedVm,
    kind: JobKind,
    snapshotId: string,
    run: (job: { jobId: string; timeoutMs: number; onFailure: (err: unknown) => Error }) => Promise<T>,
    words: (qemu: string) => string = (q) => q,
  ): Promise<T> {
    const jobId = `hangar-${kind.slice('snapshot-'.length)}-${snapshotId.slice(0, 8)}-${Date.now().toString(36)}`;
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'running', percent: 0, snapshotId });
    const onFailure = (err: unknown): Error => {
      const verb = kind === 'snapshot-take' ? 'take the snapshot of' : kind === 'snapshot-restore' ? 'restore the snapshot of' : 'delete the snapshot of';
      const message = `QEMU could not ${verb} "${vm.name}": ${words(qemuText(err))}`;
      this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'failed', snapshotId, error: message });
      return new EngineError((err as Error).name === 'QmpTimeoutError' ? 'timeout' : 'qemu-failed', message);
    };
    let failed = false;
    const result = await run({
      jobId,
      timeoutMs: this.jobTimeoutMs,
      onFailure: (err) => {
        failed = true;
        return onFailure(err);
      },
    });
    if (!failed) this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'concluded', percent: 100, snapshotId });
    return result;
  }

  // ---- offline (qemu-img) ----

  private async presentTargets(targets: SnapshotTarget[]): Promise<SnapshotTarget[]> {
    // UEFI vars are created on the first start; before that there is nothing to snapshot.
    const present: SnapshotTarget[] = [];
    for (const t of targets) if (await exists(t.path)) present.push(t);
    if (present.length === 0) throw new EngineError('not-found', `none of the images exist: ${targets.map((t) => t.path).join(', ')}`);
    return present;
  }

  /** One qemu-img run per image with vm.job progress; `undo` rolls back the done ones when a later one fails. */
  private async offlineEach(
    vm: LoadedVm,
    kind: JobKind,
    snapshotId: string,
    targets: SnapshotTarget[],
    each: (t: SnapshotTarget) => Promise<void>,
    opts: { undo?: (t: SnapshotTarget) => Promise<void> } = {},
  ): Promise<string[]> {
    const jobId = `hangar-${kind.slice('snapshot-'.length)}-${snapshotId.slice(0, 8)}-img`;
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'running', percent: 0, snapshotId });
    const done: SnapshotTarget[] = [];
    for (const t of targets) {
      try {
        await each(t);
      } catch (err) {
        for (const d of done.reverse()) await opts.undo?.(d).catch(() => undefined);
        let message = (err as Error).message;
        if (/lock/i.test(message)) message += ` (is "${vm.name}" running in another program?)`;
        this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'failed', snapshotId, error: message });
        throw new EngineError('qemu-failed', `${t.device}: ${message}`);
      }
      done.push(t);
      this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'running', percent: Math.round((done.length / targets.length) * 100), snapshotId });
    }
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'concluded', percent: 100, snapshotId });
    return done.map((t) => t.device);
  }

  // ---- metadata ----

  private path(vm: LoadedVm): string {
    return join(vm.bundleDir, SNAPSHOTS_JSON);
  }

  private async read(vm: LoadedVm): Promise<SnapshotFile> {
    let text: string;
    try {
      text = await readFile(this.path(vm), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptySnapshotFile();
      throw err;
    }
    return parseSnapshotFile(text, this.path(vm));
  }

  private async write(vm: LoadedVm, file: SnapshotFile): Promise<void> {
    await this.persist(vm, file);
    this.host.emit(vm.id, { type: 'vm.snapshots', currentId: file.currentId });
  }

  /** snapshots.json, atomically (temp file, fsync, rename, fsync of the folder); no event. */
  private async persist(vm: LoadedVm, file: SnapshotFile): Promise<void> {
    await writeFileAtomic(this.path(vm), serializeSnapshotFile(file));
  }

  /** Targets without the refusals (deleting must work even on a VM whose disks changed to raw). */
  private targetsLenient(vm: LoadedVm): { targets: SnapshotTarget[] } {
    try {
      return snapshotTargets(vm.doc, vm.bundleDir);
    } catch {
      return { targets: vm.doc.disks.filter((d) => d.format === 'qcow2').map((d) => ({ device: d.id, path: d.path.startsWith('/') ? d.path : join(vm.bundleDir, d.path) })) };
    }
  }

  /** What each image holds now: QMP when the VM runs (the images are locked), qemu-img info -U otherwise. */
  private async imageSnapshots(vm: LoadedVm, opts: { cached?: boolean } = {}): Promise<Map<string, ImageSnapshot[]>> {
    const { targets } = this.targetsLenient(vm);
    const wanted = new Set(targets.map((t) => t.device));
    const out = new Map<string, ImageSnapshot[]>();
    const session = this.host.session(vm.id);
    if (session && isActive(this.host.stateOf(vm.id))) {
      const known = opts.cached ? this.liveImages.get(session) : undefined;
      if (known) return new Map([...known].filter(([d]) => wanted.has(d)));
      try {
        const nodes = await session.qmp.execute('query-named-block-nodes', { flat: true });
        for (const n of nodes) {
          const name = n['node-name'];
          if (name === undefined || !wanted.has(name)) continue;
          out.set(name, (n.image.snapshots ?? []).map((s) => ({ id: s.id, name: s.name, vmStateSize: s['vm-state-size'], dateSec: s['date-sec'] })));
        }
        this.liveImages.set(session, new Map(out));
        return out;
      } catch {
        // fall through to reading the files (info -U works on locked images)
      }
    }
    const lists = await Promise.all(
      targets.map(async (t) => {
        if (!(await exists(t.path))) return null;
        try {
          return await this.images.list(t.path);
        } catch (err) {
          this.host.log('warn', `cannot list the snapshots of ${t.path}: ${(err as Error).message}`);
          return null;
        }
      }),
    );
    // In target order (the first holds the RAM state), whichever finished first.
    targets.forEach((t, i) => lists[i] && out.set(t.device, lists[i]));
    return out;
  }

  /** Reads the metadata, reconciles it with the images, and persists adopted orphans. */
  private async reconciled(vm: LoadedVm, opts: { cached?: boolean } = {}): Promise<{ file: SnapshotFile; tree: SnapshotTree; images: Map<string, ImageSnapshot[]> }> {
    const [stored, images] = await Promise.all([this.read(vm), this.imageSnapshots(vm, opts)]);
    const r = reconcile(stored, images, this.newId);
    if (r.adopted > 0) await this.write(vm, r.file);
    return { file: r.file, tree: r.tree, images };
  }
}

const services = new WeakMap<object, SnapshotService>();

/** The engine's snapshot service (one per engine, so its per-VM queue is shared by commands and starts). */
export function snapshotServiceFor(engine: {
  store: { load(ref: string): Promise<LoadedVm> };
  sessions: ReadonlyMap<string, SnapshotSession>;
  stateOf(vmId: string): VmRunState;
  emit(vmId: string, body: VmEventBody): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}): SnapshotService {
  let s = services.get(engine);
  if (!s) {
    s = new SnapshotService({
      load: (ref) => engine.store.load(ref),
      session: (id) => engine.sessions.get(id),
      stateOf: (id) => engine.stateOf(id),
      emit: (id, body) => engine.emit(id, body),
      log: (level, message) => engine.log(level, message),
    });
    services.set(engine, s);
  }
  return s;
}
