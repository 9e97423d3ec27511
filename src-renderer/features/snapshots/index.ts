export { SnapshotsPanel, type SnapshotsVm } from './snapshots-panel.js';
export { SnapshotsSection } from './snapshots-section.js';
export { CURRENT_STATE_ID, snapshotSummary, treeRows, type TreeRow } from './snapshot-model.js';
