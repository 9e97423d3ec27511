// `--cloud-image (PATH | CATALOG-ID)`: a file, or a catalog cloud image already in the Installation media folder.
// Until the download service lands (xi-download's ensureDownloaded), an id that is not downloaded yet fails
// naming `hangar download ID`; this one file is what gets rewired then.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EngineError } from '../../src-shared/contract/index.js';
import { findDownloadEntry } from '../../src-shared/os-downloads/index.js';

/** Where downloads land: HANGAR_MEDIA_DIR, or `Installation media` in the library (placeholder until the download service names it). */
export function installationMediaDir(libraryDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env['HANGAR_MEDIA_DIR'] || join(libraryDir, 'Installation media');
}

const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/** The absolute path of the image `given` names, and the catalog entry's OS id when it was one. */
export async function resolveCloudImage(given: string, libraryDir: string, env: NodeJS.ProcessEnv = process.env): Promise<{ path: string; osId?: string }> {
  const asPath = resolve(given);
  // A path wins (a file named like an id in the current folder is what the person meant).
  if (given.includes('/') || (await isFile(asPath))) return { path: asPath };
  const entry = findDownloadEntry(given);
  if (!entry) throw new EngineError('not-found', `cloud image not found: ${asPath} (and "${given}" is no catalog id; hangar os list shows them)`, { field: 'cloudImage' });
  if (entry.kind !== 'cloud-image') throw new EngineError('invalid-args', `"${given}" is an installer ISO, not a cloud image; give it with --iso`, { field: 'cloudImage' });
  const path = join(installationMediaDir(libraryDir, env), entry.fileName);
  if (!(await isFile(path))) {
    throw new EngineError('not-found', `${entry.name} is not downloaded yet (no ${path}); run: hangar download ${entry.id}`, { field: 'cloudImage', path });
  }
  return { path, osId: entry.osId };
}
