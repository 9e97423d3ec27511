import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { EngineError, type CommandArgs, type CommandResult, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { DiskFormat, VmDisk, VmDocument, VmPatch } from '../../../src-shared/vm-document/index.js';
import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';
import type { JobRegistry } from '../jobs/job-registry.js';
import { isInside, resolveDiskPath } from '../disks/disk-rules.js';
import type { LibraryEntry, LoadedVm } from '../storage/bundle-store.js';
import { createQemuImg, type ImageInfo, type QemuImg } from '../storage/qemu-img.js';
import { runCopyJob, stagingPath, weightedProgress } from './copy-job.js';
import { FORMAT_EXTENSION } from './source-image.js';
import { randomMac } from '../../../src-shared/vm-document/mac.js';
import { addLinkedBase } from '../storage/linked-bases.js';
import { CLOUD_SEED } from '../cloud-init/cloud-plan.js';
import { reseedWithInstanceId } from '../cloud-init/clone-seed.js';

/** The slice of the engine a clone needs (the Engine satisfies it). */
export interface CloneHost {
  readonly libraryDir: string;
  readonly store: {
    load(ref: string): Promise<LoadedVm>;
    list(): Promise<LibraryEntry[]>;
    assertNameFree(name: string): Promise<void>;
    create(doc: VmDocument): Promise<LoadedVm>;
    update(id: string, patch: VmPatch | ((doc: VmDocument) => VmPatch)): Promise<VmDocument>;
    delete(id: string, o: { files: boolean }): Promise<void>;
  };
  stateOf(vmId: string): VmRunState;
  emit(vmId: string, body: VmEventBody): void;
}

interface Plan {
  disk: VmDisk;
  file: string;
  info: ImageInfo;
}

/**
 * `vm.clone`: a new VM (new id, name, MAC address, bundle) with the source's settings. A full clone copies
 * every disk with qemu-img (raw stays raw, everything else becomes qcow2; backing chains are merged). A
 * linked clone freezes each writable disk of the source as a shared read-only base: the clone and the
 * source each get a qcow2 overlay onto it (absolute backing path, backing format explicit), so both can
 * run at once. Snapshots, port forwards and tags are not copied. The source must be stopped.
 */
export async function cloneVm(host: CloneHost, jobs: JobRegistry, a: CommandArgs<'vm.clone'>, img: QemuImg = createQemuImg()): Promise<CommandResult<'vm.clone'>> {
  const src = await host.store.load(a.vm);
  const state = host.stateOf(src.id);
  if (isActive(state)) throw new EngineError('invalid-state', `cannot clone "${src.name}" while it is ${state.kind}; shut it down first (its disks must not change during the copy)`);
  // Before the copy, which can take minutes: store.create would refuse the name only at its end.
  await host.store.assertNameFree(a.name);
  // A second clone of the same source, or a start meanwhile, is refused by the engine's machine lock (machine-ops/).
  const linked = a.linked === true;
  const plans: Plan[] = [];
  for (const disk of src.doc.disks) {
    const file = resolveDiskPath(src.bundleDir, disk.path);
    if (!existsSync(file)) throw new EngineError('not-found', `the image of disk ${disk.id} of "${src.name}" is missing: ${file}`, { path: file });
    const info = await img.info(file, { format: disk.format });
    const snaps = info.snapshots?.length ?? 0;
    if (linked && !disk.readOnly && snaps > 0) {
      throw new EngineError('invalid-state', `disk ${disk.id} of "${src.name}" holds ${snaps} snapshot(s); a linked clone would freeze them into the shared base image, where "${src.name}" could no longer restore them. Delete its snapshots first, or make a full clone`, { field: 'linked' });
    }
    // The start lets a bundle's overlay read only the library's bundles and the bases recorded here (storage/image-chain.ts).
    if (linked && !disk.readOnly && !isInside(src.bundleDir, file)) await addLinkedBase(host.libraryDir, file);
    plans.push({ disk, file, info });
  }
  const entries = await host.store.list();
  const macs = new Set(entries.flatMap((e) => (e.status === 'ok' && e.doc.network.mode !== 'none' ? [e.doc.network.mac] : [])));
  const id = randomUUID();
  const now = new Date().toISOString();
  const network: VmDocument['network'] =
    src.doc.network.mode === 'none' ? src.doc.network : src.doc.network.mode === 'user' ? { ...src.doc.network, mac: randomMac(macs), forwards: [] } : { ...src.doc.network, mac: randomMac(macs) };

  const staging = await stagingPath(host.libraryDir, 'clone', '');
  const sourceOverlays = new Map<string, string>();
  let created: LoadedVm | null = null;
  let sourceUpdated = false;
  const r = await runCopyJob(
    host,
    jobs,
    {
      vmId: src.id,
      kind: 'vm-clone',
      requested: a.jobId,
      what: `cloning "${src.name}"`,
      cleanup: async () => {
        await rm(staging, { recursive: true, force: true });
        if (created) await host.store.delete(created.id, { files: true });
        // With no clone reading them, the source goes back to writing its disks directly.
        if (sourceUpdated) {
          const original = new Map(src.doc.disks.map((d) => [d.id, d]));
          await host.store.update(src.id, (d) => ({ disks: d.disks.map((x) => (sourceOverlays.has(x.id) ? (original.get(x.id) ?? x) : x)) }));
        }
        for (const f of sourceOverlays.values()) await rm(f, { force: true });
      },
    },
    async (signal, onProgress) => {
      await mkdir(staging);
      const disks: VmDisk[] = [];
      const staged: string[] = [];
      const step = weightedProgress(plans.map((p) => (linked ? 1 : (p.info['actual-size'] ?? p.info['virtual-size']))), onProgress);
      for (const [i, { disk, file, info }] of plans.entries()) {
        signal.throwIfAborted();
        if (linked && disk.readOnly) {
          // Nothing writes it: the clone reads the same file.
          disks.push({ ...disk, path: file });
          continue;
        }
        const format: DiskFormat = !linked && disk.format === 'raw' ? 'raw' : 'qcow2';
        const name = `${disk.id}.${FORMAT_EXTENSION[format]}`;
        if (linked) {
          const backing = { path: file, format: disk.format };
          await img.create(join(staging, name), 'qcow2', info['virtual-size'], { backing });
          let own = `${disk.id}-1.qcow2`;
          for (let n = 2; existsSync(join(src.bundleDir, 'disks', own)); n++) own = `${disk.id}-${n}.qcow2`;
          const ownPath = join(src.bundleDir, 'disks', own);
          sourceOverlays.set(disk.id, ownPath);
          // Within its own folder the source names its base relatively, so renaming or moving the bundle keeps it working.
          const ownBacking = dirname(file) === dirname(ownPath) ? { path: basename(file), format: disk.format } : backing;
          await img.create(ownPath, 'qcow2', info['virtual-size'], { backing: ownBacking });
        } else {
          await img.convert(file, join(staging, name), format, { sourceFormat: disk.format, signal, onProgress: step(i) });
        }
        staged.push(name);
        disks.push({ ...disk, path: `disks/${name}`, format });
        step(i)({ percent: 100 });
      }
      // UEFI variables (boot entries) go along; converting drops the snapshots kept in them.
      const nvram = join(src.bundleDir, 'nvram', 'efivars.qcow2');
      const withNvram = existsSync(nvram);
      if (withNvram) await img.convert(nvram, join(staging, 'efivars.qcow2'), 'qcow2', { sourceFormat: 'qcow2', signal });
      signal.throwIfAborted();
      // Media inside the bundle (a cloud machine's cidata seed, an unattended install's answers) go along
      // at the same relative path; a relative path leading out of the bundle is made absolute.
      const media = new Set<string>();
      const cdroms: VmDocument['cdroms'] = [];
      for (const c of src.doc.cdroms) {
        const file = c.path === null || isAbsolute(c.path) ? null : resolveDiskPath(src.bundleDir, c.path);
        if (c.path === null || file === null || !existsSync(file) || media.has(c.path)) {
          cdroms.push(c);
        } else if (!isInside(src.bundleDir, file) || !(await lstat(file)).isFile()) {
          // Read where the source reads it (a link is not followed into a copy).
          cdroms.push({ ...c, path: file });
        } else {
          const to = join(staging, 'media', c.path);
          await mkdir(dirname(to), { recursive: true });
          // The clone is a new cloud-init instance (its own SSH host keys), not a second copy of the source.
          const seed = c.path === CLOUD_SEED ? await reseedWithInstanceId(file, id) : null;
          if (seed) await writeFile(to, seed);
          else await copyFile(file, to);
          media.add(c.path);
          cdroms.push(c);
        }
      }
      signal.throwIfAborted();

      // The source moves onto its own overlays before the clone exists. In the other order an engine killed
      // in between would leave a clone reading, as its base, a disk the source still writes.
      let source = src.doc;
      if (linked && sourceOverlays.size > 0) {
        source = await host.store.update(src.id, (d) => ({
          disks: d.disks.map((x) => {
            const own = sourceOverlays.get(x.id);
            return own ? { ...x, path: relative(src.bundleDir, own), format: 'qcow2' as const } : x;
          }),
        }));
        sourceUpdated = true;
      }
      const doc: VmDocument = { ...src.doc, id, name: a.name.trim(), disks, cdroms, network, createdAt: now, updatedAt: now };
      created = await host.store.create(doc);
      for (const name of staged) await rename(join(staging, name), join(created.bundleDir, 'disks', name));
      for (const rel of media) {
        await mkdir(dirname(join(created.bundleDir, rel)), { recursive: true });
        await rename(join(staging, 'media', rel), join(created.bundleDir, rel));
      }
      if (withNvram) await rename(join(staging, 'efivars.qcow2'), join(created.bundleDir, 'nvram', 'efivars.qcow2'));
      await rm(staging, { recursive: true, force: true });
      return { vm: created, source };
    },
  );
  host.emit(r.vm.id, { type: 'vm.added', name: r.vm.name });
  if (linked && sourceOverlays.size > 0) host.emit(src.id, { type: 'vm.changed' });
  return { id: r.vm.id, doc: r.vm.doc, bundleDir: r.vm.bundleDir, jobId: r.jobId, linked, snapshotsCopied: false, source: r.source };
}
