import { describe, expect, it } from 'vitest';
import type { SnapshotNodeInfo, SnapshotTree } from '../../../../src-shared/contract/index.js';
import { CURRENT_STATE_ID, restoreBlocker, snapshotSummary, suggestName, takeAvailability, treeRows, validateName } from '../../../../src-renderer/features/snapshots/snapshot-model.js';

const node = (id: string, name: string, parentId: string | null, minute: number, extra: Partial<SnapshotNodeInfo> = {}): SnapshotNodeInfo => ({
  id, tag: id, name, description: '', createdAt: `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`, parentId, withRam: true, thumbnail: null, devices: ['disk0'], ...extra,
});
const tree = (snapshots: SnapshotNodeInfo[], currentId: string | null): SnapshotTree => ({ snapshots, currentId, pendingRamRestore: null });
const shape = (t: SnapshotTree) => treeRows(t).map((r) => `${'  '.repeat(r.level - 1)}${r.kind === 'current' ? 'NOW' : r.node.name}`);

describe('treeRows', () => {
  it('puts "Current state" at the root when there is no snapshot', () => {
    expect(treeRows(tree([], null))).toEqual([{ kind: 'current', id: CURRENT_STATE_ID, level: 1 }]);
  });

  it('puts "Current state" as the last child of the current snapshot, children by creation time', () => {
    const t = tree([node('c', 'C', 'a', 3), node('a', 'A', null, 1), node('b', 'B', 'a', 2), node('d', 'D', 'b', 4)], 'b');
    expect(shape(t)).toEqual(['A', '  B', '    D', '    NOW', '  C']);
    expect(treeRows(t).filter((r) => r.kind === 'snapshot' && r.isCurrent).map((r) => r.id)).toEqual(['b']);
  });

  it('treats an unknown parent or current id as the root, and survives a parent cycle', () => {
    expect(shape(tree([node('a', 'A', 'gone', 1)], 'gone'))).toEqual(['A', 'NOW']);
    expect(shape(tree([node('a', 'A', 'b', 1), node('b', 'B', 'a', 2)], null))).toEqual(['NOW']);
  });
});

describe('helpers', () => {
  it('summarises the tree', () => {
    expect(snapshotSummary(null)).toBe('Loading snapshots…');
    expect(snapshotSummary(tree([], null))).toBe('No snapshots');
    expect(snapshotSummary(tree([node('a', 'A', null, 1)], 'a'))).toBe('1 snapshot, current: A');
    expect(snapshotSummary(tree([node('a', 'A', null, 1), node('b', 'B', 'a', 2)], 'a'))).toBe('2 snapshots, current: A');
  });

  it('offers RAM only while the machine runs, and no take while it changes state', () => {
    expect(takeAvailability({ kind: 'running' })).toMatchObject({ canTake: true, ramPossible: true });
    expect(takeAvailability({ kind: 'paused' })).toMatchObject({ canTake: true, ramPossible: true });
    expect(takeAvailability({ kind: 'stopped' })).toMatchObject({ canTake: true, ramPossible: false, reason: expect.stringContaining('powered off') });
    expect(takeAvailability({ kind: 'starting' }).canTake).toBe(false);
  });

  it('explains why a node cannot be restored', () => {
    expect(restoreBlocker(node('a', 'A', null, 1), { kind: 'running' })).toBeNull();
    expect(restoreBlocker(node('a', 'A', null, 1, { withRam: false }), { kind: 'running' })).toContain('shut the machine down');
    expect(restoreBlocker(node('a', 'A', null, 1, { withRam: false }), { kind: 'stopped' })).toBeNull();
    expect(restoreBlocker(node('a', 'A', null, 1, { missing: true, missingIn: ['disk0'] }), { kind: 'stopped' })).toContain('missing');
  });

  it('validates and suggests names', () => {
    const t = tree([node('a', 'Snapshot 1', null, 1)], 'a');
    expect(validateName('  ', t)).toBe('Enter a name.');
    expect(validateName('Snapshot 1', t)).toContain('already');
    expect(validateName('Snapshot 1', t, 'a')).toBeNull();
    expect(validateName('x'.repeat(201), t)).toContain('200');
    expect(suggestName(t)).toBe('Snapshot 2');
    expect(suggestName(null)).toBe('Snapshot 1');
  });
});
