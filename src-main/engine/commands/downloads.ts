import type { DownloadService } from '../downloads/download-service.js';
import type { CommandSet } from './command-kit.js';

type DownloadCommand = 'download.catalog' | 'download.start' | 'download.pause' | 'download.resume' | 'download.updateCatalog' | 'download.folder' | 'download.clean';

/** OS downloads and the Installation media folder (downloads/). */
export function downloadCommands(downloads: DownloadService): CommandSet<DownloadCommand> {
  return {
    'download.catalog': async () => {
      const c = await downloads.catalog();
      return { version: c.version, source: c.source, entries: [...c.entries] };
    },
    'download.start': async (a) => downloads.download({ source: a.source, ...(a.sha256 ? { sha256: a.sha256 } : {}), ...(a.to ? { to: a.to } : {}), ...(a.jobId ? { jobId: a.jobId } : {}) }),
    'download.pause': async (a) => {
      downloads.pause(a.jobId);
      return { ok: true as const };
    },
    'download.resume': async (a) => downloads.resume(a.jobId),
    'download.updateCatalog': async () => {
      const c = await downloads.updateCatalog(AbortSignal.timeout(60_000));
      return { version: c.version, source: c.source, count: c.entries.length };
    },
    'download.folder': async () => downloads.folderInfo(),
    'download.clean': async () => downloads.clean(),
  };
}
