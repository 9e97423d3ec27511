// What `vm.create` and `vm.previewArgv` share: every check of the arguments (so both refuse with the same
// errors) and the document the machine would get. Reads files (stat, ISO header, qemu-img info); writes nothing.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { EngineError, type CommandArgs } from '../../src-shared/contract/index.js';
import { newVmDocument, type DiskFormat, type VmDocument } from '../../src-shared/vm-document/index.js';
import { applyDeviceChoices, createArch, createChoices } from '../../src-shared/os-catalog/index.js';
import { refuseNonIso, refuseSystemFile, SYSTEM_FOLDERS } from './storage/path-guard.js';
import { inspectSourceImage, type SourceImage } from './clone/source-image.js';
import { importedDisk } from './clone/import-disk.js';
import { randomMac } from '../../src-shared/vm-document/mac.js';
import { planCloudImage, type CloudPlan } from './cloud-init/cloud-plan.js';

type CreateArgs = CommandArgs<'vm.create'>;
export type NewDisk = { path: string; format: DiskFormat } | null;

export interface CreatePlan {
  id: string;
  /** Absolute, checked to be an ISO. */
  iso: string | null;
  /** The existing image, checked (format from qemu-img info, safe backing chain). */
  source: SourceImage | null;
  /** The chosen folder for the bundle (absolute, an existing writable folder), or null: the library folder. */
  folder: string | null;
  /** The document for a given disk entry (device choices from the arguments and the OS catalog applied). */
  build(disk: NewDisk): VmDocument;
  /** The disk entry the document gets: a new qcow2 in the bundle, the existing image, or its copy in the bundle. */
  disk(): NewDisk;
  /** A machine made from a cloud image: the checked image, overlay size and seed values (password hashed). */
  cloud: CloudPlan | null;
}

async function mustExist(path: string, what: string): Promise<string> {
  const abs = resolve(path);
  try {
    const s = await stat(abs);
    if (!s.isFile()) throw new EngineError('invalid-args', `${what} is not a file: ${abs}`);
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('not-found', `${what} not found: ${abs}`);
  }
  return abs;
}

/**
 * The folder a new machine's bundle goes in: absolute, existing, a folder, writable, not a system folder.
 * The path is only ever handed to fs calls (never a shell), so commas, spaces and quotes in it are fine.
 */
export async function checkTargetFolder(given: string): Promise<string> {
  const field = { field: 'folder' };
  if (!isAbsolute(given)) throw new EngineError('invalid-args', `the folder for the machine must be an absolute path (got "${given}")`, field);
  const abs = resolve(given);
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    throw new EngineError('not-found', `the folder for the machine does not exist: ${abs}`, field);
  }
  if (!(await stat(real)).isDirectory()) throw new EngineError('invalid-args', `the folder for the machine is not a folder: ${abs}`, field);
  const system = SYSTEM_FOLDERS.find((f) => real === f || real.startsWith(`${f}/`));
  if (system) throw new EngineError('invalid-args', `${abs} is a system folder (under ${system}); Hangar does not create machines there`, field);
  await access(real, constants.W_OK | constants.X_OK).catch(() => {
    throw new EngineError('invalid-args', `cannot create the machine's folder in ${abs}: it is not writable`, field);
  });
  return abs;
}

/** Checks `vm.create`'s arguments in the order vm.create always has, and prepares the document; nothing is written. */
export async function planCreate(a: CreateArgs): Promise<CreatePlan> {
  if (a.diskSizeGiB !== undefined && a.existingDisk !== undefined) {
    throw new EngineError('invalid-args', 'give either a new disk size or an existing disk, not both');
  }
  if (a.existingDiskMode !== undefined && a.existingDisk === undefined) {
    throw new EngineError('invalid-args', 'existingDiskMode goes with existingDisk (the image to use, copy or convert)', { field: 'existingDiskMode' });
  }
  const folder = a.folder !== undefined ? await checkTargetFolder(a.folder) : null;
  const iso = a.iso !== undefined ? await mustExist(a.iso, 'ISO') : null;
  if (iso !== null) await refuseNonIso(iso);
  if (a.existingDisk !== undefined) await refuseSystemFile(a.existingDisk, 'disk image');
  // The format comes from qemu-img info, never from the file name; the whole chain is checked (clone/source-image.ts).
  const source = a.existingDisk !== undefined ? await inspectSourceImage(a.existingDisk) : null;
  const id = randomUUID();
  const cloud = await planCloudImage(a, id);
  const withCloud = (doc: VmDocument) => (cloud ? cloud.apply(doc) : doc);
  const now = new Date().toISOString();
  const mac = randomMac();
  const mode = a.existingDiskMode ?? 'use';
  return {
    id,
    iso,
    source,
    folder,
    cloud,
    build: (disk) => withCloud(applyDeviceChoices(newVmDocument({
      id,
      name: a.name,
      now,
      mac,
      arch: createArch(a),
      osId: a.osId,
      memoryMiB: a.memoryMiB,
      cpus: a.cpus,
      firmware: a.firmware,
      disk,
      iso,
    }), createChoices(a))),
    disk: () => {
      if (cloud) return cloud.disk;
      if (source) return importedDisk(source, mode);
      return a.diskSizeGiB !== undefined ? { path: 'disks/disk0.qcow2', format: 'qcow2' } : null;
    },
  };
}
