import { useCallback, useEffect, useRef, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';
import type { SnapshotTree, VmEventBody } from '../../../src-shared/contract/index.js';
import { snapshotTreeStore, type SnapshotTreeView } from './snapshot-tree-store.js';

export type SnapshotJob = Extract<VmEventBody, { type: 'vm.job' }>;

export interface SnapshotsState {
  tree: SnapshotTree | null;
  /** Why the tree could not be read (a sentence). */
  error: string | null;
  /** The snapshot job running now (from vm.job events), or null. */
  job: SnapshotJob | null;
  /** Fetches the tree again. */
  reload: () => void;
  /**
   * Runs a take/restore/delete/rename and puts the tree of the engine's reply in place for every view of this VM,
   * without a `snapshot.list` round trip for the `vm.snapshots` event the change causes.
   */
  change: <R extends { tree: SnapshotTree }>(call: () => Promise<R>) => Promise<R>;
}

const EMPTY: SnapshotTreeView = { tree: null, error: null };

/**
 * One VM's snapshot tree (shared with the VM's other views: `snapshot-tree-store.ts`), and the progress of its
 * snapshot jobs (`vm.job`). `onJobFailed` hears failures of jobs nobody awaits (e.g. a RAM state resumed on start).
 */
export function useSnapshots(api: HangarApi, vmId: string | null, onJobFailed?: (job: SnapshotJob) => void): SnapshotsState {
  const [view, setView] = useState<SnapshotTreeView>(EMPTY);
  const [job, setJob] = useState<SnapshotJob | null>(null);
  const failed = useRef(onJobFailed);
  failed.current = onJobFailed;

  useEffect(() => {
    setJob(null);
    if (vmId === null) {
      setView(EMPTY);
      return;
    }
    const store = snapshotTreeStore(api, vmId);
    const unsubscribe = store.subscribe(setView);
    setView(store.current);
    const off = api.onEvent((e) => {
      // Only snapshot jobs: disk, clone and archive jobs show in the library's jobs indicator.
      if (!('vmId' in e) || e.vmId !== vmId || e.type !== 'vm.job' || !e.kind.startsWith('snapshot-')) return;
      const { vmId: _id, seq: _seq, ...body } = e;
      setJob((current) => {
        if (body.status === 'running') return body;
        return current?.jobId === body.jobId || current === null ? null : current;
      });
      if (body.status === 'failed') failed.current?.(body);
    });
    return () => {
      off();
      unsubscribe();
    };
  }, [api, vmId]);

  const reload = useCallback(() => {
    if (vmId !== null) snapshotTreeStore(api, vmId).fetch();
  }, [api, vmId]);
  const change = useCallback(
    <R extends { tree: SnapshotTree }>(call: () => Promise<R>): Promise<R> => (vmId === null ? call() : snapshotTreeStore(api, vmId).change(call)),
    [api, vmId],
  );

  return { tree: view.tree, error: view.error, job, reload, change };
}

const thumbCache = new Map<string, Promise<string | null>>();

/** The snapshot's screenshot as a data: URL (fetched once per snapshot and session), or null. */
export function loadThumbnail(api: HangarApi, vmId: string, snapshotId: string): Promise<string | null> {
  const key = `${vmId}/${snapshotId}`;
  let p = thumbCache.get(key);
  if (!p) {
    p = api.call('snapshot.thumbnail', { vm: vmId, snapshot: snapshotId }).then(
      (r) => `data:image/png;base64,${r.pngBase64}`,
      () => {
        thumbCache.delete(key); // missing now; may be retried later
        return null;
      },
    );
    thumbCache.set(key, p);
  }
  return p;
}

/** For tests: forget cached thumbnails. */
export function clearThumbnailCache(): void {
  thumbCache.clear();
}
