import type { LibraryVm } from '../../state/library-store.js';
import type { VmRunStateKind } from '../../../src-shared/vm-state.js';
import { osLabel, stateRank } from './vm-labels.js';

export type SortKey = 'name' | 'state' | 'lastChanged';
export type StateFilter = 'all' | 'active' | VmRunStateKind;

export interface ListQuery {
  text: string;
  sort: SortKey;
  state: StateFilter;
  /** Only machines with this tag (absent: any). */
  tag?: string;
}

export const DEFAULT_QUERY: ListQuery = { text: '', sort: 'name', state: 'all' };

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function matchesState(vm: LibraryVm, filter: StateFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'active') return vm.state.kind !== 'stopped' && vm.state.kind !== 'crashed';
  return vm.state.kind === filter;
}

/** Every tag used in the library, sorted (the "Show" filter offers them). */
export function allTags(vms: ReadonlyArray<LibraryVm>): string[] {
  const tags = new Set<string>();
  for (const vm of vms) for (const t of vm.tags ?? []) tags.add(t);
  return [...tags].sort((a, b) => collator.compare(a, b));
}

/**
 * The rows to show: filtered by text (name or OS, every word must match) and state, then sorted.
 * Pure and O(n log n): at 1,000 VMs a keystroke costs well under a millisecond here.
 */
export function visibleVms(vms: ReadonlyArray<LibraryVm>, query: ListQuery): ReadonlyArray<LibraryVm> {
  const words = query.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const rows = vms.filter((vm) => {
    if (!matchesState(vm, query.state)) return false;
    if (query.tag !== undefined && !(vm.tags ?? []).includes(query.tag)) return false;
    if (words.length === 0) return true;
    const hay = `${vm.name} ${osLabel(vm.osId)} ${vm.osId} ${(vm.tags ?? []).join(' ')}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const byName = (a: LibraryVm, b: LibraryVm) => collator.compare(a.name, b.name);
  switch (query.sort) {
    case 'name':
      return rows.sort(byName);
    case 'state':
      return rows.sort((a, b) => stateRank(a.state) - stateRank(b.state) || byName(a, b));
    case 'lastChanged':
      return rows.sort((a, b) => b.lastChanged - a.lastChanged || byName(a, b));
  }
}
