export { DiskTable, type DiskTableProps } from './disk-table.js';
export { formatBytes, parseGiB, stoppedReason, DISKS_LOCKED } from './disk-model.js';
export { useJobProgress, type JobProgress } from './use-job-progress.js';
