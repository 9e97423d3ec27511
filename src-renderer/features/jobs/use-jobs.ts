import { useCallback, useEffect, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { applyJobEvent, nextPruneAt, pruneJobs, type JobEntry } from './jobs-model.js';

export interface JobsState {
  jobs: ReadonlyArray<JobEntry>;
  /** Removes a finished job from the list now. */
  dismiss: (jobId: string) => void;
}

/**
 * Every long job of every VM from `vm.job` events (disk convert/compact, snapshots, clone, import/export...),
 * finished ones kept a while (see KEEP_*_MS) so their outcome can be read. Jobs that started before this
 * window opened appear with their next progress event.
 */
export function useJobs(api: HangarApi, now: () => number = Date.now): JobsState {
  const [jobs, setJobs] = useState<ReadonlyArray<JobEntry>>([]);
  useEffect(
    () =>
      api.onEvent((e) => {
        if (e.type === 'vm.job') setJobs((list) => applyJobEvent(pruneJobs(list, now()), e, now()));
      }),
    [api, now],
  );
  // One timer, for the next finished job that is due to go.
  useEffect(() => {
    const at = nextPruneAt(jobs);
    if (at === null) return;
    const timer = setTimeout(() => setJobs((list) => pruneJobs(list, now())), Math.max(0, at - now()) + 50);
    return () => clearTimeout(timer);
  }, [jobs, now]);
  const dismiss = useCallback((jobId: string) => setJobs((list) => list.filter((j) => j.jobId !== jobId)), []);
  return { jobs, dismiss };
}
