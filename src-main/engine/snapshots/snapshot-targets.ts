import { isAbsolute, join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { nvramPathOf } from '../host-service.js';
import { hasUefiVars } from '../qemu/argv-arch.js';

/** The QEMU format node of the UEFI vars (argv.ts: `blockdevPair('pflash1', nvram, 'qcow2')`). */
export const UEFI_VARS_NODE = 'pflash1';

/** One image a snapshot covers: its format node name (QMP) and its file (qemu-img). */
export interface SnapshotTarget {
  device: string;
  path: string;
}

export interface SnapshotTargets {
  /** Writable qcow2 disks in document order, then the UEFI vars; the first disk stores the RAM state. */
  targets: SnapshotTarget[];
  /** Read-only disks: they cannot change, so leaving them out keeps the snapshot consistent. */
  skipped: string[];
}

/**
 * Which images a snapshot of this VM covers. Refuses (with what to do) when a writable disk is not
 * qcow2 (its data would silently not be part of the snapshot) or when there is no writable qcow2 disk.
 */
export function snapshotTargets(doc: VmDocument, bundleDir: string): SnapshotTargets {
  const targets: SnapshotTarget[] = [];
  const skipped: string[] = [];
  for (const disk of doc.disks) {
    if (disk.readOnly) {
      skipped.push(disk.id);
      continue;
    }
    if (disk.format !== 'qcow2') {
      throw new EngineError(
        'invalid-state',
        `snapshots need qcow2 disks: ${disk.id} is ${disk.format} — convert it first (qemu-img convert -O qcow2), or make it read-only`,
        { field: 'disks', disk: disk.id, format: disk.format },
      );
    }
    targets.push({ device: disk.id, path: isAbsolute(disk.path) ? disk.path : join(bundleDir, disk.path) });
  }
  if (targets.length === 0) {
    const why = skipped.length > 0 ? `its disks (${skipped.join(', ')}) are read-only` : 'it has no disk';
    throw new EngineError('invalid-state', `snapshots need a writable qcow2 disk, and "${doc.name}" has none: ${why}`, { field: 'disks' });
  }
  if (hasUefiVars(doc)) targets.push({ device: UEFI_VARS_NODE, path: nvramPathOf(bundleDir) });
  return { targets, skipped };
}
