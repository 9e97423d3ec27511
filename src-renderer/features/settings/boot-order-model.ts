import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { nextDeviceId } from './settings-model.js';

/**
 * One row of the boot order editor. Ticked rows are `bootOrder` in its order; unticked ones follow in device
 * order (the document keeps no position for a device that does not boot). `missing`: a boot entry naming no
 * device, which the schema rejects; it stays listed so it can be unticked.
 */
export interface BootEntry {
  id: string;
  kind: 'disk' | 'cdrom' | 'missing';
  enabled: boolean;
  /** The entry's index in `bootOrder` (its schema issue path is `bootOrder[index]`); -1 when unticked. */
  index: number;
}

/** bootOrder without repeats: the schema allows them, but QEMU only uses the first (argv takes indexOf). */
export const uniqueBootOrder = (doc: VmDocument): string[] => [...new Set(doc.bootOrder)];

export function bootEntries(doc: VmDocument): BootEntry[] {
  const kinds = new Map<string, BootEntry['kind']>([
    ...doc.disks.map((d) => [d.id, 'disk'] as const),
    ...doc.cdroms.map((c) => [c.id, 'cdrom'] as const),
  ]);
  const order = uniqueBootOrder(doc);
  const ticked = order.map((id): BootEntry => ({ id, kind: kinds.get(id) ?? 'missing', enabled: true, index: doc.bootOrder.indexOf(id) }));
  const rest = [...kinds].filter(([id]) => !order.includes(id)).map(([id, kind]): BootEntry => ({ id, kind, enabled: false, index: -1 }));
  return [...ticked, ...rest];
}

/** Ticking appends the device (it boots last until moved); unticking drops every mention of it. */
export function setBootEnabled(doc: VmDocument, id: string, enabled: boolean): VmDocument {
  const order = uniqueBootOrder(doc).filter((x) => x !== id);
  return { ...doc, bootOrder: enabled ? [...order, id] : order };
}

/** Swaps a booting device with its neighbour; a no-op at either end or for a device that does not boot. */
export function moveBootEntry(doc: VmDocument, id: string, delta: -1 | 1): VmDocument {
  const order = uniqueBootOrder(doc);
  const from = order.indexOf(id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= order.length) return doc;
  [order[from], order[to]] = [order[to] as string, id];
  return { ...doc, bootOrder: order };
}

/** A new empty drive, bootable last (as a VirtualBox user expects a new optical drive to be). */
export function addCdrom(doc: VmDocument): VmDocument {
  const id = nextDeviceId(doc, 'cd');
  return { ...doc, cdroms: [...doc.cdroms, { id, path: null, bus: doc.arch === 'aarch64' ? 'scsi' : 'sata' }], bootOrder: [...doc.bootOrder, id] };
}

/** Removing a drive also removes it from the boot order, which may not name a device that is gone. */
export function removeCdrom(doc: VmDocument, id: string): VmDocument {
  return { ...doc, cdroms: doc.cdroms.filter((c) => c.id !== id), bootOrder: doc.bootOrder.filter((x) => x !== id) };
}

/**
 * The draft's boot order after the engine changed the disks itself (disk.add/remove/convert): the user's
 * unapplied order survives, disks the engine removed leave it, and new disks the engine put in its own
 * order (today disk.add does not) are appended.
 */
export function rebaseBootOrder(draft: VmDocument, engine: VmDocument): string[] {
  const before = new Set(draft.disks.map((d) => d.id));
  const after = new Set(engine.disks.map((d) => d.id));
  const kept = draft.bootOrder.filter((id) => !(before.has(id) && !after.has(id)));
  const added = engine.bootOrder.filter((id) => after.has(id) && !before.has(id) && !kept.includes(id));
  return [...kept, ...added];
}
