import { describe, expect, it } from 'vitest';
import { newVmDocument, validateVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import {
  addCdrom, bootEntries, moveBootEntry, rebaseBootOrder, removeCdrom, setBootEnabled,
} from '../../../../src-renderer/features/settings/boot-order-model.js';

const base = newVmDocument({
  id: '6f1c1d1e-8a4b-4c2d-9e3f-1a2b3c4d5e6f', name: 'deb', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:12:34:56',
  disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: '/isos/debian.iso',
});
const disk1: VmDocument['disks'][number] = { id: 'disk1', path: 'disks/disk1.qcow2', format: 'qcow2', bus: 'virtio', readOnly: false, discard: true };
const doc: VmDocument = { ...base, disks: [...base.disks, disk1] }; // boots cd0, disk0; disk1 does not boot

describe('boot order model', () => {
  it('lists booting devices in order, then the others; repeats collapse and unknown ids stay visible', () => {
    expect(bootEntries(doc)).toEqual([
      { id: 'cd0', kind: 'cdrom', enabled: true, index: 0 },
      { id: 'disk0', kind: 'disk', enabled: true, index: 1 },
      { id: 'disk1', kind: 'disk', enabled: false, index: -1 },
    ]);
    const odd = { ...doc, bootOrder: ['disk0', 'gone', 'disk0'] };
    expect(bootEntries(odd).map((e) => [e.id, e.kind, e.enabled])).toEqual([['disk0', 'disk', true], ['gone', 'missing', true], ['disk1', 'disk', false], ['cd0', 'cdrom', false]]);
  });

  it('moves within the booting devices only, and no further than the ends', () => {
    expect(moveBootEntry(doc, 'disk0', -1).bootOrder).toEqual(['disk0', 'cd0']);
    expect(moveBootEntry(doc, 'cd0', -1)).toBe(doc);
    expect(moveBootEntry(doc, 'disk0', 1)).toBe(doc);
    expect(moveBootEntry(doc, 'disk1', -1)).toBe(doc);
    expect(moveBootEntry({ ...doc, bootOrder: ['cd0', 'cd0', 'disk0'] }, 'disk0', -1).bootOrder).toEqual(['disk0', 'cd0']);
  });

  it('ticking appends, unticking drops every mention', () => {
    expect(setBootEnabled(doc, 'disk1', true).bootOrder).toEqual(['cd0', 'disk0', 'disk1']);
    expect(setBootEnabled({ ...doc, bootOrder: ['cd0', 'disk0', 'cd0'] }, 'cd0', false).bootOrder).toEqual(['disk0']);
  });

  it('adding a drive boots it last; removing one takes it out of the boot order too (both stay valid)', () => {
    const added = addCdrom(doc);
    expect(added.cdroms.at(-1)).toEqual({ id: 'cd1', path: null, bus: 'sata' });
    expect(added.bootOrder).toEqual(['cd0', 'disk0', 'cd1']);
    const removed = removeCdrom(added, 'cd0');
    expect(removed.cdroms.map((c) => c.id)).toEqual(['cd1']);
    expect(removed.bootOrder).toEqual(['disk0', 'cd1']);
    expect(() => validateVmDocument(removed)).not.toThrow();
  });

  it('rebases an unapplied order onto the engine’s disk changes', () => {
    const draft = { ...doc, bootOrder: ['disk0', 'cd0'] };
    // disk.remove: the engine drops the disk from its document and its order.
    const engineRemoved = { ...doc, disks: [disk1], bootOrder: ['cd0'] };
    expect(rebaseBootOrder(draft, engineRemoved)).toEqual(['cd0']);
    // disk.add: a new disk in the engine's order is appended; one outside it stays out.
    const disk2 = { ...disk1, id: 'disk2' };
    expect(rebaseBootOrder(draft, { ...doc, disks: [...doc.disks, disk2], bootOrder: [...doc.bootOrder, 'disk2'] })).toEqual(['disk0', 'cd0', 'disk2']);
    expect(rebaseBootOrder(draft, { ...doc, disks: [...doc.disks, disk2] })).toEqual(['disk0', 'cd0']);
    // A drive added in the draft only is not the engine's to drop.
    expect(rebaseBootOrder(addCdrom(draft), engineRemoved)).toEqual(['cd0', 'cd1']);
  });
});
