import { isAbsolute } from 'node:path';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';

/** A document path split into its parts, or null when it leaves the bundle (absolute, or through `..`). */
export function bundleRelative(path: string): string | null {
  const rel = path.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  return isAbsolute(path) || rel.includes('..') ? null : rel.join('/');
}

/**
 * What a bundle from elsewhere (an archive, a folder added with vm.addExisting) brings from outside its own
 * folder: QEMU arguments of its author's choosing (they could read or write host files), disks and CD
 * images that are host files, and host folders shared with the guest. `inBundle(rel)` says whether a bundle-relative file is really there.
 */
export function foreignParts(doc: VmDocument, inBundle: (rel: string) => boolean): {
  extraArgs: string[];
  disks: Array<{ id: string; path: string }>;
  cdroms: Array<{ id: string; path: string }>;
  /** Shared folders are always host folders: the guest would read (or write) them. */
  shares: Array<{ name: string; path: string }>;
} {
  const outside = (path: string): boolean => {
    const rel = bundleRelative(path);
    return rel === null || !inBundle(rel);
  };
  return {
    extraArgs: [...doc.extraArgs],
    // An overlay on a cloud image reads that host file: foreign even when the overlay itself is in the bundle.
    disks: doc.disks.flatMap((d) => [...(outside(d.path) ? [{ id: d.id, path: d.path }] : []), ...(d.baseImage !== undefined ? [{ id: d.id, path: d.baseImage }] : [])]),
    cdroms: doc.cdroms.flatMap((c) => (c.path !== null && outside(c.path) ? [{ id: c.id, path: c.path }] : [])),
    shares: doc.shares.map((s) => ({ name: s.name, path: s.path })),
  };
}
