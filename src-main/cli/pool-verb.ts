import { resolve } from 'node:path';
import { EngineError, type EngineClient } from '../../src-shared/contract/index.js';
import { formatBytes } from '../engine/disks/disk-rules.js';
import { EXIT } from './exit-codes.js';
import { withJobProgress } from './job-progress.js';

type Values = Record<string, string | boolean | undefined>;

/** `hangar --connection NAME pool list|upload FILE [--pool P] [--name N]`: a libvirt connection's storage pools. */
export async function poolVerb(c: EngineClient, positionals: string[], v: Values, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [action, file] = positionals;
  switch (action) {
    case 'list': {
      const { isos } = await c.call('media.poolIsos', {});
      if (v['json'] === true) out(`${JSON.stringify(isos, null, 2)}\n`);
      else {
        const pw = Math.max(4, ...isos.map((i) => i.pool.length));
        const nw = Math.max(4, ...isos.map((i) => i.name.length));
        out(`${'POOL'.padEnd(pw)}  ${'NAME'.padEnd(nw)}  ${'SIZE'.padStart(9)}  PATH\n`);
        for (const i of isos) out(`${i.pool.padEnd(pw)}  ${i.name.padEnd(nw)}  ${formatBytes(i.sizeBytes).padStart(9)}  ${i.path}\n`);
      }
      return EXIT.ok;
    }
    case 'upload': {
      if (!file) throw new EngineError('invalid-args', 'hangar pool upload needs a FILE (an ISO on this computer)');
      const pool = typeof v['pool'] === 'string' ? v['pool'] : undefined;
      const name = typeof v['name'] === 'string' ? v['name'] : undefined;
      // Ctrl+C cancels: the engine stops the upload and deletes the half-written volume (the call then fails saying so).
      const r = await withJobProgress(c, err, { label: 'Uploading', rate: formatBytes, doneOnlyIfShown: true }, (jobId) =>
        c.call('pool.upload', { path: resolve(file), jobId, ...(pool ? { pool } : {}), ...(name !== undefined ? { name } : {}) }),
      );
      out(`${r.path}\n`);
      return EXIT.ok;
    }
    default:
      throw new EngineError('invalid-args', `hangar pool needs list or upload (got "${action}")`);
  }
}
