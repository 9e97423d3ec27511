import type { SnapshotNodeInfo, SnapshotTree } from '../../../src-shared/contract/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';

/** The id of the synthetic "Current state" row (never a snapshot id: those are UUIDs). */
export const CURRENT_STATE_ID = '__current__';

export type TreeRow =
  | { kind: 'snapshot'; id: string; level: number; node: SnapshotNodeInfo; isCurrent: boolean }
  | { kind: 'current'; id: typeof CURRENT_STATE_ID; level: number };

/**
 * The tree as rows in display order (depth first, children by creation time), with the "Current state"
 * row as the last child of the current snapshot (at the root when there is none). Levels start at 1 (aria-level).
 */
export function treeRows(tree: SnapshotTree): TreeRow[] {
  const ids = new Set(tree.snapshots.map((s) => s.id));
  const children = new Map<string | null, SnapshotNodeInfo[]>();
  for (const s of tree.snapshots) {
    const parent = s.parentId !== null && ids.has(s.parentId) ? s.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  const currentId = tree.currentId !== null && ids.has(tree.currentId) ? tree.currentId : null;
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, level: number) => {
    for (const node of children.get(parent) ?? []) {
      if (seen.has(node.id)) continue; // defensive: a cycle in bad metadata must not hang the UI
      seen.add(node.id);
      rows.push({ kind: 'snapshot', id: node.id, level, node, isCurrent: node.id === currentId });
      walk(node.id, level + 1);
    }
    if (parent === currentId) rows.push({ kind: 'current', id: CURRENT_STATE_ID, level });
  };
  walk(null, 1);
  return rows;
}

/** "No snapshots", "1 snapshot, current: A", "3 snapshots, current: B". */
export function snapshotSummary(tree: SnapshotTree | null): string {
  if (!tree) return 'Loading snapshots…';
  const n = tree.snapshots.length;
  if (n === 0) return 'No snapshots';
  const current = tree.snapshots.find((s) => s.id === tree.currentId);
  return `${n} snapshot${n === 1 ? '' : 's'}${current ? `, current: ${current.name}` : ''}`;
}

/** Whether a snapshot can be taken now, whether RAM can be included, and the reason when not. */
export function takeAvailability(state: VmRunState): { canTake: boolean; ramPossible: boolean; reason: string | null } {
  switch (state.kind) {
    case 'running':
    case 'paused':
      return { canTake: true, ramPossible: true, reason: null };
    case 'stopped':
    case 'crashed':
      return { canTake: true, ramPossible: false, reason: 'The machine is powered off, so there is no RAM to include: the snapshot holds the disks only.' };
    default:
      return { canTake: false, ramPossible: false, reason: `Wait until the machine has finished ${state.kind === 'starting' ? 'starting' : state.kind === 'stopping' ? 'shutting down' : 'its current job'}.` };
  }
}

/** Why the node cannot be restored now, or null when it can. */
export function restoreBlocker(node: SnapshotNodeInfo, state: VmRunState): string | null {
  if (node.missing) return `"${node.name}" is missing from the disk image${(node.missingIn?.length ?? 0) > 1 ? 's' : ''}${node.missingIn?.length ? ` (${node.missingIn.join(', ')})` : ''}, so it cannot be restored. Delete it from the tree.`;
  const live = state.kind === 'running' || state.kind === 'paused';
  if (live && !node.withRam) return `"${node.name}" holds the disks only: shut the machine down to restore it.`;
  if (!live && state.kind !== 'stopped' && state.kind !== 'crashed') return 'Wait until the machine has finished what it is doing.';
  return null;
}

/** A name for a new snapshot that the tree does not use yet: "Snapshot 1", "Snapshot 2", … */
export function suggestName(tree: SnapshotTree | null): string {
  const names = new Set(tree?.snapshots.map((s) => s.name) ?? []);
  for (let i = (tree?.snapshots.length ?? 0) + 1; ; i++) if (!names.has(`Snapshot ${i}`)) return `Snapshot ${i}`;
}

/** Checks a typed snapshot name: null when fine, else the message to show under the field. */
export function validateName(name: string, tree: SnapshotTree | null, exceptId?: string): string | null {
  const t = name.trim();
  if (t === '') return 'Enter a name.';
  if (t.length > 200) return 'Use at most 200 characters.';
  if (tree?.snapshots.some((s) => s.name === t && s.id !== exceptId)) return `There is already a snapshot named "${t}".`;
  return null;
}
