// `vm.create` with `cloudImage`: the checks (shared with vm.previewArgv through create-plan.ts) and, after the
// bundle exists, the overlay and the seed. The image passes the same checks as a disk chosen by path (not a
// system file, a format qemu-img finds, a safe chain); it must have no backing file of its own, so the start's
// chain check can allow exactly this one file outside the library (disks[].baseImage).
import { realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, type CommandArgs } from '../../../src-shared/contract/index.js';
import type { DiskFormat, VmDocument } from '../../../src-shared/vm-document/index.js';
import { inspectSourceImage, type SourceImage } from '../clone/source-image.js';
import { formatBytes, giBToBytes } from '../disks/disk-rules.js';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { refuseSystemFile } from '../storage/path-guard.js';
import { createImage } from '../storage/qemu-img.js';
import { checkCloudInit, cloudSeedIso, type CloudSeedValues } from './cloud-seed.js';

/** Where the overlay and the seed live in the bundle (the seed beside the disks, so its drive path stays bundle-relative). */
export const CLOUD_OVERLAY = 'disks/disk0.qcow2';
export const CLOUD_SEED = 'disks/cidata.iso';

export interface CloudPlan {
  image: SourceImage;
  /** The overlay's virtual size: the requested size, or the image's own. */
  sizeBytes: number;
  seed: CloudSeedValues;
  disk: { path: string; format: DiskFormat };
  /** The document with the overlay's base image recorded and the seed in the first CD drive (disk boots first). */
  apply(doc: VmDocument): VmDocument;
}

const onField = (err: unknown): never => {
  if (err instanceof EngineError) throw new EngineError(err.code, err.message.replace(/\bthe disk image\b/, 'the cloud image'), { ...err.details, field: 'cloudImage' });
  throw err;
};

/** null without `cloudImage`; refuses what cannot go with it. Reads files, writes nothing. */
export async function planCloudImage(a: CommandArgs<'vm.create'>, instanceId: string): Promise<CloudPlan | null> {
  if (a.cloudImage === undefined) {
    if (a.cloudInit !== undefined) throw new EngineError('invalid-args', 'cloud-init values go with a cloud image (cloudImage)', { field: 'cloudInit' });
    return null;
  }
  for (const other of ['iso', 'existingDisk'] as const) {
    if (a[other] !== undefined) throw new EngineError('invalid-args', `give either a cloud image or ${other === 'iso' ? 'an ISO' : 'an existing disk'}, not both`, { field: 'cloudImage' });
  }
  // Checked before the image is read: a seed with a bad value is refused at once.
  const seed = checkCloudInit(a.cloudInit ?? {}, { instanceId, vmName: a.name });
  await refuseSystemFile(a.cloudImage, 'cloud image').catch(onField);
  const image = await inspectSourceImage(a.cloudImage).catch(onField);
  if (image.info['backing-filename'] !== undefined) {
    throw new EngineError('invalid-args', `the cloud image ${image.path} is itself an overlay (on ${image.info['backing-filename']}); use the base image, or convert it to one file with qemu-img convert`, { field: 'cloudImage', path: image.path });
  }
  const real = await realpath(image.path);
  let sizeBytes = image.virtualSize;
  if (a.diskSizeGiB !== undefined) {
    const want = giBToBytes(a.diskSizeGiB);
    if (want < image.virtualSize) {
      throw new EngineError('invalid-args', `the disk (${formatBytes(want)}) cannot be smaller than the cloud image (${formatBytes(image.virtualSize)})`, { field: 'diskSizeGiB' });
    }
    sizeBytes = want;
  }
  const disk = { path: CLOUD_OVERLAY, format: 'qcow2' as const };
  return {
    image: { ...image, path: real },
    sizeBytes,
    seed,
    disk,
    apply: (doc) => ({
      ...doc,
      disks: doc.disks.map((d, i) => (i === 0 ? { ...d, baseImage: real } : d)),
      cdroms: doc.cdroms.map((c, i) => (i === 0 ? { ...c, path: CLOUD_SEED } : c)),
    }),
  };
}

/** After the bundle is made: the overlay (backing by absolute path, its format given, never probed) and the seed ISO. */
export async function writeCloudFiles(bundleDir: string, plan: CloudPlan): Promise<void> {
  const overlay = join(bundleDir, CLOUD_OVERLAY);
  try {
    await createImage(overlay, 'qcow2', plan.sizeBytes, { backing: { path: plan.image.path, format: plan.image.format } });
    await writeFileAtomic(join(bundleDir, CLOUD_SEED), cloudSeedIso(plan.seed));
  } catch (err) {
    await rm(overlay, { force: true });
    throw err;
  }
}
