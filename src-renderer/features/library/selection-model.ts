/**
 * Multi-selection for the VM listbox, as a pure reducer over the visible order:
 * click = select one, Ctrl/⌘+click = toggle, Shift+click or Shift+arrow = range from the anchor.
 */
export interface Selection {
  selected: ReadonlySet<string>;
  /** The focused option (aria-activedescendant). */
  active: string | null;
  /** Where a Shift range starts. */
  anchor: string | null;
}

export const EMPTY_SELECTION: Selection = { selected: new Set(), active: null, anchor: null };

export type SelectionAction =
  | { type: 'click'; id: string; toggle: boolean; range: boolean; order: ReadonlyArray<string> }
  | { type: 'move'; to: 'next' | 'prev' | 'first' | 'last'; extend: boolean; order: ReadonlyArray<string> }
  | { type: 'toggleActive' }
  | { type: 'selectAll'; order: ReadonlyArray<string> }
  | { type: 'set'; ids: ReadonlyArray<string> }
  | { type: 'prune'; order: ReadonlyArray<string> };

function range(order: ReadonlyArray<string>, from: string | null, to: string): Set<string> {
  const a = from === null ? -1 : order.indexOf(from);
  const b = order.indexOf(to);
  if (a < 0 || b < 0) return new Set([to]);
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return new Set(order.slice(lo, hi + 1));
}

export function selectionReducer(s: Selection, action: SelectionAction): Selection {
  switch (action.type) {
    case 'click': {
      if (action.range) return { selected: range(action.order, s.anchor ?? s.active, action.id), active: action.id, anchor: s.anchor ?? s.active ?? action.id };
      if (action.toggle) {
        const next = new Set(s.selected);
        if (next.has(action.id)) next.delete(action.id);
        else next.add(action.id);
        return { selected: next, active: action.id, anchor: action.id };
      }
      return { selected: new Set([action.id]), active: action.id, anchor: action.id };
    }
    case 'move': {
      const { order } = action;
      if (order.length === 0) return s;
      const i = s.active === null ? -1 : order.indexOf(s.active);
      const j =
        action.to === 'first' ? 0
        : action.to === 'last' ? order.length - 1
        : action.to === 'next' ? Math.min(order.length - 1, i + 1)
        : i < 0 ? 0 : Math.max(0, i - 1);
      const id = order[j] as string;
      if (action.extend) return { selected: range(order, s.anchor ?? s.active ?? id, id), active: id, anchor: s.anchor ?? s.active ?? id };
      return { selected: new Set([id]), active: id, anchor: id };
    }
    case 'toggleActive': {
      if (s.active === null) return s;
      const next = new Set(s.selected);
      if (next.has(s.active)) next.delete(s.active);
      else next.add(s.active);
      return { ...s, selected: next };
    }
    case 'selectAll':
      return { ...s, selected: new Set(action.order) };
    case 'set':
      return { selected: new Set(action.ids), active: action.ids[0] ?? null, anchor: action.ids[0] ?? null };
    case 'prune': {
      const visible = new Set(action.order);
      const selected = new Set([...s.selected].filter((id) => visible.has(id)));
      if (selected.size === s.selected.size && (s.active === null || visible.has(s.active))) return s;
      return { selected, active: s.active !== null && visible.has(s.active) ? s.active : null, anchor: s.anchor !== null && visible.has(s.anchor) ? s.anchor : null };
    }
  }
}
