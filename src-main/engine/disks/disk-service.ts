import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { EngineError, type CommandArgs, type CommandResult, type DiskImageInfo, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { DiskFormat, VmDisk, VmDocument, VmPatch } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { createQemuImg, type ImageInfo, type QemuImg } from '../storage/qemu-img.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { KeyedQueue } from '../storage/keyed-queue.js';
import { refuseSystemFile } from '../storage/path-guard.js';
import { inspectImageChain, isUnreadable, USER_CHOSEN } from '../storage/image-chain.js';
import {
  checkGrow,
  findDisk,
  giBToBytes,
  isDiskFormat,
  isInside,
  nextDiskId,
  refuseFormat,
  refuseReadOnly,
  refuseWhileActive,
  resolveDiskPath,
} from './disk-rules.js';
import { JobRegistry } from '../jobs/job-registry.js';
import { runWithJobEvents, type JobEmit } from '../jobs/job-events.js';

/** The slice of the engine disk changes need (the Engine satisfies it). */
export interface DiskHost {
  readonly store: {
    load(ref: string): Promise<LoadedVm>;
    update(id: string, patch: VmPatch | ((doc: VmDocument) => VmPatch)): Promise<VmDocument>;
  };
  stateOf(vmId: string): VmRunState;
  emit(vmId: string, body: VmEventBody): void;
}

type JobKind = 'disk-convert' | 'disk-compact';

/** An added image's whole chain checked (storage/image-chain.ts), refusals pointing at the `path` field. */
async function userChain(path: string, format: DiskFormat | null): Promise<void> {
  await inspectImageChain(path, format, USER_CHOSEN).catch((err: unknown) => {
    // Before qemu-img looked (no format yet), a header that is no image at all is left to qemu-img's own words.
    if (format === null && isUnreadable(err)) return;
    if (err instanceof EngineError) throw new EngineError(err.code, err.message, { ...err.details, field: 'path' });
    throw err;
  });
}

function imageSummary(i: ImageInfo): DiskImageInfo {
  return { filename: i.filename, format: i.format, virtualSize: i['virtual-size'], actualSize: typeof i['actual-size'] === 'number' ? i['actual-size'] : null };
}

/** Disk operations on a VM's document and images (issue 9): add, remove, grow, convert, compact, info. */
export class DiskService {
  /** One disk change at a time per VM (a conversion holds its VM until it ends; the engine's machine lock refuses a start meanwhile). */
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly host: DiskHost,
    /** The engine's job registry (jobs/), shared with clones, archives and snapshots. */
    private readonly jobs: JobRegistry = new JobRegistry(),
    private readonly img: QemuImg = createQemuImg(),
  ) {}

  /** Loads a VM that must be stopped, inside the VM's queue. */
  private stopped<T>(ref: string, task: (vm: LoadedVm) => Promise<T>): Promise<T> {
    return this.host.store.load(ref).then((first) =>
      this.queue.run(first.id, async () => {
        const vm = await this.host.store.load(first.id);
        refuseWhileActive(vm.name, this.host.stateOf(vm.id));
        return task(vm);
      }),
    );
  }

  async add(a: CommandArgs<'disk.add'>): Promise<CommandResult<'disk.add'>> {
    if ((a.sizeGiB === undefined) === (a.path === undefined)) {
      throw new EngineError('invalid-args', 'give either sizeGiB (a new disk) or path (an existing image), not both and not neither', { field: 'sizeGiB' });
    }
    return this.stopped(a.vm, async (vm) => {
      const bus = a.bus ?? vm.doc.disks[0]?.bus ?? 'virtio';
      let disk: VmDisk;
      let created: string | null = null;
      if (a.sizeGiB !== undefined) {
        if (a.format !== undefined && a.format !== 'qcow2') throw new EngineError('invalid-args', 'new disks are qcow2; give format only with an existing image', { field: 'format' });
        const id = nextDiskId(vm.doc, (x) => existsSync(join(vm.bundleDir, 'disks', `${x}.qcow2`)));
        created = join(vm.bundleDir, 'disks', `${id}.qcow2`);
        // qemu-img can leave a partial image behind (a full disk): never keep a file the document does not name.
        await this.img.create(created, 'qcow2', giBToBytes(a.sizeGiB)).catch(async (err: unknown) => {
          await rm(created!, { force: true });
          throw err;
        });
        disk = { id, path: `disks/${id}.qcow2`, format: 'qcow2', bus, readOnly: false, discard: true };
      } else {
        const path = resolve(a.path!);
        await refuseSystemFile(path, 'disk image');
        let s;
        try {
          s = await stat(path);
        } catch {
          throw new EngineError('not-found', `disk image not found: ${path}`, { field: 'path', path });
        }
        if (!s.isFile()) throw new EngineError('invalid-args', `the disk image is not a file: ${path}`, { field: 'path', path });
        if (vm.doc.disks.some((d) => resolve(resolveDiskPath(vm.bundleDir, d.path)) === path)) {
          throw new EngineError('exists', `${path} is already a disk of "${vm.name}"`, { field: 'path' });
        }
        // The chain before qemu-img opens the image (its data file or VMDK extents), and again with the format found.
        await userChain(path, a.format ?? null);
        const info = await this.img.info(path, a.format ? { format: a.format } : {});
        if (!isDiskFormat(info.format)) refuseFormat(path, info.format);
        await userChain(path, info.format);
        const id = nextDiskId(vm.doc);
        disk = { id, path, format: info.format, bus, readOnly: false, discard: true };
      }
      try {
        const doc = await this.host.store.update(vm.id, (d) => ({ disks: [...d.disks, disk] }));
        this.host.emit(vm.id, { type: 'vm.changed' });
        return { disk, doc };
      } catch (err) {
        if (created) await rm(created, { force: true });
        throw err;
      }
    });
  }

  async remove(a: CommandArgs<'disk.remove'>): Promise<CommandResult<'disk.remove'>> {
    return this.stopped(a.vm, async (vm) => {
      const disk = findDisk(vm.doc, a.disk);
      const file = resolveDiskPath(vm.bundleDir, disk.path);
      if (a.deleteFile && !isInside(vm.bundleDir, file)) {
        throw new EngineError('invalid-args', `disk ${disk.id}'s image ${file} lies outside the machine's folder; Hangar only deletes images it keeps in the bundle (remove the disk without deleting, then delete the file yourself)`, { field: 'deleteFile' });
      }
      const doc = await this.host.store.update(vm.id, (d) => ({ disks: d.disks.filter((x) => x.id !== disk.id), bootOrder: d.bootOrder.filter((x) => x !== disk.id) }));
      if (a.deleteFile) await rm(file, { force: true });
      this.host.emit(vm.id, { type: 'vm.changed' });
      return { doc, deletedFile: a.deleteFile ? file : null };
    });
  }

  async resize(a: CommandArgs<'disk.resize'>): Promise<CommandResult<'disk.resize'>> {
    return this.stopped(a.vm, async (vm) => {
      const disk = findDisk(vm.doc, a.disk);
      refuseReadOnly(vm.doc, disk, 'resize');
      const file = resolveDiskPath(vm.bundleDir, disk.path);
      const info = await this.img.info(file, { format: disk.format, forceShare: false });
      const bytes = giBToBytes(a.sizeGiB);
      checkGrow(disk.id, info['virtual-size'], bytes);
      if (bytes > info['virtual-size']) await this.img.resize(file, bytes, { format: disk.format });
      this.host.emit(vm.id, { type: 'vm.changed' });
      return { disk: disk.id, virtualSize: Math.max(bytes, info['virtual-size']) };
    });
  }

  async info(a: CommandArgs<'disk.info'>): Promise<CommandResult<'disk.info'>> {
    const vm = await this.host.store.load(a.vm);
    const disk = findDisk(vm.doc, a.disk);
    const file = resolveDiskPath(vm.bundleDir, disk.path);
    if (!existsSync(file)) throw new EngineError('not-found', `the image of disk ${disk.id} is missing: ${file}`, { path: file });
    // qemu-img follows every name in the headers: no protocol, json:, device or split-VMDK name may reach it.
    await inspectImageChain(file, disk.format, USER_CHOSEN);
    const chain = (await this.img.backingChain(file)).map(imageSummary);
    return { disk: disk.id, ...chain[0]!, backingChain: chain };
  }

  /** Runs a qemu-img job with `vm.job` events; a cancel rejects with an `invalid-state` error saying so. */
  private async job<T>(vmId: string, kind: JobKind, diskId: string, requested: string | undefined, work: (jobId: string, signal: AbortSignal, progress: (p: { percent: number }) => void) => Promise<T>): Promise<T> {
    const { jobId, signal, done } = this.jobs.start(requested, vmId);
    const emit: JobEmit = (body) => this.host.emit(vmId, { type: 'vm.job', jobId, kind, disk: diskId, ...body });
    const cancelled = () =>
      new EngineError('invalid-state', `${kind === 'disk-convert' ? 'conversion' : 'compaction'} of ${diskId} was cancelled; the disk is unchanged`, { cancelled: true, jobId });
    return runWithJobEvents({ jobId, signal, done }, emit, cancelled, work);
  }

  async convert(a: CommandArgs<'disk.convert'>): Promise<CommandResult<'disk.convert'>> {
    return this.stopped(a.vm, async (vm) => {
      const disk = findDisk(vm.doc, a.disk);
      refuseReadOnly(vm.doc, disk, 'convert');
      if (disk.format === 'qcow2') throw new EngineError('invalid-state', `disk ${disk.id} of "${vm.name}" is already qcow2`, { field: 'disk' });
      const oldFile = resolveDiskPath(vm.bundleDir, disk.path);
      // qemu-img convert reads every file the chain names into the new image: none may be a host file it should not.
      await inspectImageChain(oldFile, disk.format, USER_CHOSEN);
      if (a.deleteOld && !isInside(vm.bundleDir, oldFile)) {
        throw new EngineError('invalid-args', `disk ${disk.id}'s image ${oldFile} lies outside the machine's folder; Hangar only deletes images it keeps in the bundle (convert without deleting the old file)`, { field: 'deleteOld' });
      }
      const disksDir = join(vm.bundleDir, 'disks');
      let name = `${disk.id}.qcow2`;
      for (let n = 1; existsSync(join(disksDir, name)); n++) name = `${disk.id}-${n}.qcow2`;
      const target = join(disksDir, name);
      const temp = join(disksDir, `.${name}.converting-${randomBytes(4).toString('hex')}`);
      return this.job(vm.id, 'disk-convert', disk.id, a.jobId, async (jobId, signal, onProgress) => {
        try {
          await this.img.convert(oldFile, temp, 'qcow2', { sourceFormat: disk.format, onProgress, signal });
          signal.throwIfAborted();
          await rename(temp, target);
        } catch (err) {
          await rm(temp, { force: true });
          throw err;
        }
        const updated: VmDisk = { ...disk, path: relative(vm.bundleDir, target), format: 'qcow2' };
        let doc: VmDocument;
        try {
          doc = await this.host.store.update(vm.id, (d) => ({ disks: d.disks.map((x) => (x.id === disk.id ? updated : x)) }));
        } catch (err) {
          await rm(target, { force: true });
          throw err;
        }
        if (a.deleteOld) await rm(oldFile, { force: true });
        this.host.emit(vm.id, { type: 'vm.changed' });
        return { jobId, disk: updated, doc, oldPath: oldFile, oldDeleted: a.deleteOld === true };
      });
    });
  }

  async compact(a: CommandArgs<'disk.compact'>): Promise<CommandResult<'disk.compact'>> {
    return this.stopped(a.vm, async (vm) => {
      const disk = findDisk(vm.doc, a.disk);
      refuseReadOnly(vm.doc, disk, 'compact');
      if (disk.format !== 'qcow2') throw new EngineError('invalid-state', `disk ${disk.id} is ${disk.format}; compacting works on qcow2 disks (convert it first)`, { field: 'disk' });
      const file = resolveDiskPath(vm.bundleDir, disk.path);
      await inspectImageChain(file, 'qcow2', USER_CHOSEN);
      const info = await this.img.info(file, { format: 'qcow2', forceShare: false });
      if (info['backing-filename']) throw new EngineError('invalid-state', `disk ${disk.id} is an overlay on ${info['backing-filename']}; compacting would merge its backing file into it`, { field: 'disk' });
      const snaps = info.snapshots?.length ?? 0;
      if (snaps > 0) throw new EngineError('invalid-state', `disk ${disk.id} holds ${snaps} internal snapshot(s); compacting would drop them (delete the snapshots first)`, { field: 'disk' });
      const before = (await stat(file)).blocks * 512;
      const temp = join(dirname(file), `.${basename(file)}.compact-${randomBytes(4).toString('hex')}`);
      return this.job(vm.id, 'disk-compact', disk.id, a.jobId, async (jobId, signal, onProgress) => {
        try {
          await this.img.convert(file, temp, 'qcow2', { sourceFormat: 'qcow2', onProgress, signal });
          signal.throwIfAborted();
          await rename(temp, file);
        } catch (err) {
          await rm(temp, { force: true });
          throw err;
        }
        const after = (await stat(file)).blocks * 512;
        return { jobId, disk: disk.id, actualSizeBefore: before, actualSizeAfter: after };
      });
    });
  }
}
