import { describe, expect, it } from 'vitest';
import { parsePoolIsos } from '../../../../src-main/engine/libvirt/pool-volumes.js';

// `virsh -q vol-list default --details` as libvirt 9.0 prints it.
const LISTING = [
  ' debian-12.iso                   /var/lib/libvirt/images/debian-12.iso                   file   628.00 MiB   628.00 MiB',
  ' web-disk0.qcow2                 /var/lib/libvirt/images/web-disk0.qcow2                 file   20.00 GiB    1.20 GiB',
  ' My Install Disc.ISO             /var/lib/libvirt/images/My Install Disc.ISO             file   4.70 GiB     4.70 GiB',
  ' isos                            /var/lib/libvirt/images/isos                            dir    4.00 KiB     4.00 KiB',
  ' tiny.iso                        /var/lib/libvirt/images/tiny.iso                        file   775.00 B     4.00 KiB',
  'garbage line without columns.iso',
  '',
].join('\n');

describe('ISO volumes of a libvirt storage pool', () => {
  it('takes the .iso files (any case, spaces in names) with their sizes; leaves out disks, folders and lines it cannot read', () => {
    expect(parsePoolIsos('default', LISTING)).toEqual([
      { pool: 'default', name: 'debian-12.iso', path: '/var/lib/libvirt/images/debian-12.iso', sizeBytes: 628 * 1024 ** 2 },
      { pool: 'default', name: 'My Install Disc.ISO', path: '/var/lib/libvirt/images/My Install Disc.ISO', sizeBytes: Math.round(4.7 * 1024 ** 3) },
      { pool: 'default', name: 'tiny.iso', path: '/var/lib/libvirt/images/tiny.iso', sizeBytes: 775 },
    ]);
  });
});
