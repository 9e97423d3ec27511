import { resolve } from 'node:path';
import { EngineError, type CommandResult, type EngineClient } from '../../src-shared/contract/index.js';
import { formatBytes } from '../engine/disks/disk-rules.js';
import { EXIT } from './exit-codes.js';
import { withJobProgress } from './job-progress.js';

type Values = Record<string, string | boolean | undefined>;

/** `hangar os list|update|media|clean`: the download catalog and the Installation media folder. */
export async function osVerb(c: EngineClient, positionals: string[], v: Values, out: (s: string) => void): Promise<number> {
  const [sub] = positionals;
  switch (sub) {
    case 'list': {
      const cat = await c.call('download.catalog', {});
      if (v['json'] === true) {
        out(`${JSON.stringify(cat, null, 2)}\n`);
        return EXIT.ok;
      }
      const w = Math.max(2, ...cat.entries.map((e) => e.id.length));
      out(`${'ID'.padEnd(w)}  ${'KIND'.padEnd(11)}  ${'ARCH'.padEnd(7)}  ${'SIZE'.padStart(9)}  NAME\n`);
      for (const e of cat.entries) out(`${e.id.padEnd(w)}  ${e.kind.padEnd(11)}  ${e.arch.padEnd(7)}  ${formatBytes(e.sizeBytes).padStart(9)}  ${e.name}${e.unattended ? ` [unattended: ${e.unattended}]` : ''}\n`);
      out(`(catalog version ${cat.version}, ${cat.source})\n`);
      return EXIT.ok;
    }
    case 'update': {
      const r = await c.call('download.updateCatalog', {});
      out(`catalog version ${r.version} (${r.source}), ${r.count} entries\n`);
      return EXIT.ok;
    }
    case 'media': {
      const f = await c.call('download.folder', {});
      if (v['json'] === true) out(`${JSON.stringify(f, null, 2)}\n`);
      else {
        out(`${f.path}  ${formatBytes(f.bytes)}\n`);
        for (const x of f.files) out(`  ${x.name}  ${formatBytes(x.bytes)}${x.partial ? ' (partial)' : ''}\n`);
      }
      return EXIT.ok;
    }
    case 'clean': {
      const r = await c.call('download.clean', {});
      out(`removed ${r.removed} file${r.removed === 1 ? '' : 's'}, ${formatBytes(r.freedBytes)} freed\n`);
      for (const name of r.inUse) out(`kept ${name}: a machine uses it\n`);
      return EXIT.ok;
    }
    default:
      throw new EngineError('invalid-args', `hangar os needs list, update, media or clean (got "${sub}")`);
  }
}

/**
 * One download through the engine, with progress and speed on stderr; Ctrl+C pauses (the partial file stays; the
 * same command resumes it). Resolves to the engine's answer (the verified file's path).
 */
export async function fetchVerified(c: EngineClient, req: { source: string; sha256?: string; to?: string }, err: (s: string) => void): Promise<CommandResult<'download.start'>> {
  const r = await withJobProgress(c, err, { label: 'Downloading', rate: formatBytes, interrupt: 'pause', doneOnlyIfShown: true }, (jobId) =>
    c.call('download.start', { source: req.source, jobId, ...(req.sha256 ? { sha256: req.sha256 } : {}), ...(req.to ? { to: req.to } : {}) }),
  );
  if (r.note) err(`note: ${r.note}\n`);
  return r;
}

/** `hangar download (ID | URL) [--sha256 HEX] [--to DIR]`: prints the verified file's path. */
export async function downloadVerb(c: EngineClient, positionals: string[], v: Values, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [source] = positionals as [string];
  const sha256 = typeof v['sha256'] === 'string' ? v['sha256'] : undefined;
  const to = typeof v['to'] === 'string' ? resolve(v['to']) : undefined;
  const r = await fetchVerified(c, { source, ...(sha256 ? { sha256 } : {}), ...(to ? { to } : {}) }, err);
  out(`${r.path}\n`);
  return EXIT.ok;
}
