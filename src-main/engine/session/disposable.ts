import { cp, mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { nvramPathOf } from '../host-service.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { createImage, imageInfo, type ImageFormat } from '../storage/qemu-img.js';
import { UEFI_VARS_NODE } from '../snapshots/snapshot-targets.js';
import { tpmStateDir } from './swtpm.js';

/**
 * "Start without saving changes" (UTM's disposable mode): a throwaway qcow2 overlay over every writable disk
 * and the UEFI vars, in the bundle's `disposable/` folder (beside the disks: same file system, room to grow;
 * not the runtime folder, which is often a small tmpfs). QEMU opens the real images read-only under them
 * (argv-storage.ts `overlaidPair`), and the folder is removed when the run ends, crashes, or, after an engine
 * died, when the next engine opens the library.
 */
export function disposableDir(bundleDir: string): string {
  return join(bundleDir, 'disposable');
}

/**
 * The TPM state for a disposable run: a copy of the bundle's `tpm/` in the throwaway folder, so what the guest
 * changes in its TPM (keys, counters, BitLocker's sealed secrets) goes when the run ends, like its disk writes.
 */
export async function disposableTpmState(bundleDir: string): Promise<string> {
  const dir = join(disposableDir(bundleDir), 'tpm');
  await mkdir(disposableDir(bundleDir), { recursive: true, mode: 0o700 });
  await rm(dir, { recursive: true, force: true });
  await cp(tpmStateDir(bundleDir), dir, { recursive: true, errorOnExist: false, force: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err; // no state yet: swtpm makes a fresh one in the copy
  });
  return dir;
}

export async function removeDisposableDir(bundleDir: string): Promise<void> {
  await rm(disposableDir(bundleDir), { recursive: true, force: true });
}

/** Makes the overlays; returns node id → overlay path for buildArgv (`VmPaths.overlays`). */
export async function makeOverlays(vm: LoadedVm): Promise<Record<string, string>> {
  const dir = disposableDir(vm.bundleDir);
  await removeDisposableDir(vm.bundleDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const overlays: Record<string, string> = {};
  const bases: Array<{ id: string; path: string; format: ImageFormat }> = vm.doc.disks
    .filter((d) => !d.readOnly)
    .map((d) => ({ id: d.id, path: isAbsolute(d.path) ? d.path : join(vm.bundleDir, d.path), format: d.format as ImageFormat }));
  if (vm.doc.firmware.type === 'uefi') bases.push({ id: UEFI_VARS_NODE, path: nvramPathOf(vm.bundleDir), format: 'qcow2' });
  try {
    for (const b of bases) {
      const overlay = join(dir, `${b.id}.qcow2`);
      // -U: only reads the size; the backing is named absolutely, and argv names it again explicitly.
      const size = (await imageInfo(b.path, { forceShare: true, format: b.format }))['virtual-size'];
      await createImage(overlay, 'qcow2', size, { backing: { path: b.path, format: b.format } });
      overlays[b.id] = overlay;
    }
  } catch (err) {
    await removeDisposableDir(vm.bundleDir);
    throw err;
  }
  return overlays;
}
