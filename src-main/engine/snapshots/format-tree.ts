import type { SnapshotNodeInfo, SnapshotTree } from '../../../src-shared/contract/index.js';

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

function line(n: SnapshotNodeInfo, current: boolean): string {
  const facts = [n.withRam ? `RAM${n.vmStateSize ? ` ${size(n.vmStateSize)}` : ''}` : 'disks only', n.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')];
  if (n.missing) facts.push(`MISSING from ${n.missingIn?.join(', ')}`);
  if (n.orphan) facts.push('found in the images');
  return `${n.name}  (${facts.join(', ')})  ${n.id}${current ? '  <- current' : ''}`;
}

/**
 * The tree as indented text, children in creation order; "Current state" hangs under the current
 * snapshot, as in VirtualBox.
 */
export function formatSnapshotTree(tree: SnapshotTree): string {
  if (tree.snapshots.length === 0) return 'No snapshots.\n';
  const ids = new Set(tree.snapshots.map((n) => n.id));
  const children = new Map<string | null, SnapshotNodeInfo[]>();
  for (const n of tree.snapshots) {
    const parent = n.parentId !== null && ids.has(n.parentId) ? n.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  for (const list of children.values()) list.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const out: string[] = [];
  const walk = (parent: string | null, depth: number): void => {
    for (const n of children.get(parent) ?? []) {
      const current = n.id === tree.currentId;
      out.push(`${'  '.repeat(depth)}${current ? '*' : '-'} ${line(n, current)}`);
      walk(n.id, depth + 1);
      if (current) out.push(`${'  '.repeat(depth + 1)}> Current state${tree.pendingRamRestore ? ' (RAM resumes on the next start)' : ''}`);
    }
  };
  walk(null, 0);
  if (tree.currentId === null) out.push('> Current state (not based on a snapshot)');
  return `${out.join('\n')}\n`;
}
