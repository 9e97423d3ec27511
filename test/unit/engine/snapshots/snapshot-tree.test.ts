import { describe, expect, it } from 'vitest';
import {
  addSnapshot,
  emptySnapshotFile,
  findSnapshot,
  parseSnapshotFile,
  reconcile,
  removeSnapshot,
  serializeSnapshotFile,
  updateSnapshot,
  type ImageSnapshot,
  type SnapshotFile,
} from '../../../../src-main/engine/snapshots/snapshot-tree.js';
import { formatSnapshotTree } from '../../../../src-main/engine/snapshots/format-tree.js';

const node = (id: string, name = id.toUpperCase(), extra: Partial<Parameters<typeof addSnapshot>[1]> = {}) => ({
  id,
  tag: `tag-${id}`,
  name,
  description: '',
  createdAt: `2025-01-01T00:00:0${id.length}.000Z`,
  withRam: true,
  thumbnail: null,
  devices: ['disk0', 'pflash1'],
  ...extra,
});

/** a → b, a → c (branch after restoring a), c current. */
function sample(): SnapshotFile {
  let f = addSnapshot(emptySnapshotFile(), node('aaaa1111', 'A'));
  f = addSnapshot(f, node('bbbb2222', 'B'));
  f = { ...f, currentId: 'aaaa1111' };
  return addSnapshot(f, node('cccc3333', 'C'));
}

const snap = (name: string, vmStateSize = 1000): ImageSnapshot => ({ id: '1', name, vmStateSize, dateSec: 1_700_000_000 });

describe('snapshot tree', () => {
  it('adds under the current snapshot and makes the new one current', () => {
    const f = sample();
    expect(f.nodes.map((n) => [n.name, n.parentId])).toEqual([['A', null], ['B', 'aaaa1111'], ['C', 'aaaa1111']]);
    expect(f.currentId).toBe('cccc3333');
  });

  it('deleting a node moves its children to its parent and "current" up', () => {
    const f = removeSnapshot(sample(), 'aaaa1111');
    expect(f.nodes.map((n) => [n.name, n.parentId])).toEqual([['B', null], ['C', null]]);
    const g = removeSnapshot({ ...sample(), pendingRamRestore: 'tag-cccc3333' }, 'cccc3333');
    expect(g.currentId).toBe('aaaa1111');
    expect(g.pendingRamRestore).toBeNull();
    expect(removeSnapshot(sample(), 'nope')).toEqual(sample());
  });

  it('finds by id, tag, id prefix and name; reports unknown and ambiguous references', () => {
    const f = sample();
    expect(findSnapshot(f, 'cccc3333').name).toBe('C');
    expect(findSnapshot(f, 'tag-bbbb2222').name).toBe('B');
    expect(findSnapshot(f, 'bbbb').name).toBe('B');
    expect(findSnapshot(f, 'A').id).toBe('aaaa1111');
    expect(findSnapshot(f, 'a').id).toBe('aaaa1111'); // case-insensitive name when nothing else matches
    expect(() => findSnapshot(f, 'zzz')).toThrow(expect.objectContaining({ code: 'not-found' }));
    const dup = addSnapshot(f, node('dddd4444', 'A'));
    expect(() => findSnapshot(dup, 'A')).toThrow(expect.objectContaining({ code: 'ambiguous' }));
  });

  it('renames and describes (metadata only)', () => {
    const f = updateSnapshot(sample(), 'bbbb2222', { name: 'Before upgrade', description: 'clean' });
    expect(findSnapshot(f, 'bbbb2222')).toMatchObject({ name: 'Before upgrade', description: 'clean', tag: 'tag-bbbb2222' });
  });

  it('round-trips through JSON and repairs dangling references', () => {
    const f = sample();
    expect(parseSnapshotFile(serializeSnapshotFile(f), 'x')).toEqual(f);
    const broken = { ...f, currentId: 'gone', nodes: f.nodes.map((n) => (n.id === 'bbbb2222' ? { ...n, parentId: 'gone' } : n)) };
    const repaired = parseSnapshotFile(JSON.stringify(broken), 'x');
    expect(repaired.currentId).toBeNull();
    expect(findSnapshot(repaired, 'B').parentId).toBeNull();
    expect(() => parseSnapshotFile('{', '/b/snapshots.json')).toThrow(/snapshots\.json is not valid JSON/);
    expect(() => parseSnapshotFile('{"version":2}', '/b/snapshots.json')).toThrow(expect.objectContaining({ code: 'invalid-document' }));
  });

  it('reconciles: orphans adopted (parent null, name = tag, RAM device first), missing tags flagged', () => {
    const images = new Map<string, ImageSnapshot[]>([
      ['disk0', [snap('tag-aaaa1111'), snap('tag-cccc3333'), snap('stray', 0), snap('ram-orphan', 5000)]],
      ['pflash1', [snap('tag-aaaa1111', 0), snap('ram-orphan', 0)]],
    ]);
    let n = 0;
    const r = reconcile(sample(), images, () => `orphan-${++n}`);
    expect(r.adopted).toBe(2);
    const by = (name: string) => r.tree.snapshots.find((s) => s.name === name)!;
    expect(by('A')).toMatchObject({ vmStateSize: 1000 });
    expect(by('A').missing).toBeUndefined();
    expect(by('B')).toMatchObject({ missing: true, missingIn: ['disk0', 'pflash1'] });
    expect(by('C')).toMatchObject({ missing: true, missingIn: ['pflash1'] });
    expect(by('stray')).toMatchObject({ orphan: true, parentId: null, withRam: false, tag: 'stray', devices: ['disk0'] });
    expect(by('ram-orphan')).toMatchObject({ orphan: true, withRam: true, vmStateSize: 5000, devices: ['disk0', 'pflash1'] });
    // Adopted nodes are in the file to persist; a second pass adopts nothing.
    expect(reconcile(r.file, images).adopted).toBe(0);
    // A device that could not be read is not held against a node.
    expect(reconcile(sample(), new Map()).tree.snapshots.some((s) => s.missing)).toBe(false);
  });

  it('formats the tree with indentation, the current node and the "Current state" marker', () => {
    const text = formatSnapshotTree(reconcile(sample(), new Map()).tree);
    expect(text).toMatch(/^- A {2}\(RAM, 2025-01-01 00:00:08Z\) {2}aaaa1111\n {2}- B .*\n {2}\* C .* <- current\n {4}> Current state\n$/);
    expect(formatSnapshotTree({ snapshots: [], currentId: null, pendingRamRestore: null })).toBe('No snapshots.\n');
  });
});
