import { isAbsolute, join, relative, resolve } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { DISK_FORMATS, type DiskFormat, type VmDisk, type VmDocument } from '../../../src-shared/vm-document/index.js';
import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';

/** The words every refusal to shrink uses. */
export const SHRINK_REFUSAL = 'shrinking would destroy data at the end of the disk; Hangar only grows disks';
export const RUNNING_REFUSAL = 'Shut the machine down to change its disks';

export const GiB = 1024 ** 3;

export const isDiskFormat = (f: string): f is DiskFormat => (DISK_FORMATS as ReadonlyArray<string>).includes(f);

/** The first `diskN` id no disk or CD drive uses and (when `taken` says so) no file in disks/ holds. */
export function nextDiskId(doc: Pick<VmDocument, 'disks' | 'cdroms'>, fileTaken: (id: string) => boolean = () => false): string {
  const used = new Set([...doc.disks.map((d) => d.id), ...doc.cdroms.map((c) => c.id)]);
  for (let n = 0; ; n++) {
    const id = `disk${n}`;
    if (!used.has(id) && !fileTaken(id)) return id;
  }
}

/** The disk a command names, or a not-found error listing the ones there are. */
export function findDisk(doc: Pick<VmDocument, 'name' | 'disks'>, diskId: string): VmDisk {
  const d = doc.disks.find((x) => x.id === diskId);
  if (d) return d;
  const have = doc.disks.length ? `it has ${doc.disks.map((x) => x.id).join(', ')}` : 'it has no disks';
  throw new EngineError('not-found', `"${doc.name}" has no disk "${diskId}" (${have})`, { field: 'disk' });
}

export function refuseReadOnly(doc: Pick<VmDocument, 'name'>, disk: VmDisk, action: string): void {
  if (disk.readOnly) throw new EngineError('invalid-state', `disk ${disk.id} of "${doc.name}" is read-only; Hangar does not ${action} read-only disks`, { field: 'disk' });
}

export function refuseWhileActive(name: string, state: VmRunState): void {
  if (isActive(state)) throw new EngineError('invalid-state', `${RUNNING_REFUSAL} ("${name}" is ${state.kind})`);
}

/** Bytes for a size in GiB, rounded up to a whole MiB (qemu-img wants sector multiples). */
export function giBToBytes(sizeGiB: number): number {
  const mib = Math.ceil(sizeGiB * 1024);
  return mib * 1024 * 1024;
}

/** Refuses a new size below the current one (equal is fine: nothing to do). */
export function checkGrow(diskId: string, currentBytes: number, newBytes: number): void {
  if (newBytes < currentBytes) {
    throw new EngineError('invalid-args', `cannot resize ${diskId} from ${formatBytes(currentBytes)} to ${formatBytes(newBytes)}: ${SHRINK_REFUSAL}`, { field: 'sizeGiB' });
  }
}

export function resolveDiskPath(bundleDir: string, p: string): string {
  return isAbsolute(p) ? p : join(bundleDir, p);
}

/** Is `path` inside `dir` (lexically, after resolving both)? */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** `n` bytes in the largest binary unit (up to TiB) that keeps the value at least 1; `scaled` when not bytes. */
export function scaleBytes(n: number): { value: number; unit: string; scaled: boolean } {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return { value: v, unit: units[i]!, scaled: i > 0 };
}

export function formatBytes(n: number): string {
  const { value, unit } = scaleBytes(n);
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
}

/** A format qemu-img reported that Hangar cannot attach, with the reason. */
export function refuseFormat(path: string, format: string): never {
  throw new EngineError('invalid-args', `the image ${path} is in the "${format}" format, which Hangar does not attach (it reads ${DISK_FORMATS.join(', ')}); convert it with qemu-img first`, { field: 'path', format });
}
