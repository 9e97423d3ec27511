import { EngineError, type EngineClient } from '../../src-shared/contract/index.js';
import { withJobProgress } from './job-progress.js';

/** How `hangar create --disk PATH` treats the image: `--copy`, `--convert`, or neither (use it in place). */
export function existingDiskModeOf(v: Record<string, string | boolean | undefined>): 'use' | 'copy' | 'convert' | undefined {
  const copy = v['copy'] === true;
  const convert = v['convert'] === true;
  if (copy && convert) throw new EngineError('invalid-args', 'give --copy or --convert, not both', { field: 'existingDiskMode' });
  if ((copy || convert) && v['disk'] === undefined) throw new EngineError('invalid-args', `--${copy ? 'copy' : 'convert'} goes with --disk PATH`, { field: 'existingDiskMode' });
  return copy ? 'copy' : convert ? 'convert' : undefined;
}

/** `hangar clone VM NEWNAME [--linked] [--json]`: prints the clone's id (progress on stderr); returns the exit code. */
export async function cloneVerb(c: EngineClient, positionals: string[], v: Record<string, string | boolean | undefined>, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [vm, name] = positionals as [string, string];
  const linked = v['linked'] === true;
  const r = await withJobProgress(c, err, { show: !linked }, (jobId) => c.call('vm.clone', { vm, name, jobId, ...(linked ? { linked: true } : {}) }));
  if (v['json'] === true) out(`${JSON.stringify({ id: r.id, name: r.doc.name, bundleDir: r.bundleDir, linked: r.linked, snapshotsCopied: r.snapshotsCopied }, null, 2)}\n`);
  else out(`${r.id}\n`);
  return 0;
}
