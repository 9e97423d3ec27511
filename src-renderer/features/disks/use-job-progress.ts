import { useCallback, useEffect, useRef, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { newJobId } from './disk-model.js';

export interface JobProgress {
  /** The job running now (null: none), with its last percent (null until the first progress event). */
  running: { jobId: string; percent: number | null } | null;
  /** A fresh id for the next job; its `vm.job` events then move `running.percent`. */
  begin: (prefix: string) => string;
  end: () => void;
}

/**
 * Follows one job at a time by the id this window chose for it (so the first progress event is not missed),
 * for an inline progress bar; the toolbar's jobs indicator lists the same job with Cancel.
 */
export function useJobProgress(api: HangarApi): JobProgress {
  const [running, setRunning] = useState<JobProgress['running']>(null);
  const current = useRef<string | null>(null);
  useEffect(
    () =>
      api.onEvent((e) => {
        if (e.type !== 'vm.job' || e.jobId !== current.current) return;
        if (e.percent !== undefined) setRunning({ jobId: e.jobId, percent: e.percent });
      }),
    [api],
  );
  const begin = useCallback((prefix: string) => {
    const id = newJobId(prefix);
    current.current = id;
    setRunning({ jobId: id, percent: null });
    return id;
  }, []);
  const end = useCallback(() => {
    current.current = null;
    setRunning(null);
  }, []);
  return { running, begin, end };
}
