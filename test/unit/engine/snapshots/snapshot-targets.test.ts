import { describe, expect, it } from 'vitest';
import { newVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import { snapshotTargets } from '../../../../src-main/engine/snapshots/snapshot-targets.js';

function doc(disks: Array<Partial<VmDocument['disks'][number]>>, firmware: 'bios' | 'uefi' = 'bios'): VmDocument {
  const d = newVmDocument({ id: '11111111-2222-3333-4444-555555555555', name: 'T', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', firmware, disk: null, iso: null });
  return { ...d, disks: disks.map((x, i) => ({ id: `disk${i}`, path: `disks/disk${i}.qcow2`, format: 'qcow2', bus: 'sata', readOnly: false, discard: true, ...x })) };
}

describe('snapshot targets', () => {
  it('covers writable qcow2 disks in order, then the UEFI vars format node', () => {
    expect(snapshotTargets(doc([{}, { path: '/abs/d1.qcow2' }], 'uefi'), '/b')).toEqual({
      targets: [
        { device: 'disk0', path: '/b/disks/disk0.qcow2' },
        { device: 'disk1', path: '/abs/d1.qcow2' },
        { device: 'pflash1', path: '/b/nvram/efivars.qcow2' },
      ],
      skipped: [],
    });
  });

  it('leaves read-only disks out (they cannot change)', () => {
    expect(snapshotTargets(doc([{}, { readOnly: true, format: 'raw' }]), '/b')).toEqual({ targets: [{ device: 'disk0', path: '/b/disks/disk0.qcow2' }], skipped: ['disk1'] });
  });

  it('refuses a writable raw disk, and a VM without a writable qcow2 disk', () => {
    expect(() => snapshotTargets(doc([{}, { format: 'raw' }]), '/b')).toThrow('snapshots need qcow2 disks: disk1 is raw — convert it first');
    expect(() => snapshotTargets(doc([]), '/b')).toThrow(/need a writable qcow2 disk, and "T" has none: it has no disk/);
    expect(() => snapshotTargets(doc([{ readOnly: true }]), '/b')).toThrow(/its disks \(disk0\) are read-only/);
    try {
      snapshotTargets(doc([{ format: 'vmdk' }]), '/b');
    } catch (err) {
      expect(err).toMatchObject({ code: 'invalid-state', details: { disk: 'disk0', format: 'vmdk' } });
    }
  });
});
