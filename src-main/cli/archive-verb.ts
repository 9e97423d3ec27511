import { resolve } from 'node:path';
import { EngineError, type EngineClient } from '../../src-shared/contract/index.js';
import { formatBytes } from '../engine/disks/disk-rules.js';
import { EXIT } from './exit-codes.js';
import { withJobProgress } from './job-progress.js';

/** `hangar export VM FILE [--overwrite]`: the machine's bundle as one .tar.gz (or .tar) archive. */
export async function exportVerb(c: EngineClient, positionals: string[], v: Record<string, string | boolean | undefined>, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [vm, file] = positionals;
  if (!vm || !file) throw new EngineError('invalid-args', 'hangar export needs a VM and a FILE');
  const r = await withJobProgress(c, err, { label: 'Exporting' }, (jobId) => c.call('vm.export', { vm, path: resolve(file), jobId, ...(v['overwrite'] === true ? { overwrite: true } : {}) }));
  out(`${r.path} (${formatBytes(r.bytes)})\n`);
  return EXIT.ok;
}

/** `hangar import FILE [--name NAME] [--json]`: adds the machine in an archive made by `hangar export`; prints its id. */
export async function importVerb(c: EngineClient, positionals: string[], v: Record<string, string | boolean | undefined>, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [file] = positionals;
  if (!file) throw new EngineError('invalid-args', 'hangar import needs a FILE');
  const name = typeof v['name'] === 'string' ? v['name'] : undefined;
  const r = await withJobProgress(c, err, { label: 'Importing' }, (jobId) => c.call('vm.import', { path: resolve(file), jobId, ...(name !== undefined ? { name } : {}) }));
  if (v['json'] === true) out(`${JSON.stringify({ id: r.id, name: r.doc.name, bundleDir: r.bundleDir, newId: r.newId, warnings: r.warnings })}\n`);
  else {
    for (const w of r.warnings) err(`note: ${w}\n`);
    if (r.newId) err(`note: a machine with the archive's id is already in the library; "${r.doc.name}" got a new id\n`);
    out(`${r.id}\n`);
  }
  return EXIT.ok;
}
