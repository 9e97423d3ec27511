import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EngineError } from '../../../src-shared/contract/index.js';
import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';
import { imageInfo } from '../storage/qemu-img.js';
import { isInside, resolveDiskPath } from '../disks/disk-rules.js';
import type { LibraryEntry, LoadedVm } from '../storage/bundle-store.js';

const run = promisify(execFile);

/**
 * The backing file a qcow2 image names in its header (resolved against the image's folder), or null.
 * Read straight from the header: cheap enough to do for every disk in the library on each delete.
 */
export async function qcow2BackingFile(path: string): Promise<string | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(20);
    const { bytesRead } = await fh.read(head, 0, 20, 0);
    if (bytesRead < 20 || head.readUInt32BE(0) !== 0x514649fb) return null;
    const offset = Number(head.readBigUInt64BE(8));
    const size = head.readUInt32BE(16);
    if (offset === 0 || size === 0 || size > 4096) return null;
    const name = Buffer.alloc(size);
    await fh.read(name, 0, size, offset);
    return resolve(dirname(path), name.toString('utf8'));
  } finally {
    await fh.close();
  }
}

/** One disk image of another VM whose backing file lies inside a given bundle. */
export interface DependentOverlay {
  vmId: string;
  vmName: string;
  overlay: string;
  backing: string;
}

/** The disks of other VMs that back onto files inside `vm`'s bundle (its linked clones). */
export async function dependentOverlays(vm: Pick<LoadedVm, 'id' | 'bundleDir'>, entries: LibraryEntry[]): Promise<DependentOverlay[]> {
  const found: DependentOverlay[] = [];
  for (const e of entries) {
    if (e.status !== 'ok' || e.id === vm.id) continue;
    for (const d of e.doc.disks) {
      if (d.format !== 'qcow2') continue;
      const overlay = resolveDiskPath(e.bundleDir, d.path);
      const backing = await qcow2BackingFile(overlay);
      if (backing !== null && isInside(vm.bundleDir, backing)) found.push({ vmId: e.id, vmName: e.name, overlay, backing });
    }
  }
  return found;
}

/** Names of the VMs that depend on `vm`'s bundle, each once. */
export async function dependentsOf(vm: Pick<LoadedVm, 'id' | 'bundleDir'>, entries: LibraryEntry[]): Promise<string[]> {
  return [...new Set((await dependentOverlays(vm, entries)).map((d) => d.vmName))];
}

/** `vm.delete` with files: refused while linked clones still read their disks from this VM's bundle. */
export async function refuseDeleteWithDependents(vm: LoadedVm, entries: LibraryEntry[]): Promise<void> {
  const names = await dependentsOf(vm, entries);
  if (names.length === 0) return;
  const list = names.map((n) => `"${n}"`).join(', ');
  throw new EngineError('invalid-state', `cannot delete the files of "${vm.name}": the linked clone${names.length > 1 ? 's' : ''} ${list} ${names.length > 1 ? 'use' : 'uses'} its disks as backing files (delete ${names.length > 1 ? 'them' : 'it'} first, or remove "${vm.name}" from the library without deleting its files)`, { dependents: names });
}

/**
 * `vm.rename` may move the bundle folder, and linked clones name their backing file by absolute path.
 * Before: refuses while such a clone runs (its image is locked). After: points each overlay at the moved
 * file with `qemu-img rebase -u` (header only; the data is the same).
 */
export async function followBundleMove(vm: LoadedVm, entries: LibraryEntry[], stateOf: (id: string) => VmRunState): Promise<(newDir: string) => Promise<void>> {
  const deps = await dependentOverlays(vm, entries);
  const running = [...new Set(deps.filter((d) => isActive(stateOf(d.vmId))).map((d) => d.vmName))];
  if (running.length > 0) {
    throw new EngineError('invalid-state', `cannot rename "${vm.name}" while its linked clone${running.length > 1 ? 's' : ''} ${running.map((n) => `"${n}"`).join(', ')} ${running.length > 1 ? 'run' : 'runs'}: ${running.length > 1 ? 'they read' : 'it reads'} from its folder, which the rename moves; shut ${running.length > 1 ? 'them' : 'it'} down first`);
  }
  return async (newDir) => {
    if (resolve(newDir) === resolve(vm.bundleDir)) return;
    for (const d of deps) {
      const moved = join(newDir, relative(vm.bundleDir, d.backing));
      const format = (await imageInfo(d.overlay, { format: 'qcow2' }))['backing-filename-format'] ?? 'raw';
      await run('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-F', format, '-b', moved, d.overlay]);
    }
  };
}
