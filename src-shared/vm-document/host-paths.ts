import type { VmDocument } from './schema.js';

/**
 * Every path on the host a machine's document names, as written (relative to its bundle, or absolute): disks and
 * their cloud base images, CD media, USB stick images and shared folders. One list for the places that must know
 * what a machine uses (the browser host's "already there" rule, cleaning the Installation media folder).
 */
export function documentHostPaths(doc: Pick<VmDocument, 'disks' | 'cdroms' | 'shares'> & { usb?: VmDocument['usb'] }): string[] {
  return [
    ...doc.disks.flatMap((d) => [d.path, ...(d.baseImage !== undefined ? [d.baseImage] : [])]),
    ...doc.cdroms.flatMap((c) => (c.path === null ? [] : [c.path])),
    ...(doc.usb?.images ?? []).map((u) => u.path),
    ...doc.shares.map((s) => s.path),
  ];
}
