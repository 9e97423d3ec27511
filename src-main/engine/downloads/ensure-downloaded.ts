import type { FetchProgress } from './resumable-fetch.js';

/**
 * The one function other engine services call to get a catalog entry's file (xi-cloud's `--cloud-image
 * CATALOG-ID`): resolves with the path of the verified file in the Installation media folder, downloading
 * (resumably, as a `download` job) when it is not there yet; rejects with an EngineError when the download or
 * its verification fails (nothing unverified is ever returned). engine-services.ts hands it out as
 * `services.downloads.ensureDownloaded`.
 */
export type EnsureDownloaded = (entryId: string, options?: { onProgress?: (p: FetchProgress) => void; signal?: AbortSignal }) => Promise<string>;

export function ensureDownloadedFrom(service: { ensureDownloaded: EnsureDownloaded }): EnsureDownloaded {
  return (entryId, options) => service.ensureDownloaded(entryId, options);
}

export type { FetchProgress };
