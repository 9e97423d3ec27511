import { rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EngineError, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { DiskFormat } from '../../../src-shared/vm-document/index.js';
import type { JobRegistry } from '../jobs/job-registry.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { createQemuImg, type QemuImg } from '../storage/qemu-img.js';
import { runCopyJob, stagingPath } from './copy-job.js';
import { copyImageFile, externalParts, FORMAT_EXTENSION, type SourceImage } from './source-image.js';

export const EXISTING_DISK_MODES = ['use', 'copy', 'convert'] as const;
export type ExistingDiskMode = (typeof EXISTING_DISK_MODES)[number];

export interface ImportHost {
  readonly libraryDir: string;
  readonly store: { delete(id: string, o: { files: boolean }): Promise<void> };
  emit(vmId: string, body: VmEventBody): void;
}

/**
 * The disk entry the new VM's document gets for an existing image (what `vm.previewArgv` shows too): the image
 * itself for `use`, `disks/disk0.<ext>` in the bundle for `copy`/`convert`. Refuses to copy an image that needs other files.
 */
export function importedDisk(src: SourceImage, mode: ExistingDiskMode): { path: string; format: DiskFormat } {
  if (mode === 'use') return { path: src.path, format: src.format };
  if (mode === 'copy') {
    const parts = externalParts(src);
    if (parts.length > 0) {
      throw new EngineError('invalid-args', `${src.path} needs other files (${parts.join(', ')}); a copy of it alone would not work: use it in place, or convert it (which merges them into one qcow2)`, { field: 'existingDiskMode' });
    }
  }
  const format: DiskFormat = mode === 'convert' ? 'qcow2' : src.format;
  return { path: `disks/disk0.${FORMAT_EXTENSION[format]}`, format };
}

/** A rename, or a sparse copy when the bundle was created in a folder on another file system than the library's staging file. */
async function moveInto(staging: string, target: string, signal: AbortSignal): Promise<void> {
  try {
    await rename(staging, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyImageFile(staging, target, { signal });
    await rm(staging, { force: true });
  }
}

/**
 * Creates a VM around an existing image. `use`: the image stays where it is (absolute path, detected format).
 * `copy`: copied byte for byte into the bundle's disks/ (same format). `convert`: `qemu-img convert` to
 * qcow2 into the bundle. Copy and convert write to a hidden file in the library first and create the VM
 * only once it is complete, so a failure or `job.cancel` leaves neither a partial file nor a VM behind.
 */
export async function createWithExistingDisk(
  host: ImportHost,
  jobs: JobRegistry,
  o: { vmId: string; src: SourceImage; mode: ExistingDiskMode; jobId?: string | undefined; name?: string | undefined },
  create: (disk: { path: string; format: DiskFormat }) => Promise<LoadedVm>,
  img: QemuImg = createQemuImg(),
): Promise<LoadedVm> {
  const { src, mode } = o;
  const disk = importedDisk(src, mode);
  if (mode === 'use') return create(disk);
  const name = basename(disk.path);
  const staging = await stagingPath(host.libraryDir, 'import', '');
  let created: LoadedVm | null = null;
  const r = await runCopyJob(
    host,
    jobs,
    {
      vmId: o.vmId,
      kind: 'disk-import',
      requested: o.jobId,
      // The VM joins the library only at the end: its job events carry its name.
      subject: o.name,
      what: `the ${mode === 'copy' ? 'copy' : 'conversion'} of ${src.path}`,
      cleanup: async () => {
        await rm(staging, { force: true });
        if (created) await host.store.delete(created.id, { files: true });
      },
    },
    async (signal, onProgress) => {
      if (mode === 'copy') await copyImageFile(src.path, staging, { signal, onProgress });
      else await img.convert(src.path, staging, 'qcow2', { sourceFormat: src.format, signal, onProgress });
      signal.throwIfAborted();
      created = await create(disk);
      await moveInto(staging, join(created.bundleDir, 'disks', name), signal);
      return { vm: created };
    },
  );
  return r.vm;
}
