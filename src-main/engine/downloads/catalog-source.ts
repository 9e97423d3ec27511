import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DOWNLOAD_CATALOG, DOWNLOAD_CATALOG_VERSION, type DownloadCatalogEntry } from '../../../src-shared/os-downloads/index.js';
import { catalogProblem, downloadCatalogSchema } from '../../../src-shared/os-downloads/entry-schema.js';

/** Where a catalog update is published (its origin is rewritten by the mirror, like every download). */
export const CATALOG_UPDATE_URL = 'https://hangar.invalid/os-downloads/catalog-v1.json';

export interface ActiveCatalog {
  version: number;
  source: 'built-in' | 'fetched';
  entries: ReadonlyArray<DownloadCatalogEntry>;
}

export const BUILT_IN: ActiveCatalog = { version: DOWNLOAD_CATALOG_VERSION, source: 'built-in', entries: DOWNLOAD_CATALOG };

export function fetchedCatalogPath(mediaDir: string): string {
  return join(dirname(mediaDir), 'download-catalog.json');
}

/** The fetched copy when it is valid and newer than the built-in one; otherwise the built-in copy (which always works). */
export async function loadActiveCatalog(mediaDir: string): Promise<ActiveCatalog> {
  try {
    const parsed = downloadCatalogSchema.safeParse(JSON.parse(await readFile(fetchedCatalogPath(mediaDir), 'utf8')));
    if (parsed.success && parsed.data.version > DOWNLOAD_CATALOG_VERSION) return { version: parsed.data.version, source: 'fetched', entries: parsed.data.entries };
  } catch {
    // Missing or unreadable: the built-in copy.
  }
  return BUILT_IN;
}

/** Checks a fetched catalog (zod, every entry's rules) and keeps it (temp file, rename); throws naming the first problem. */
export async function storeFetchedCatalog(mediaDir: string, text: string): Promise<ActiveCatalog> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the catalog update is not JSON');
  }
  const problem = catalogProblem(json);
  if (problem) throw new Error(`the catalog update is refused: ${problem}`);
  const c = downloadCatalogSchema.parse(json);
  if (c.version <= DOWNLOAD_CATALOG_VERSION) return BUILT_IN;
  const path = fetchedCatalogPath(mediaDir);
  await writeFile(`${path}.tmp`, JSON.stringify(c), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
  return { version: c.version, source: 'fetched', entries: c.entries };
}
