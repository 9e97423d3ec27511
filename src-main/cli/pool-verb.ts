import { resolve } from 'node:path';
import { EngineError, type EngineClient } from '../../src-shared/contract/index.js';
import { formatBytes } from '../engine/disks/disk-rules.js';
import { EXIT } from './exit-codes.js';

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
      const jobId = `upload-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      let shown = false;
      const off = c.onEvent((e) => {
        if (e.type === 'vm.job' && e.jobId === jobId && e.status === 'running' && e.percent !== undefined) {
          shown = true;
          err(`\rUploading ${e.percent}%${e.bytesPerSecond ? `  ${formatBytes(e.bytesPerSecond)}/s` : ''}   `);
        }
      });
      // Ctrl+C cancels: the engine stops the upload and deletes the half-written volume (the call then fails saying so).
      const onSigint = (): void => void c.call('job.cancel', { jobId }).catch(() => undefined);
      process.on('SIGINT', onSigint);
      try {
        const pool = typeof v['pool'] === 'string' ? v['pool'] : undefined;
        const name = typeof v['name'] === 'string' ? v['name'] : undefined;
        const r = await c.call('pool.upload', { path: resolve(file), jobId, ...(pool ? { pool } : {}), ...(name !== undefined ? { name } : {}) });
        if (shown) err(`\rUploading 100%${' '.repeat(20)}\n`);
        out(`${r.path}\n`);
        return EXIT.ok;
      } catch (e) {
        if (shown) err('\n');
        throw e;
      } finally {
        process.off('SIGINT', onSigint);
        off();
      }
    }
    default:
      throw new EngineError('invalid-args', `hangar pool needs list or upload (got "${action}")`);
  }
}
