import { describe, expect, it } from 'vitest';
import { newVmDocument, validateVmDocument, type NewVmInput } from '../../../src-shared/vm-document/index.js';
import { SAMPLE_ID, SAMPLE_NOW } from './sample-document.js';

const base: NewVmInput = { id: SAMPLE_ID, name: 'New VM', now: SAMPLE_NOW, mac: '52:54:00:00:00:01' };

describe('newVmDocument', () => {
  const variants: Array<[string, Partial<NewVmInput>]> = [
    ['bare x86_64', {}],
    ['x86_64 with disk and ISO', { disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: '/isos/a.iso' }],
    ['x86_64 UEFI with disk', { firmware: 'uefi', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' } }],
    ['aarch64 bare', { arch: 'aarch64' }],
    ['aarch64 with disk and ISO', { arch: 'aarch64', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: '/isos/b.iso' }],
    ['custom sizes', { cpus: 8, memoryMiB: 16384, osId: 'debian12' }],
  ];

  it.each(variants)('%s is a valid document', (_label, extra) => {
    const doc = newVmDocument({ ...base, ...extra });
    expect(validateVmDocument(doc)).toEqual(doc);
    expect(doc.createdAt).toBe(SAMPLE_NOW);
    expect(doc.updatedAt).toBe(SAMPLE_NOW);
  });

  it('boots the installer ISO first when there is one, and the disk first otherwise', () => {
    const disk = { path: 'disks/disk0.qcow2', format: 'qcow2' as const };
    expect(newVmDocument({ ...base, disk, iso: '/isos/a.iso' }).bootOrder).toEqual(['cd0', 'disk0']);
    expect(newVmDocument({ ...base, disk }).bootOrder).toEqual(['disk0', 'cd0']);
  });

  it('uses platform-appropriate defaults for aarch64', () => {
    const doc = newVmDocument({ ...base, arch: 'aarch64', disk: { path: 'd.qcow2', format: 'qcow2' } });
    expect(doc).toMatchObject({ machine: 'virt', firmware: { type: 'uefi' }, display: { device: 'ramfb' }, input: { keyboard: 'usb-kbd' } });
    expect(doc.disks[0]?.bus).toBe('virtio');
    expect(doc.cdroms[0]?.bus).toBe('scsi');
  });

  it('uses safe defaults for x86_64: q35, BIOS, 2 CPUs, 2 GiB, user networking with no forwards, clipboard off', () => {
    const doc = newVmDocument(base);
    expect(doc).toMatchObject({
      machine: 'q35', firmware: { type: 'bios', secureBoot: false, tpm: false }, cpu: { count: 2, model: 'max' }, memoryMiB: 2048,
      network: { mode: 'user', model: 'virtio-net-pci', mac: base.mac, forwards: [] }, clipboard: 'off', extraArgs: [], disks: [],
    });
    expect(doc.cdroms).toEqual([{ id: 'cd0', path: null, bus: 'sata' }]);
  });
});
