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

/** The search box's text: plain words (name, OS or tag contains each), and `tag:NAME` tokens (has that tag, any case). */
export function parseSearch(text: string): { words: string[]; tags: string[] } {
  const words: string[] = [];
  const tags: string[] = [];
  for (const w of text.trim().toLowerCase().split(/\s+/)) {
    if (w.startsWith('tag:') && w.length > 4) tags.push(w.slice(4));
    else if (w && w !== 'tag:') words.push(w);
  }
  return { words, tags };
}

/**
 * The rows to show: filtered by text (name, OS or tag, every word must match; `tag:x` must be one of its
 * tags), state and the tag filter, then sorted. Pure and O(n log n): at 1,000 VMs a keystroke costs well
 * under a millisecond here.
 */
export function visibleVms(vms: ReadonlyArray<LibraryVm>, query: ListQuery): ReadonlyArray<LibraryVm> {
  const { words, tags } = parseSearch(query.text);
  const rows = vms.filter((vm) => {
    if (!matchesState(vm, query.state)) return false;
    if (query.tag !== undefined && !(vm.tags ?? []).includes(query.tag)) return false;
    if (tags.length > 0 && !tags.every((t) => (vm.tags ?? []).some((own) => own.toLowerCase() === t))) return false;
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

/** A row of the machine list: a group header (grouped by tag) or a machine. */
export type ListItem =
  | { type: 'group'; key: string; label: string; count: number; collapsed: boolean }
  | {
      type: 'vm';
      /** Unique per row: a machine with two tags has a row in each group. */
      key: string;
      vm: LibraryVm;
      /** The group's key (null: not grouped). */
      group: string | null;
      /** 1-based position and size within its group (or the whole list), for aria-posinset/setsize. */
      pos: number;
      size: number;
    };

export const UNTAGGED_GROUP = 'untagged';
export const groupKey = (tag: string): string => `tag:${tag}`;

/**
 * The list's rows. Ungrouped: one per machine. Grouped by tag: a header per tag (sorted, "No tag" last)
 * followed by its machines in `rows` order, so a machine with several tags appears under each; a collapsed
 * group keeps its header only.
 */
export function listItems(rows: ReadonlyArray<LibraryVm>, options: { byTag: boolean; collapsed?: ReadonlySet<string> }): ListItem[] {
  if (!options.byTag) return rows.map((vm, i) => ({ type: 'vm', key: vm.id, vm, group: null, pos: i + 1, size: rows.length }));
  const groups = new Map<string, LibraryVm[]>();
  const untagged: LibraryVm[] = [];
  for (const vm of rows) {
    const tags = vm.tags ?? [];
    if (tags.length === 0) untagged.push(vm);
    for (const t of new Set(tags)) {
      const list = groups.get(t);
      if (list) list.push(vm);
      else groups.set(t, [vm]);
    }
  }
  const ordered: Array<[key: string, label: string, vms: LibraryVm[]]> = [...groups.keys()]
    .sort((a, b) => collator.compare(a, b))
    .map((t) => [groupKey(t), t, groups.get(t) ?? []]);
  if (untagged.length > 0) ordered.push([UNTAGGED_GROUP, 'No tag', untagged]);
  const items: ListItem[] = [];
  for (const [key, label, vms] of ordered) {
    const collapsed = options.collapsed?.has(key) ?? false;
    items.push({ type: 'group', key, label, count: vms.length, collapsed });
    if (collapsed) continue;
    vms.forEach((vm, i) => items.push({ type: 'vm', key: `${key}/${vm.id}`, vm, group: key, pos: i + 1, size: vms.length }));
  }
  return items;
}

/** The machines in the order the list shows them, each once (keyboard moves and Shift+click ranges follow it). */
export function itemOrder(items: ReadonlyArray<ListItem>): string[] {
  const seen = new Set<string>();
  const order: string[] = [];
  for (const it of items) {
    if (it.type === 'vm' && !seen.has(it.vm.id)) {
      seen.add(it.vm.id);
      order.push(it.vm.id);
    }
  }
  return order;
}
