import { describe, expect, it } from 'vitest';
import { bundleRelative, foreignParts } from '../../../../src-main/engine/archive/foreign-parts.js';
import { newVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';

const base = newVmDocument({ id: '11111111-1111-4111-8111-111111111111', name: 'x', now: '2026-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' } });
const disk = (id: string, path: string): VmDocument['disks'][number] => ({ id, path, format: 'qcow2', bus: 'sata', readOnly: false, discard: false });

describe('foreignParts (shared by vm.import and vm.addExisting)', () => {
  it('a bundle path is relative and stays below the folder', () => {
    expect(bundleRelative('disks/./disk0.qcow2')).toBe('disks/disk0.qcow2');
    expect(bundleRelative('/var/lib/x.qcow2')).toBeNull();
    expect(bundleRelative('disks/../../x.qcow2')).toBeNull();
    expect(bundleRelative('disks\\..\\..\\x')).toBeNull();
  });

  it('finds extra arguments, host disks and ISOs, and bundle files the caller says lead out (symlinks)', () => {
    const doc: VmDocument = {
      ...base,
      extraArgs: ['-incoming', 'exec:sh'],
      disks: [disk('disk0', 'disks/disk0.qcow2'), disk('disk1', '/home/ada/big.qcow2'), disk('disk2', 'disks/link.qcow2')],
      cdroms: [{ id: 'cd0', path: '/isos/debian.iso', bus: 'sata' }, { id: 'cd1', path: 'media/boot.iso', bus: 'sata' }, { id: 'cd2', path: null, bus: 'sata' }],
      bootOrder: [],
      shares: [{ name: 'pics', path: '/home/ada/Pictures', readOnly: true }],
    };
    const found = foreignParts(doc, (rel) => rel !== 'disks/link.qcow2');
    expect(found).toEqual({
      extraArgs: ['-incoming', 'exec:sh'],
      disks: [{ id: 'disk1', path: '/home/ada/big.qcow2' }, { id: 'disk2', path: 'disks/link.qcow2' }],
      cdroms: [{ id: 'cd0', path: '/isos/debian.iso' }],
      shares: [{ name: 'pics', path: '/home/ada/Pictures' }],
    });
    expect(foreignParts(base, () => true)).toEqual({ extraArgs: [], disks: [], cdroms: [], shares: [] });
  });

  it("reports an in-bundle overlay's cloud image (baseImage): a host file the guest would read", () => {
    const doc: VmDocument = { ...base, disks: [{ ...disk('disk0', 'disks/disk0.qcow2'), baseImage: '/home/ada/.ssh/id_ed25519' }] };
    expect(foreignParts(doc, () => true).disks).toEqual([{ id: 'disk0', path: '/home/ada/.ssh/id_ed25519' }]);
  });
});
