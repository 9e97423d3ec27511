import { EngineError, type EngineClient } from '../../src-shared/contract/index.js';
import { formatSnapshotTree } from '../engine/snapshots/format-tree.js';

const ACTIONS = ['list', 'take', 'restore', 'delete', 'rename'] as const;

/** `hangar snapshot list|take|restore|delete|rename VM [NAME]`; returns the exit code. */
export async function snapshotVerb(
  c: EngineClient,
  positionals: string[],
  v: Record<string, string | boolean | undefined>,
  out: (s: string) => void,
): Promise<number> {
  const [action, vm, name] = positionals as [string, string, string | undefined];
  if (!(ACTIONS as readonly string[]).includes(action)) throw new EngineError('invalid-args', `unknown snapshot action "${action}" (${ACTIONS.join(', ')})`);
  const needName = (): string => {
    if (name === undefined) throw new EngineError('invalid-args', `hangar snapshot ${action} needs a snapshot NAME (or id)`);
    return name;
  };
  const description = v['description'] as string | undefined;
  switch (action) {
    case 'list': {
      const tree = await c.call('snapshot.list', { vm });
      out(v['json'] ? `${JSON.stringify(tree, null, 2)}\n` : formatSnapshotTree(tree));
      return 0;
    }
    case 'take': {
      const r = await c.call('snapshot.take', { vm, name: needName(), ...(description !== undefined ? { description } : {}), ...(v['no-ram'] ? { withRam: false } : {}) });
      out(v['json'] ? `${JSON.stringify(r.snapshot, null, 2)}\n` : `${r.snapshot.id}\n`);
      return 0;
    }
    case 'restore': {
      const r = await c.call('snapshot.restore', { vm, snapshot: needName() });
      if (v['json']) out(`${JSON.stringify({ snapshot: r.snapshot, state: r.state, pendingRamRestore: r.pendingRamRestore }, null, 2)}\n`);
      else if (r.pendingRamRestore) out(`Restored the disks of "${r.snapshot.name}"; its running state resumes on the next start.\n`);
      else out(`Restored "${r.snapshot.name}" (${r.state.kind}).\n`);
      return 0;
    }
    case 'delete':
      await c.call('snapshot.delete', { vm, snapshot: needName() });
      return 0;
    case 'rename': {
      const newName = v['name'] as string | undefined;
      if (newName === undefined && description === undefined) throw new EngineError('invalid-args', 'give --name NEW and/or --description TEXT');
      await c.call('snapshot.rename', { vm, snapshot: needName(), ...(newName !== undefined ? { name: newName } : {}), ...(description !== undefined ? { description } : {}) });
      return 0;
    }
    default:
      throw new EngineError('invalid-args', `unknown snapshot action "${action}"`);
  }
}
