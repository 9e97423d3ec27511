import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EngineError, type SnapshotNodeInfo, type SnapshotTree, type VmEventBody } from '../../../src-shared/contract/index.js';
import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { KeyedQueue } from '../storage/keyed-queue.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { createOfflineImages, type OfflineImages } from './offline-images.js';
import { addSnapshot, findSnapshot, reconcile, removeSnapshot, updateSnapshot, type SnapshotFile, type StoredSnapshot } from './snapshot-tree.js';
import { snapshotTargets } from './snapshot-targets.js';
import { hardwareChanges, hardwareMismatchMessage, hardwareOf, liveHardwareOf } from './snapshot-hardware.js';
import { removeSnapshotThumb, SnapshotThumbs } from './snapshot-thumbnail.js';
import { readSnapshotFile, writeSnapshotFile } from './snapshot-file.js';
import { ImageListCache, targetsLenient, type ImageLists } from './image-lists.js';
import { LiveSnapshots, LoadFailed, type SnapshotSession } from './live-snapshots.js';
import { offlineEach, presentTargets } from './offline-jobs.js';
import { jobEvents } from './job-events.js';
import type { SnapshotJobKind } from './snapshot-words.js';

export type { SnapshotSession } from './live-snapshots.js';
export { plainLoadError } from './snapshot-words.js';

/** The slice of the engine snapshots need (engine-services.ts makes it from the engine's context). */
export interface SnapshotHost {
  load(ref: string): Promise<LoadedVm>;
  session(vmId: string): SnapshotSession | undefined;
  stateOf(vmId: string): VmRunState;
  emit(vmId: string, body: VmEventBody): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** The guest agent, when there is one: a live disk-only snapshot freezes the guest's filesystems; a loaded RAM state sets the guest clock. */
  agent?: {
    freeze(vmId: string): Promise<(() => Promise<void>) | null>;
    clockJumped(vmId: string): void;
  };
  /** Why the running machine's memory cannot be saved now (devices whose state lives outside it), or null. */
  ramRefusal?(vmId: string, doc: VmDocument): string | null;
}

export interface SnapshotServiceOptions {
  images?: OfflineImages;
  newId?: () => string;
  now?: () => Date;
  /** Whole-job deadline for QMP snapshot jobs. */
  jobTimeoutMs?: number;
}

type NewNode = Omit<StoredSnapshot, 'parentId'>;

const thumbName = (id: string): string => `thumbs/snap-${id}.png`;

/** A new RAM snapshot's vmstate size until the images are read again (not 0, which means disk-only). */
const UNKNOWN_VMSTATE_SIZE = -1;

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
 * Snapshots of one engine's VMs: take, restore, delete, rename, and the tree in `snapshots.json`
 * (snapshot-file.ts), reconciled with the images (image-lists.ts). One operation per VM at a time (a queue per VM id).
 *
 * Running VM: the session's QMP jobs (live-snapshots.ts) over every writable qcow2 format node plus the UEFI vars
 * (`pflash1`); RAM goes to the first disk. Without RAM: one `transaction` of internal disk snapshots. Stopped VM:
 * `qemu-img snapshot -c/-a/-d` on each image (offline-jobs.ts). A with-RAM snapshot restored while stopped is loaded
 * on the next start while QEMU still waits at -S (`beforeBoot`). Screenshots: snapshot-thumbnail.ts.
 */
export class SnapshotService {
  private readonly queue = new KeyedQueue();
  private readonly images: OfflineImages;
  private readonly newId: () => string;
  private readonly now: () => Date;
  private readonly jobTimeoutMs: number;
  private readonly lists: ImageListCache;
  private readonly live: LiveSnapshots;
  private readonly thumbs = new SnapshotThumbs();

  constructor(
    private readonly host: SnapshotHost,
    options: SnapshotServiceOptions = {},
  ) {
    this.images = options.images ?? createOfflineImages();
    this.newId = options.newId ?? randomUUID;
    this.now = options.now ?? (() => new Date());
    this.jobTimeoutMs = options.jobTimeoutMs ?? 600_000;
    this.lists = new ImageListCache(host, this.images);
    this.live = new LiveSnapshots((id, body) => host.emit(id, body), this.jobTimeoutMs);
  }

