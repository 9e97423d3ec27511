import { describe, expect, it } from 'vitest';
import { documentHostPaths } from '../../../src-shared/vm-document/host-paths.js';

describe('the host paths a machine document names', () => {
  it('lists disks with their cloud base images, inserted media, USB stick images and shared folders; empty drives are left out', () => {
    const doc = {
      disks: [{ path: 'disks/disk0.qcow2', baseImage: '/media/debian-12.qcow2' }, { path: '/srv/data.raw' }],
      cdroms: [{ path: 'disks/cidata.iso' }, { path: null }],
      usb: { images: [{ path: '/home/u/stick.img' }], rules: [] },
      shares: [{ path: '/home/u/docs' }],
    } as unknown as Parameters<typeof documentHostPaths>[0];
    expect(documentHostPaths(doc)).toEqual(['disks/disk0.qcow2', '/media/debian-12.qcow2', '/srv/data.raw', 'disks/cidata.iso', '/home/u/stick.img', '/home/u/docs']);
  });
});
