import { useCallback, useEffect, useRef, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';
import type { SnapshotTree, VmEventBody } from '../../../src-shared/contract/index.js';
import { describeError } from '../../state/errors.js';

export type SnapshotJob = Extract<VmEventBody, { type: 'vm.job' }>;

export interface SnapshotsState {
  tree: SnapshotTree | null;
  /** Why the tree could not be read (a sentence). */
  error: string | null;
  /** The snapshot job running now (from vm.job events), or null. */
  job: SnapshotJob | null;
  /** Fetches the tree again. */
  reload: () => void;
  /** Puts a tree the engine just returned (take/restore/delete/rename answers) in place without a round trip. */
  accept: (tree: SnapshotTree) => void;
}

/**
 * One VM's snapshot tree, refetched when the engine says it changed (`vm.snapshots`), and the progress of
 * its snapshot jobs (`vm.job`). `onJobFailed` hears failures of jobs nobody awaits (e.g. a RAM state
 * resumed on start).
 */
export function useSnapshots(api: HangarApi, vmId: string | null, onJobFailed?: (job: SnapshotJob) => void): SnapshotsState {
  const [tree, setTree] = useState<SnapshotTree | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [job, setJob] = useState<SnapshotJob | null>(null);
  const request = useRef(0);
  const failed = useRef(onJobFailed);
  failed.current = onJobFailed;

  const fetchTree = useCallback(() => {
    if (vmId === null) return;
    const mine = ++request.current;
    api.call('snapshot.list', { vm: vmId }).then(
      (t) => {
        if (mine !== request.current) return;
        setTree(t);
        setError(null);
      },
      (err: unknown) => {
        if (mine === request.current) setError(describeError(err, 'read the snapshots'));
      },
    );
  }, [api, vmId]);

  useEffect(() => {
    setTree(null);
    setError(null);
    setJob(null);
    if (vmId === null) return;
    fetchTree();
    const off = api.onEvent((e) => {
      if (!('vmId' in e) || e.vmId !== vmId) return;
      if (e.type === 'vm.snapshots') fetchTree();
      else if (e.type === 'vm.removed') setTree(null);
      // Only snapshot jobs: disk, clone and archive jobs show in the library's jobs indicator.
      else if (e.type === 'vm.job' && e.kind.startsWith('snapshot-')) {
        const { vmId: _id, seq: _seq, ...body } = e;
        setJob((current) => {
          if (body.status === 'running') return body;
          return current?.jobId === body.jobId || current === null ? null : current;
        });
        if (body.status === 'failed') failed.current?.(body);
      }
    });
    return () => {
      request.current++;
      off();
    };
  }, [api, vmId, fetchTree]);

  const accept = useCallback((t: SnapshotTree) => {
    request.current++; // an older list answer must not overwrite this one
    setTree(t);
    setError(null);
  }, []);

  return { tree, error, job, reload: fetchTree, accept };
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
