import { join } from 'node:path';
import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { exists } from './offline-jobs.js';
import type { OfflineImages } from './offline-images.js';
import type { SnapshotSession } from './live-snapshots.js';
import { snapshotTargets, type SnapshotTarget } from './snapshot-targets.js';
import type { ImageSnapshot } from './snapshot-tree.js';

/** The snapshot list each image holds, by device (format node name). */
export type ImageLists = Map<string, ImageSnapshot[]>;

/** What image lists need from the engine. */
export interface ImageListHost {
  session(vmId: string): SnapshotSession | undefined;
  stateOf(vmId: string): VmRunState;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** Targets without the refusals (deleting must work even on a VM whose disks changed to raw). */
export function targetsLenient(vm: LoadedVm): { targets: SnapshotTarget[] } {
  try {
    return snapshotTargets(vm.doc, vm.bundleDir);
  } catch {
    return { targets: vm.doc.disks.filter((d) => d.format === 'qcow2').map((d) => ({ device: d.id, path: d.path.startsWith('/') ? d.path : join(vm.bundleDir, d.path) })) };
  }
}

/**
 * What each image of a VM holds: QMP when the VM runs (QEMU holds the images locked), `qemu-img info -U` otherwise.
 * While QEMU runs only this engine talks to its QMP, so only the snapshot service changes the images: the lists are
 * kept per session, and take and restore use them (`cached`) instead of asking again; a new QEMU is a new session.
 */
export class ImageListCache {
  private readonly live = new WeakMap<SnapshotSession, ImageLists>();

  constructor(
    private readonly host: ImageListHost,
    private readonly images: OfflineImages,
  ) {}

  async read(vm: LoadedVm, opts: { cached?: boolean } = {}): Promise<ImageLists> {
    const { targets } = targetsLenient(vm);
    const wanted = new Set(targets.map((t) => t.device));
    const out: ImageLists = new Map();
    const session = this.host.session(vm.id);
    if (session && isActive(this.host.stateOf(vm.id))) {
      const known = opts.cached ? this.live.get(session) : undefined;
      if (known) return new Map([...known].filter(([d]) => wanted.has(d)));
      try {
        const nodes = await session.qmp.execute('query-named-block-nodes', { flat: true });
        for (const n of nodes) {
          const name = n['node-name'];
          if (name === undefined || !wanted.has(name)) continue;
          out.set(name, (n.image.snapshots ?? []).map((s) => ({ id: s.id, name: s.name, vmStateSize: s['vm-state-size'], dateSec: s['date-sec'] })));
        }
        this.live.set(session, new Map(out));
        return out;
      } catch {
        // fall through to reading the files (info -U works on locked images)
      }
    }
    const lists = await Promise.all(
      targets.map(async (t) => {
        if (!(await exists(t.path))) return null;
        try {
          return await this.images.list(t.path);
        } catch (err) {
          this.host.log('warn', `cannot list the snapshots of ${t.path}: ${(err as Error).message}`);
          return null;
        }
      }),
    );
    // In target order (the first holds the RAM state), whichever finished first.
    targets.forEach((t, i) => lists[i] && out.set(t.device, lists[i]));
    return out;
  }

  /** After a change this service made: the images now hold `lists` (kept only if this session's were kept). */
  changed(session: SnapshotSession | undefined, lists: ImageLists): void {
    if (session && this.live.has(session)) this.live.set(session, lists);
  }

  /** A failed job may have left a tag in some images: read them again next time. */
  forget(session: SnapshotSession): void {
    this.live.delete(session);
  }
}
