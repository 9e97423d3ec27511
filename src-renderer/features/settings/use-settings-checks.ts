import { useEffect, useMemo, useState } from 'react';
import type { HostSummary } from '../../../src-shared/contract/index.js';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';

/** `host.info` once per dialog (memory limit, machine types, CPU models); null until it answers or when it fails. */
export function useHostInfo(): HostSummary | null {
  const api = useApi();
  const [host, setHost] = useState<HostSummary | null>(null);
  useEffect(() => {
    let alive = true;
    api.call('host.info', {}).then(
      (h) => alive && setHost(h),
      () => undefined, // no host facts: the schema's checks still run
    );
    return () => {
      alive = false;
    };
  }, [api]);
  return host;
}

/** How long typing must pause before a typed ISO path is read (`iso.inspect` opens the file). */
export const ISO_CHECK_DELAY_MS = 500;

/**
 * ISO paths typed into the CD drives, checked with the engine's `iso.inspect` once typing pauses: a missing
 * file, one that is no ISO, or (browser host) one outside the allowed folders is flagged on its field at once,
 * keyed by the schema path (`cdroms[0].path`). Paths the saved document already has are not read again.
 */
export function useIsoChecks(draft: VmDocument | null, saved: VmDocument | null): Record<string, string> {
  const api = useApi();
  const [results, setResults] = useState<ReadonlyMap<string, string | null>>(new Map());
  const wanted = useMemo(() => {
    if (!draft) return [];
    const out: Array<{ key: string; path: string }> = [];
    draft.cdroms.forEach((cd, i) => {
      const path = cd.path?.trim() ?? '';
      const before = saved?.cdroms.find((c) => c.id === cd.id)?.path ?? null;
      if (path !== '' && path.startsWith('/') && path !== before) out.push({ key: `cdroms[${i}].path`, path });
    });
    return out;
  }, [draft, saved]);
  const pathsKey = wanted.map((w) => w.path).join('\n');
  useEffect(() => {
    const todo = [...new Set(wanted.map((w) => w.path))].filter((p) => !results.has(p));
    if (todo.length === 0) return;
    let alive = true;
    const timer = setTimeout(() => {
      for (const path of todo) {
        api.call('iso.inspect', { path }).then(
          () => alive && setResults((m) => new Map(m).set(path, null)),
          (err: unknown) => alive && setResults((m) => new Map(m).set(path, describeError(err, 'use this ISO image'))),
        );
      }
    }, ISO_CHECK_DELAY_MS);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
    // pathsKey: only when the typed paths change.
  }, [api, pathsKey]);
  return useMemo(() => {
    const out: Record<string, string> = {};
    for (const w of wanted) {
      const r = results.get(w.path);
      out[w.key] = r === undefined ? 'Checking the image…' : r ?? '';
      if (out[w.key] === '') delete out[w.key];
    }
    return out;
  }, [wanted, results]);
}