  /** Resolves when the screenshots still being made after a take are written (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await this.thumbs.idle();
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
      // Live: the screenshot is taken right after the save, off the critical path.
      const thumbnail = session ? thumbName(id) : null;
      const node: NewNode = { id, tag, name, description: opts.description ?? '', createdAt: this.now().toISOString(), withRam: false, thumbnail, devices: [] };
      try {
        if (file.nodes.some((n) => n.name === name)) throw new EngineError('exists', `"${vm.name}" already has a snapshot named "${name}"`);
        if (session) {
          node.withRam = opts.withRam !== false;
          node.devices = targets.map((t) => t.device);
          if (node.withRam) node.hardware = await liveHardwareOf(vm.doc, session);
          const refusal = node.withRam ? (this.host.ramRefusal?.(vm.id, vm.doc) ?? null) : null;
          if (refusal !== null) throw new EngineError('invalid-state', refusal, { reason: 'devices' });
          // snapshots.json is written while QEMU saves (fsync'd, atomic); a failed save writes the old tree back.
          // An engine killed meanwhile leaves the node with the save QEMU finishes on its own (or a "missing" one).
          const next = addSnapshot(file, node);
          const save = node.withRam ? this.live.save(vm, session, id, tag, node.devices) : this.frozen(vm.id, () => this.live.saveDisks(vm, session, id, tag, node.devices));
          try {
            await alongside(save, writeSnapshotFile(vm.bundleDir, next));
          } catch (err) {
            this.lists.forget(session); // a failed save may have left the tag in some images
            await writeSnapshotFile(vm.bundleDir, file).catch((e: Error) => this.host.log('warn', `snapshots.json of "${vm.name}" not rolled back: ${e.message}`));
            throw err;
          }
          this.thumbs.capture(session, join(vm.bundleDir, thumbnail!), (err) => this.host.log('warn', `no screenshot for a snapshot of "${vm.name}": ${err.message}`));
          return this.taken(vm, next, images, node);
        }
        if (opts.withRam === true) throw new EngineError('invalid-state', `"${vm.name}" is not running, so there is no RAM to include; take a disk-only snapshot (no RAM)`);
        node.devices = await offlineEach(this.offlineJob(vm, 'snapshot-take', id), vm.name, await presentTargets(targets), (t) => this.images.create(t.path, tag), {
          undo: (t) => this.images.delete(t.path, tag),
        });
        const next = addSnapshot(file, node);
        await writeSnapshotFile(vm.bundleDir, next);
        return this.taken(vm, next, images, node);
      } catch (err) {
        if (thumbnail) await removeSnapshotThumb(join(vm.bundleDir, thumbnail));
        throw err;
      }
    });
  }

  /** The answer to a take: the tree from the images as read before, plus the new tag (no second image query). */
  private taken(vm: LoadedVm, next: SnapshotFile, before: ImageLists, node: NewNode): { snapshot: SnapshotNodeInfo; tree: SnapshotTree } {
    this.host.emit(vm.id, { type: 'vm.snapshots', currentId: next.currentId });
    const images = new Map(before);
    const dateSec = Math.floor(Date.parse(node.createdAt) / 1000);
    for (const [i, d] of node.devices.entries()) {
      const vmStateSize = node.withRam && i === 0 ? UNKNOWN_VMSTATE_SIZE : 0;
      if (images.has(d)) images.set(d, [...images.get(d)!, { id: '', name: node.tag, vmStateSize, dateSec }]);
    }
    this.lists.changed(this.host.session(vm.id), images);
    const tree = reconcile(next, images, this.newId).tree;
    return { snapshot: tree.snapshots.find((n) => n.id === node.id)!, tree };
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
      const running = this.host.session(vm.id);
      const changes = node.withRam ? hardwareChanges(node.hardware, running ? await liveHardwareOf(vm.doc, running) : hardwareOf(vm.doc)) : [];
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
        await offlineEach(this.offlineJob(vm, 'snapshot-restore', node.id), vm.name, devices.map((d) => byDevice.get(d)!), (t) => this.images.apply(t.path, node.tag));
        pending = node.withRam ? node.tag : null;
        await writeSnapshotFile(vm.bundleDir, { ...next, pendingRamRestore: pending });
      }
      const after = { ...next, pendingRamRestore: pending };
      this.host.emit(vm.id, { type: 'vm.snapshots', currentId: after.currentId });
      // A restore changes no image's snapshot list: the tree follows from what was just read.
      const t = reconcile(after, images, this.newId).tree;
      return { snapshot: t.snapshots.find((n) => n.id === node.id)!, tree: t, state: this.host.stateOf(vm.id), pendingRamRestore: pending !== null };
    });
  }

  /**
   * The session's restore, with snapshots.json (the new current snapshot) written meanwhile. A load QEMU refused
   * changed nothing (the old tree goes back); one it had begun left the snapshot's disks, so that one stays current.
   */
  private async liveLoad(vm: LoadedVm, session: SnapshotSession, node: StoredSnapshot, devices: string[], before: SnapshotFile, next: SnapshotFile): Promise<void> {
    try {
      await alongside(this.live.load(vm, session, node.id, node.tag, devices), writeSnapshotFile(vm.bundleDir, next));
      this.host.agent?.clockJumped(vm.id);
    } catch (err) {
      if (!(err instanceof LoadFailed)) throw err; // only the write failed: the load went through
      this.lists.forget(session);
      if (!err.disksChanged) await writeSnapshotFile(vm.bundleDir, before).catch(() => undefined);
      throw err.error;
    }
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
          await this.live.delete(vm, session, node.id, node.tag, holding);
        } else {
          const byDevice = new Map(targetsLenient(vm).targets.map((t) => [t.device, t]));
          const targets = holding.map((d) => byDevice.get(d)!).filter(Boolean);
          await offlineEach(this.offlineJob(vm, 'snapshot-delete', node.id), vm.name, targets, (t) => this.images.delete(t.path, node.tag));
        }
      }
      if (node.thumbnail) {
        const png = join(vm.bundleDir, node.thumbnail);
        await this.thumbs.settled(png);
        await removeSnapshotThumb(png);
      }
      const next = removeSnapshot(file, node.id);
      await this.write(vm, next);
      for (const d of holding) images.set(d, images.get(d)!.filter((x) => (x.name || x.id) !== node.tag));
      if (session) this.lists.changed(session, images);
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
    const node = findSnapshot(await readSnapshotFile(vm.bundleDir), snapshotRef);
    if (!node.thumbnail) throw new EngineError('not-found', `snapshot "${node.name}" has no screenshot (taken while the VM was stopped)`);
    const png = await this.thumbs.read(join(vm.bundleDir, node.thumbnail));
    if (png === null) throw new EngineError('not-found', `the screenshot of snapshot "${node.name}" is gone (${node.thumbnail})`);
    return png;
  }

  /**
   * Called by startVm while QEMU waits at -S: loads the RAM state of a snapshot restored while the VM was
   * stopped. A failure is reported (vm.job failed, engine log) and the VM cold-boots from its restored disks.
   */
  async beforeBoot(vm: LoadedVm, session: SnapshotSession): Promise<void> {
    await this.queue.run(vm.id, async () => {
      let file: SnapshotFile;
      try {
        file = await readSnapshotFile(vm.bundleDir);
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
      const job = jobEvents(this.host.emit.bind(this.host), vm.id, `hangar-load-${node.id.slice(0, 8)}-${Date.now().toString(36)}`, 'snapshot-restore', node.id);
      job.running(0);
      const warn = (message: string): void => this.host.log('warn', message);
      // Settings changed since the restore: QEMU would fail on the state; nothing is loaded, so the boot is clean.
      const changes = hardwareChanges(node.hardware, hardwareOf(vm.doc));
      if (changes.length > 0) {
        const message = `the memory state of snapshot "${node.name}" was not resumed, so "${vm.name}" starts from the snapshot's disks instead. ${hardwareMismatchMessage(node.name, changes)}`;
        job.failed(message);
        warn(message);
      } else {
        await this.live.loadAtStart(vm, session, job, node, tag, devices, warn);
        this.host.agent?.clockJumped(vm.id);
      }
      this.host.emit(vm.id, { type: 'vm.snapshots', currentId: file.currentId });
    });
  }

  /**
   * A disk-only snapshot of a running guest with its filesystems frozen by the agent (application-consistent);
   * the thaw runs whatever the snapshot did. No agent answering: crash-consistent, as without one.
   */
  private async frozen(vmId: string, run: () => Promise<void>): Promise<void> {
    const thaw = await this.host.agent?.freeze(vmId) ?? null;
    try {
      await run();
    } finally {
      if (thaw) await thaw().catch((err: Error) => this.host.log('error', `the guest's filesystems may still be frozen after a disk snapshot: ${err.message}`));
    }
  }

  /** The session, when the snapshot is live (running or paused); null when stopped; refused while between states. */
  private liveSession(vm: LoadedVm, action: string): SnapshotSession | null {
    const state = this.host.stateOf(vm.id);
    const session = this.host.session(vm.id);
    if (session && (state.kind === 'running' || state.kind === 'paused')) return session;
    if (isActive(state)) throw new EngineError('invalid-state', `cannot ${action} "${vm.name}" while it is ${state.kind}`);
    return null;
  }

  private offlineJob(vm: LoadedVm, kind: SnapshotJobKind, snapshotId: string) {
    return jobEvents(this.host.emit.bind(this.host), vm.id, `hangar-${kind.slice('snapshot-'.length)}-${snapshotId.slice(0, 8)}-img`, kind, snapshotId);
  }

  /** snapshots.json, then the event that tells clients the tree changed. */
  private async write(vm: LoadedVm, file: SnapshotFile): Promise<void> {
    await writeSnapshotFile(vm.bundleDir, file);
    this.host.emit(vm.id, { type: 'vm.snapshots', currentId: file.currentId });
  }

  /** Reads the metadata, reconciles it with the images, and persists adopted orphans. */
  private async reconciled(vm: LoadedVm, opts: { cached?: boolean } = {}): Promise<{ file: SnapshotFile; tree: SnapshotTree; images: ImageLists }> {
    const [stored, images] = await Promise.all([readSnapshotFile(vm.bundleDir), this.lists.read(vm, opts)]);
    const r = reconcile(stored, images, this.newId);
    if (r.adopted > 0) await this.write(vm, r.file);
    return { file: r.file, tree: r.tree, images };
  }
}
