import { basename, resolve } from 'node:path';
import { EngineError, type EngineClient } from '../../src-shared/contract/index.js';
import type { VmDocument, VmShare } from '../../src-shared/vm-document/index.js';
import { guestShareCommand, shareMethodOf, shareMethodProblem } from '../../src-shared/shares/index.js';

const ACTIONS = ['list', 'add', 'remove'] as const;

/** A share name from a folder's name: the schema's alphabet, other characters as "-", at most 31. */
export function defaultShareName(dir: string): string {
  const name = basename(resolve(dir)).replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+/, '').slice(0, 31);
  return name === '' ? 'share' : name;
}

/** One line per share: name, folder, access, and what to type in the guest. */
export function formatShares(doc: Pick<VmDocument, 'osId' | 'shares'>): string {
  if (doc.shares.length === 0) return 'No shared folders.\n';
  const method = shareMethodOf(doc);
  return doc.shares
    .map((s) => `${s.name}  ${s.path}  (${s.readOnly ? 'read-only' : 'read-write'}, ${method === 'smb' ? 'SMB' : '9p'})\n  in the guest: ${guestShareCommand(method, s)}\n`)
    .join('');
}

/** `hangar info`'s lines for the shares. */
export function shareInfoLines(doc: Pick<VmDocument, 'osId' | 'shares'>): Array<[string, string]> {
  const method = shareMethodOf(doc);
  return doc.shares.map((s) => [`Share ${s.name}`, `${s.path}${s.readOnly ? ' (read-only)' : ''}; in the guest: ${guestShareCommand(method, s)}`]);
}

/** `hangar share list|add|remove VM ...`; returns the exit code. Changes go through vm.update, like the settings dialog. */
export async function shareVerb(
  c: EngineClient,
  positionals: string[],
  v: Record<string, string | boolean | undefined>,
  out: (s: string) => void,
  cwd: string,
): Promise<number> {
  const [action, vm, arg, extra] = positionals as [string, string | undefined, string | undefined, string | undefined];
  if (!(ACTIONS as readonly string[]).includes(action)) throw new EngineError('invalid-args', `unknown share action "${action}" (${ACTIONS.join(', ')})`);
  if (!vm) throw new EngineError('invalid-args', `hangar share ${action} needs a VM`);
  if (extra !== undefined) throw new EngineError('invalid-args', `unexpected argument "${extra}"`);
  const { doc } = await c.call('vm.get', { vm });
  switch (action) {
    case 'list':
      if (arg !== undefined) throw new EngineError('invalid-args', `unexpected argument "${arg}"`);
      out(v['json'] === true ? `${JSON.stringify(doc.shares.map((s) => ({ ...s, method: shareMethodOf(doc), guestCommand: guestShareCommand(shareMethodOf(doc), s) })), null, 2)}\n` : formatShares(doc));
      return 0;
    case 'add': {
      if (arg === undefined) throw new EngineError('invalid-args', 'hangar share add needs a folder: hangar share add VM DIR [--name NAME] [--read-only]');
      const name = typeof v['name'] === 'string' ? v['name'] : defaultShareName(arg);
      if (doc.shares.some((s) => s.name === name)) throw new EngineError('invalid-args', `"${doc.name}" already has a shared folder named "${name}"; give another with --name`);
      const share: VmShare = { name, path: resolve(cwd, arg), readOnly: v['read-only'] === true };
      const r = await c.call('vm.update', { vm, patch: { shares: [...doc.shares, share] } });
      const added = r.doc.shares[r.doc.shares.length - 1]!;
      out(`Shared ${added.path} as "${added.name}"${added.readOnly ? ' (read-only)' : ''}; in the guest: ${guestShareCommand(shareMethodOf(r.doc), added)}\n`);
      const problem = shareMethodProblem(r.doc);
      if (problem) out(`Note: the machine will not start like this: ${problem}\n`);
      return 0;
    }
    case 'remove': {
      if (arg === undefined) throw new EngineError('invalid-args', 'hangar share remove needs the share\'s NAME (hangar share list VM shows them)');
      if (!doc.shares.some((s) => s.name === arg)) throw new EngineError('not-found', `"${doc.name}" has no shared folder named "${arg}" (it has: ${doc.shares.map((s) => s.name).join(', ') || 'none'})`);
      await c.call('vm.update', { vm, patch: { shares: doc.shares.filter((s) => s.name !== arg) } });
      return 0;
    }
  }
  return 0;
}
