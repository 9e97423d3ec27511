import { describe, expect, it } from 'vitest';
import { diskTargetsToRemove, readDomain } from '../../../../src-main/engine/libvirt/domain-read.js';

const xml = (devices: string): string => `<domain type='qemu'><name>m</name><uuid>2b0c1f7e-8a52-4c3e-9d7a-0f6f1b2c3d4e</uuid><memory unit='KiB'>262144</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${devices}</devices></domain>`;

describe('delete with files: which volumes go', () => {
  it('the disks by target, never a CD drive (an uploaded ISO may serve other machines)', () => {
    const facts = readDomain(xml(`
      <disk type='file' device='disk'><source file='/var/lib/libvirt/images/m-disk0.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='disk'><source file='/var/lib/libvirt/images/m-data.qcow2'/><target dev='vdb' bus='virtio'/></disk>
      <disk type='file' device='cdrom'><source file='/var/lib/libvirt/images/debian.iso'/><target dev='sda' bus='sata'/></disk>`));
    expect(diskTargetsToRemove(facts)).toEqual(['vda', 'vdb']);
  });

  it('nothing for a machine with only a CD, an empty disk source, or a target that is no plain device name', () => {
    expect(diskTargetsToRemove(readDomain(xml(`<disk type='file' device='cdrom'><source file='/x.iso'/><target dev='sda' bus='sata'/></disk>`)))).toEqual([]);
    expect(diskTargetsToRemove(readDomain(xml(`<disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>`)))).toEqual([]);
    expect(diskTargetsToRemove(readDomain(xml(`<disk type='file' device='disk'><source file='/a.qcow2'/><target dev='vda,sda' bus='virtio'/></disk>`)))).toEqual([]);
  });
});
