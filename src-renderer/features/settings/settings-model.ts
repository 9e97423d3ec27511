import { validateVmDocument, VmDocumentError, diffVmDocuments, type VmDocument, type VmPatch } from '../../../src-shared/vm-document/index.js';
import { canEditHardware, type VmRunState } from '../../../src-shared/vm-state.js';
import type { HostSummary } from '../../../src-shared/contract/index.js';
import type { PerVmField } from '../../../src-shared/vm-document/field-table.js';
import type { SettingsPageId } from './settings-pages.js';

/** The reason shown on a field that cannot change now. */
export const LOCKED_WHILE_RUNNING = 'Shut the machine down to change this';

/**
 * Fields that may change while the machine runs. The engine applies a patch only to a machine with no
 * QEMU process (`vm.update` refuses otherwise), except a patch of these alone: the clipboard policy, which
 * the engine enforces on the relayed display (turning sharing on needs a run started with it on; the engine
 * says so otherwise).
 */
export const LIVE_FIELDS: ReadonlySet<string> = new Set<string>(['clipboard']);

export function lockReason(path: string, state: VmRunState): string | null {
  if (canEditHardware(state)) return null;
  const top = parsePath(path)[0];
  return LIVE_FIELDS.has(path) || (typeof top === 'string' && LIVE_FIELDS.has(top)) ? null : LOCKED_WHILE_RUNNING;
}

/** `network.forwards[0].hostPort` → ['network', 'forwards', 0, 'hostPort'] (the schema's issue path format). */
export function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

export function getIn(value: unknown, path: string): unknown {
  let node = value;
  for (const key of parsePath(path)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** An immutable update at `path`; the parents along it are copied, everything else is shared. */
export function setIn<T>(value: T, path: string, next: unknown): T {
  const keys = parsePath(path);
  const rec = (node: unknown, i: number): unknown => {
    if (i === keys.length) return next;
    const key = keys[i] as string | number;
    const child = typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[key] : undefined;
    if (Array.isArray(node)) {
      const copy = [...node];
      copy[key as number] = rec(child, i + 1);
      return copy;
    }
    return { ...(node as object), [key]: rec(child, i + 1) };
  };
  return rec(value, 0) as T;
}

/** Validation messages of a draft, keyed by the schema's field path (`cpu.count`, `disks[0].bus`...). */
export function draftIssues(draft: VmDocument): Record<string, string> {
  try {
    validateVmDocument(draft);
    return {};
  } catch (err) {
    if (!(err instanceof VmDocumentError)) throw err;
    const out: Record<string, string> = {};
    for (const issue of err.issues) if (!(issue.path in out)) out[issue.path] = issue.message;
    return out;
  }
}

/**
 * What the schema cannot know, checked as the user types: a name another machine of the library has (ignoring
 * case and surrounding spaces, like the wizard) and more memory than this host has.
 */
export function hostIssues(draft: VmDocument, ctx: { otherNames: ReadonlyArray<string>; host: HostSummary | null }): Record<string, string> {
  const out: Record<string, string> = {};
  const key = draft.name.trim().toLowerCase();
  const clash = key === '' ? undefined : ctx.otherNames.find((n) => n.trim().toLowerCase() === key);
  if (clash !== undefined) out['name'] = `There is already a machine named "${clash}"; choose another name`;
  if (ctx.host && Number.isFinite(draft.memoryMiB) && draft.memoryMiB > ctx.host.hostMemoryMiB) {
    out['memoryMiB'] = `More than this host has (${ctx.host.hostMemoryMiB} MiB)`;
  }
  return out;
}

/** Only the top-level sections that changed: what Apply sends as `vm.update`'s patch. */
export function settingsPatch(original: VmDocument, draft: VmDocument): VmPatch {
  return diffVmDocuments(original, draft);
}

/** The settings page that edits each document field; null: no page does (Hangar's own bookkeeping). */
export const PAGE_OF: PerVmField<SettingsPageId | null> = {
  schemaVersion: null, id: null, createdAt: null, updatedAt: null,
  name: 'general', description: 'general', osId: 'general',
  arch: 'system', machine: 'system', firmware: 'system', cpu: 'system', memoryMiB: 'system',
  disks: 'storage', cdroms: 'storage', bootOrder: 'storage',
  network: 'network',
  display: 'display', input: 'display', audio: 'display', clipboard: 'display', guestAgent: 'display',
  usb: 'usb',
  shares: 'shares',
  extraArgs: 'advanced',
};

export function pageOfPath(path: string): SettingsPageId {
  const top = parsePath(path)[0];
  return (typeof top === 'string' && Object.hasOwn(PAGE_OF, top) && PAGE_OF[top as keyof VmDocument]) || 'general';
}

/** The next free device id with the given prefix (`disk1`, `cd1`...). */
export function nextDeviceId(doc: VmDocument, prefix: string): string {
  const used = new Set([...doc.disks.map((d) => d.id), ...doc.cdroms.map((c) => c.id)]);
  for (let i = 0; ; i++) if (!used.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/** argv as one readable line, quoting what a shell would need quoted (for display and copying only). */
export function formatArgv(argv: ReadonlyArray<string>): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
