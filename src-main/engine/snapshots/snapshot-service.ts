import { randomUUID } from 'node:crypto';
import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, type SnapshotNodeInfo, type SnapshotTree, type VmEventBody } from '../../../src-shared/contract/index.js';
import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { KeyedQueue } from '../storage/keyed-queue.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import type { QmpLink } from '../session/qmp-link.js';
import { runLinkJob, type SnapshotJobCommand } from './link-job.js';
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

/** The slice of a VmSession snapshots need. */
export interface SnapshotSession {
  readonly state: VmRunState;
  readonly qmp: QmpLink;
  setState(next: VmRunState): void;
}

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

function qemuMessage(err: unknown): string {
  const e = err as { qemuError?: unknown; desc?: unknown; message?: unknown };
  if (typeof e?.qemuError === 'string') return e.qemuError;
  if (typeof e?.desc === 'string') return e.desc;
  return typeof e?.message === 'string' ? e.message : String(err);
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

  constructor(
    private readonly host: SnapshotHost,
    options: SnapshotServiceOptions = {},
  ) {
    this.images = options.images ?? createOfflineImages();
    this.newId = options.newId ?? randomUUID;
    this.now = options.now ?? (() => new Date());
    this.jobTimeoutMs = options.jobTimeoutMs ?? 600_000;
  }

  async list(ref: string): Promise<SnapshotTree> {
    const vm = await this.host.load(ref);
    return this.queue.run(vm.id, async () => (await this.reconciled(vm)).tree);
  }

  async take(ref: string, opts: { name: string; description?: string; withRam?: boolean }): Promise<{ snapshot: SnapshotNodeInfo; tree: SnapshotTree }> {
    const vm = await this.host.load(ref);
    return this.queue.run(vm.id, async () => {
      const { targets } = snapshotTargets(vm.doc, vm.bundleDir);
      const { file } = await this.reconciled(vm);
      const name = opts.name.trim();
      if (file.nodes.some((n) => n.name === name)) throw new EngineError('exists', `"${vm.name}" already has a snapshot named "${name}"`);
      const id = this.newId();
      const tag = id;
      const session = this.liveSession(vm, 'take a snapshot of');
      let withRam = false;
      let devices: string[];
      let thumbnail: string | null = null;
      if (session) {
        withRam = opts.withRam !== false;
        devices = targets.map((t) => t.device);
        thumbnail = await this.screendump(vm, session, id);
        try {
          if (withRam) await this.liveSave(vm, session, tag, devices, id);
          else await this.liveDiskOnly(vm, session, tag, devices, id);
        } catch (err) {
          if (thumbnail) await rm(join(vm.bundleDir, thumbnail), { force: true });
          throw err;
        }
      } else {
        if (opts.withRam === true) throw new EngineError('invalid-state', `"${vm.name}" is not running, so there is no RAM to include; take a disk-only snapshot (no RAM)`);
        devices = await this.offlineEach(vm, 'snapshot-take', id, await this.presentTargets(targets), (t) => this.images.create(t.path, tag), {
          undo: (t) => this.images.delete(t.path, tag),
        });
      }
      const node: Omit<StoredSnapshot, 'parentId'> = {
        id,
        tag,
        name,
        description: opts.description ?? '',
        createdAt: this.now().toISOString(),
        withRam,
        thumbnail,
        devices,
      };
      const next = addSnapshot(file, node);
      await this.write(vm, next);
      const tree = (await this.reconciled(vm)).tree;
      return { snapshot: tree.snapshots.find((n) => n.id === id)!, tree };
    });
  }

  async restore(ref: string, snapshotRef: string): Promise<{ snapshot: SnapshotNodeInfo; tree: SnapshotTree; state: VmRunState; pendingRamRestore: boolean }> {
    const vm = await this.host.load(ref);
    return this.queue.run(vm.id, async () => {
      const { targets } = snapshotTargets(vm.doc, vm.bundleDir);
      const { file, tree, images } = await this.reconciled(vm);
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
      const session = this.liveSession(vm, 'restore a snapshot of');
      let pending: string | null = null;
      if (session) {
        if (!node.withRam) {
          throw new EngineError('invalid-state', `"${node.name}" is a disk-only snapshot: shut "${vm.name}" down to restore it (its disks go back; it then starts from them)`);
        }
        await this.liveLoad(vm, session, node, devices);
      } else {
        const byDevice = new Map(targets.map((t) => [t.device, t]));
        await this.offlineEach(vm, 'snapshot-restore', node.id, devices.map((d) => byDevice.get(d)!), (t) => this.images.apply(t.path, node.tag));
        pending = node.withRam ? node.tag : null;
      }
      const next: SnapshotFile = { ...file, currentId: node.id, pendingRamRestore: pending };
      await this.write(vm, next);
      // A restore changes no image's snapshot list: the tree follows from what was just read.
      const after = reconcile(next, images, this.newId).tree;
      return { snapshot: after.snapshots.find((n) => n.id === node.id)!, tree: after, state: this.host.stateOf(vm.id), pendingRamRestore: pending !== null };
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
          await this.liveJob(vm, session, 'snapshot-delete', 'snapshot-delete', node.id, { tag: node.tag, devices: holding });
        } else {
          const { targets } = this.targetsLenient(vm);
          const byDevice = new Map(targets.map((t) => [t.device, t]));
          await this.offlineEach(vm, 'snapshot-delete', node.id, holding.map((d) => byDevice.get(d)!).filter(Boolean), (t) => this.images.delete(t.path, node.tag));
        }
      }
      if (node.thumbnail) await rm(join(vm.bundleDir, node.thumbnail), { force: true });
      const next = removeSnapshot(file, node.id);
      await this.write(vm, next);
      for (const d of holding) images.set(d, images.get(d)!.filter((x) => (x.name || x.id) !== node.tag));
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
    return readFile(join(vm.bundleDir, node.thumbnail)).catch(() => {
      throw new EngineError('not-found', `the screenshot of snapshot "${node.name}" is gone (${node.thumbnail})`);
    });
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
      try {
        await runLinkJob(session.qmp, 'snapshot-load', { 'job-id': jobId, tag, vmstate: devices[0]!, devices }, { timeoutMs: this.jobTimeoutMs });
        this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-restore', status: 'concluded', percent: 100, snapshotId: node.id });
      } catch (err) {
        const message = `could not resume the RAM state of snapshot "${node.name}" (${qemuMessage(err)}); "${vm.name}" starts from its restored disks instead`;
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

  private async screendump(vm: LoadedVm, session: SnapshotSession, id: string): Promise<string | null> {
    const rel = thumbName(id);
    try {
      await mkdir(join(vm.bundleDir, 'thumbs'), { recursive: true });
      await session.qmp.execute('screendump', { filename: join(vm.bundleDir, rel), format: 'png' });
      return rel;
    } catch (err) {
      this.host.log('warn', `no screenshot for the snapshot of "${vm.name}": ${(err as Error).message}`);
      return null;
    }
  }

  private async liveSave(vm: LoadedVm, session: SnapshotSession, tag: string, devices: string[], id: string): Promise<void> {
    session.setState({ kind: 'saving' });
    try {
      await this.liveJob(vm, session, 'snapshot-save', 'snapshot-take', id, { tag, vmstate: devices[0]!, devices });
    } finally {
      await this.syncState(session);
    }
  }

  /** Disks only, while running: one atomic transaction (the guest keeps running: crash-consistent). */
  private async liveDiskOnly(vm: LoadedVm, session: SnapshotSession, tag: string, devices: string[], id: string): Promise<void> {
    const jobId = `hangar-take-${id.slice(0, 8)}`;
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-take', status: 'running', percent: 0, snapshotId: id });
    try {
      await session.qmp.execute('transaction', { actions: devices.map((device) => ({ type: 'blockdev-snapshot-internal-sync', data: { device, name: tag } })) });
    } catch (err) {
      const message = `QEMU could not take a disk snapshot of "${vm.name}": ${qemuMessage(err)}`;
      this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-take', status: 'failed', snapshotId: id, error: message });
      throw new EngineError('qemu-failed', message);
    }
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind: 'snapshot-take', status: 'concluded', percent: 100, snapshotId: id });
  }

  private async liveLoad(vm: LoadedVm, session: SnapshotSession, node: StoredSnapshot, devices: string[]): Promise<void> {
    session.setState({ kind: 'restoring' });
    try {
      await this.liveJob(vm, session, 'snapshot-load', 'snapshot-restore', node.id, { tag: node.tag, vmstate: devices[0]!, devices });
    } catch (err) {
      const state = await this.syncState(session);
      const where =
        state === 'paused'
          ? ` "${vm.name}" is paused: QEMU stops the VM before loading and leaves it stopped when the load fails, so its memory may be partly restored; restore another snapshot, or resume it if the error came before anything was loaded.`
          : state === 'running'
            ? ` "${vm.name}" is still running as it was.`
            : '';
      throw new EngineError('qemu-failed', `${(err as EngineError).message}.${where}`, { state });
    }
    await this.syncState(session);
  }

  /** Runs one QMP snapshot job with vm.job events; a failure becomes an EngineError carrying QEMU's words. */
  private async liveJob(
    vm: LoadedVm,
    session: SnapshotSession,
    command: SnapshotJobCommand,
    kind: JobKind,
    snapshotId: string,
    args: { tag: string; vmstate?: string; devices: string[] },
  ): Promise<void> {
    const jobId = `hangar-${kind.slice('snapshot-'.length)}-${snapshotId.slice(0, 8)}-${Date.now().toString(36)}`;
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'running', percent: 0, snapshotId });
    try {
      await runLinkJob(session.qmp, command, { 'job-id': jobId, ...args }, { timeoutMs: this.jobTimeoutMs });
    } catch (err) {
      const verb = kind === 'snapshot-take' ? 'take the snapshot of' : kind === 'snapshot-restore' ? 'restore the snapshot of' : 'delete the snapshot of';
      const message = `QEMU could not ${verb} "${vm.name}": ${qemuMessage(err)}`;
      this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'failed', snapshotId, error: message });
      throw new EngineError((err as Error).name === 'QmpTimeoutError' ? 'timeout' : 'qemu-failed', message);
    }
    this.host.emit(vm.id, { type: 'vm.job', jobId, kind, status: 'concluded', percent: 100, snapshotId });
  }

  /** Sets the run state from QEMU's own (query-status): running, or paused for every stopped status. */
  private async syncState(session: SnapshotSession): Promise<'running' | 'paused' | null> {
    let running: boolean;
    try {
      running = (await session.qmp.execute<{ running: boolean }>('query-status')).running;
    } catch {
      return null; // QEMU went away: the session reports that itself
    }
    const next = running ? 'running' : 'paused';
    const kind = session.state.kind;
    if (kind === 'saving' || kind === 'restoring' || ((kind === 'running' || kind === 'paused') && kind !== next)) session.setState({ kind: next });
    return next;
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
    await writeFileAtomic(this.path(vm), serializeSnapshotFile(file));
    this.host.emit(vm.id, { type: 'vm.snapshots', currentId: file.currentId });
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
  private async imageSnapshots(vm: LoadedVm): Promise<Map<string, ImageSnapshot[]>> {
    const { targets } = this.targetsLenient(vm);
    const wanted = new Set(targets.map((t) => t.device));
    const out = new Map<string, ImageSnapshot[]>();
    const session = this.host.session(vm.id);
    if (session && isActive(this.host.stateOf(vm.id))) {
      try {
        const nodes = await session.qmp.execute<Array<{ 'node-name'?: string; image: { snapshots?: Array<{ id: string; name: string; 'vm-state-size': number; 'date-sec': number }> } }>>(
          'query-named-block-nodes',
          { flat: true },
        );
        for (const n of nodes) {
          const name = n['node-name'];
          if (name === undefined || !wanted.has(name)) continue;
          out.set(name, (n.image.snapshots ?? []).map((s) => ({ id: s.id, name: s.name, vmStateSize: s['vm-state-size'], dateSec: s['date-sec'] })));
        }
        return out;
      } catch {
        // fall through to reading the files (info -U works on locked images)
      }
    }
    await Promise.all(
      targets.map(async (t) => {
        if (!(await exists(t.path))) return;
        try {
          out.set(t.device, await this.images.list(t.path));
        } catch (err) {
          this.host.log('warn', `cannot list the snapshots of ${t.path}: ${(err as Error).message}`);
        }
      }),
    );
    return out;
  }

  /** Reads the metadata, reconciles it with the images, and persists adopted orphans. */
  private async reconciled(vm: LoadedVm): Promise<{ file: SnapshotFile; tree: SnapshotTree; images: Map<string, ImageSnapshot[]> }> {
    const stored = await this.read(vm);
    const images = await this.imageSnapshots(vm);
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
