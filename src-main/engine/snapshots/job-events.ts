import type { VmEventBody } from '../../../src-shared/contract/index.js';
import type { SnapshotJobKind } from './snapshot-words.js';

/** One snapshot operation as clients see it: `vm.job` running (with a percent), then concluded or failed. */
export interface JobEvents {
  readonly jobId: string;
  running(percent: number): void;
  failed(error: string): void;
  concluded(): void;
}

export function jobEvents(emit: (vmId: string, body: VmEventBody) => void, vmId: string, jobId: string, kind: SnapshotJobKind, snapshotId: string): JobEvents {
  return {
    jobId,
    running: (percent) => emit(vmId, { type: 'vm.job', jobId, kind, status: 'running', percent, snapshotId }),
    failed: (error) => emit(vmId, { type: 'vm.job', jobId, kind, status: 'failed', snapshotId, error }),
    concluded: () => emit(vmId, { type: 'vm.job', jobId, kind, status: 'concluded', percent: 100, snapshotId }),
  };
}
