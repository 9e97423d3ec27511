import type { DownloadCatalogEntry } from './types.js';

/**
 * The built-in catalog of OS downloads. Versioned with the app; a newer copy may be fetched, but this one
 * always works. Entries point at the distributions' own servers and their own checksum files.
 */
export const DOWNLOAD_CATALOG_VERSION = 1;

export const DOWNLOAD_CATALOG: ReadonlyArray<DownloadCatalogEntry> = [
  {
    id: 'debian-12-cloud-amd64',
    name: 'Debian 12 (cloud image)',
    osId: 'debian12',
    version: '12',
    arch: 'x86_64',
    kind: 'cloud-image',
    url: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2',
    fileName: 'debian-12-generic-amd64.qcow2',
    format: 'qcow2',
    sizeBytes: 430_000_000,
    verify: {
      algorithm: 'sha512',
      checksumUrl: 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS',
    },
  },
];

export function findDownloadEntry(id: string): DownloadCatalogEntry | undefined {
  return DOWNLOAD_CATALOG.find((e) => e.id === id);
}
