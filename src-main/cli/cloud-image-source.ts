// `--cloud-image (PATH | CATALOG-ID)`: a file, or a catalog cloud image, which the engine's download service
// fetches and verifies into the Installation media folder first (or finds there, already verified).
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EngineError } from '../../src-shared/contract/index.js';
import { findDownloadEntry } from '../../src-shared/os-downloads/index.js';

const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/**
 * The absolute path of the image `given` names, and the catalog entry's OS id when it was one. `download`
 * gets a catalog id's verified file (`download.start`: a file already verified as that entry is used as it is).
 */
export async function resolveCloudImage(given: string, download: (id: string) => Promise<string>): Promise<{ path: string; osId?: string }> {
  const asPath = resolve(given);
  // A path wins (a file named like an id in the current folder is what the person meant).
  if (given.includes('/') || (await isFile(asPath))) return { path: asPath };
  const entry = findDownloadEntry(given);
  if (!entry) throw new EngineError('not-found', `cloud image not found: ${asPath} (and "${given}" is no catalog id; hangar os list shows them)`, { field: 'cloudImage' });
  if (entry.kind !== 'cloud-image') throw new EngineError('invalid-args', `"${given}" is an installer ISO, not a cloud image; give it with --iso`, { field: 'cloudImage' });
  return { path: await download(entry.id), osId: entry.osId };
}
