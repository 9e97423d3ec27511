import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useVirtualizer, type VirtualItem } from '@tanstack/react-virtual';
import Avatar from '@mui/material/Avatar';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import TerminalIcon from '@mui/icons-material/Terminal';
import MicrosoftIcon from '@mui/icons-material/Microsoft';
import DnsIcon from '@mui/icons-material/Dns';
import ComputerIcon from '@mui/icons-material/Computer';
import ChevronRightIcon from '@mui/icons-material/ChevronRight';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import type { OsFamily } from '../../../src-shared/os-catalog/index.js';
import type { LibraryVm } from '../../state/library-store.js';
import type { Selection, SelectionAction } from './selection-model.js';
import { itemOrder, type ListItem } from './list-model.js';
import { osFamily, osFamilyLabel, osLabel, stateLabel, stateTone } from './vm-labels.js';
import { installBadge } from '../install/install-badge.js';

export const ROW_HEIGHT = 52;
export const GROUP_HEIGHT = 32;

export interface VmListProps {
  /** The rows (see listItems): machines, and group headers when grouped by tag. */
  items: ReadonlyArray<ListItem>;
  selection: Selection;
  dispatch: (action: SelectionAction) => void;
  /** Enter or double-click on a machine. */
  onActivate: (vm: LibraryVm) => void;
  /** The Delete key. */
  onDeleteKey: () => void;
  /** A group header's expand/collapse button (or ArrowLeft on a machine: its group). */
  onToggleGroup?: (groupKey: string) => void;
  emptyText: string;
}

const FAMILY_ICON = { linux: TerminalIcon, windows: MicrosoftIcon, bsd: DnsIcon, other: ComputerIcon } as const;
const FAMILY_COLOR: Record<OsFamily, string> = { linux: '#e65100', windows: '#0078d4', bsd: '#ab2b28', other: '#607d8b' };

/** The OS family icon of a row: an image named by the OS and its family ("Debian 12 (Linux)"). */
function OsAvatar({ osId }: { osId: string }) {
  const family = osFamily(osId);
  const Icon = FAMILY_ICON[family];
  const os = osLabel(osId);
  const familyName = osFamilyLabel(family);
  const label = family === 'other' ? (os === 'Other' ? 'Other OS' : `${os} (other OS)`) : os === familyName ? os : `${os} (${familyName})`;
  return (
    <Avatar variant="rounded" role="img" aria-label={label} title={label} sx={{ width: 32, height: 32, bgcolor: FAMILY_COLOR[family], color: '#fff' }}>
      <Icon fontSize="small" aria-hidden />
    </Avatar>
  );
}

/**
 * The machine list: one listbox ("Virtual machines"), options named by the VM's name with the state as
 * text, virtualized so only the rows in view (plus a few) exist in the DOM. Grouped by tag, the rows in view
 * sit in a `group` per tag (named "work, 3 machines") with its header; a machine with two tags is an option
 * in both. Keyboard: arrows, Home/End, Shift+arrows to extend, Ctrl+A, Ctrl+Space to toggle, Enter to
 * start, Delete to delete, ArrowLeft to collapse the group.
 */
export function VmList({ items, selection, dispatch, onActivate, onDeleteKey, onToggleGroup, emptyText }: VmListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  const order = useMemo(() => itemOrder(items), [items]);
  // Group keys → their header (name, size) and a short index for element ids (tags may hold spaces).
  const groups = useMemo(() => {
    const m = new Map<string, { label: string; count: number; index: number }>();
    for (const it of items) if (it.type === 'group') m.set(it.key, { label: it.label, count: it.count, index: m.size });
    return m;
  }, [items]);
  // The row last clicked, so the active machine's highlight stays in the group it was picked from.
  const [clickedKey, setClickedKey] = useState<string | null>(null);
  // Read by the virtualizer callbacks; refreshed every render.
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (itemsRef.current[i]?.type === 'group' ? GROUP_HEIGHT : ROW_HEIGHT),
    overscan: 6,
    getItemKey: (i) => itemsRef.current[i]?.key ?? i,
  });

  const optionId = (it: Extract<ListItem, { type: 'vm' }>): string => {
    const g = it.group === null ? undefined : groups.get(it.group);
    return g === undefined ? `vm-option-${it.vm.id}` : `vm-option-g${g.index}-${it.vm.id}`;
  };
  const activeIndex = useMemo(() => {
    if (selection.active === null) return -1;
    const clicked = items.findIndex((it) => it.key === clickedKey && it.type === 'vm' && it.vm.id === selection.active);
    return clicked >= 0 ? clicked : items.findIndex((it) => it.type === 'vm' && it.vm.id === selection.active);
  }, [items, selection.active, clickedKey]);
  const activeItem = activeIndex >= 0 ? items[activeIndex] : undefined;
  const active = activeItem?.type === 'vm' ? activeItem : undefined;
  useEffect(() => {
    if (activeIndex >= 0) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, virtualizer]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const mod = e.ctrlKey || e.metaKey;
    const move = (to: 'next' | 'prev' | 'first' | 'last') => {
      e.preventDefault();
      setClickedKey(null);
      dispatch({ type: 'move', to, extend: e.shiftKey, order });
    };
    switch (e.key) {
      case 'ArrowDown': return move('next');
      case 'ArrowUp': return move('prev');
      case 'Home': return move('first');
      case 'End': return move('last');
      case 'ArrowLeft':
        if (active?.group != null && onToggleGroup) {
          e.preventDefault();
          onToggleGroup(active.group);
        }
        return;
      case 'a':
      case 'A':
        if (mod) {
          e.preventDefault();
          dispatch({ type: 'selectAll', order });
        }
        return;
      case ' ':
        e.preventDefault();
        if (mod) dispatch({ type: 'toggleActive' });
        else if (selection.active === null) move('first');
        return;
      case 'Enter': {
        if (active) {
          e.preventDefault();
          onActivate(active.vm);
        }
        return;
      }
      case 'Delete':
        e.preventDefault();
        onDeleteKey();
        return;
      default:
        return;
    }
  };

  const onRowClick = (e: MouseEvent, it: Extract<ListItem, { type: 'vm' }>) => {
    setClickedKey(it.key);
    dispatch({ type: 'click', id: it.vm.id, toggle: e.ctrlKey || e.metaKey, range: e.shiftKey, order });
    scrollRef.current?.focus();
  };

  const toneColor = (vm: LibraryVm): string => {
    const tone = stateTone(vm.state);
    return tone === 'default' ? theme.palette.text.disabled : theme.palette[tone].main;
  };

  const renderItem = (item: VirtualItem) => {
    const it = items[item.index];
    if (!it) return null;
    // The position goes in a plain style: in `sx` every offset would be a new emotion class
    // (one CSS rule inserted per row position while scrolling through 1,000 machines).
    const style = { transform: `translateY(${item.start}px)` };
    if (it.type === 'group') {
      return (
        <Box
          key={item.key}
          role="presentation"
          style={style}
          onClick={() => onToggleGroup?.(it.key)}
          sx={{
            position: 'absolute', top: 0, left: 0, width: '100%', height: GROUP_HEIGHT, display: 'flex', alignItems: 'center', gap: 0.5, px: 0.5,
            bgcolor: 'background.default', borderBottom: 1, borderColor: 'divider', cursor: 'pointer', userSelect: 'none',
          }}
        >
          <IconButton
            size="small"
            aria-expanded={!it.collapsed}
            aria-label={`${it.label} (${it.count})`}
            onClick={(e) => {
              e.stopPropagation();
              onToggleGroup?.(it.key);
            }}
          >
            {it.collapsed ? <ChevronRightIcon fontSize="small" /> : <ExpandMoreIcon fontSize="small" />}
          </IconButton>
          <Typography variant="subtitle2" noWrap sx={{ flex: 1 }} aria-hidden>{it.label}</Typography>
          <Typography variant="caption" color="text.secondary" sx={{ pr: 1 }} aria-hidden>{it.count}</Typography>
        </Box>
      );
    }
    const vm = it.vm;
    const selected = selection.selected.has(vm.id);
    const id = optionId(it);
    const stateId = `${id}-state`;
    return (
      <Box
        key={item.key}
        id={id}
        role="option"
        aria-label={vm.name}
        aria-describedby={stateId}
        aria-selected={selected}
        aria-posinset={it.pos}
        aria-setsize={it.size}
        data-active={active?.key === it.key}
        onClick={(e) => onRowClick(e, it)}
        onDoubleClick={() => onActivate(vm)}
        style={style}
        sx={{
          position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT,
          display: 'flex', alignItems: 'center', gap: 1.5, px: 1.5, pl: it.group === null ? 1.5 : 3, cursor: 'default', userSelect: 'none',
          bgcolor: selected ? 'action.selected' : 'transparent',
          '&:hover': { bgcolor: selected ? 'action.selected' : 'action.hover' },
        }}
      >
        <OsAvatar osId={vm.osId} />
        <Box sx={{ minWidth: 0, flex: 1 }}>
          <Typography noWrap sx={{ fontWeight: 500 }}>{vm.name}</Typography>
          <Typography id={stateId} variant="caption" sx={{ display: 'flex', alignItems: 'center', gap: 0.75, color: 'text.secondary' }}>
            <Box component="span" aria-hidden sx={{ width: 8, height: 8, borderRadius: '50%', bgcolor: toneColor(vm), flex: 'none' }} />
            {stateLabel(vm.state)}
            {vm.error ? ' · cannot be loaded' : ''}
            {vm.install === 'installing' && ' · '}
            {vm.install === 'installing' && (
              <Box component="span" sx={{ px: 0.75, borderRadius: 1, bgcolor: 'info.main', color: 'info.contrastText', fontWeight: 500 }}>
                {installBadge(vm.install)}
              </Box>
            )}
          </Typography>
        </Box>
      </Box>
    );
  };

  // The rows in view, each run of one group's rows inside that group's element (headers included).
  const segments: Array<{ group: string | null; rows: VirtualItem[] }> = [];
  for (const v of virtualizer.getVirtualItems()) {
    const it = items[v.index];
    if (!it) continue;
    const group = it.type === 'group' ? it.key : it.group;
    const last = segments[segments.length - 1];
    if (last && last.group === group) last.rows.push(v);
    else segments.push({ group, rows: [v] });
  }

  return (
    <Box
      ref={scrollRef}
      role="listbox"
      aria-label="Virtual machines"
      aria-multiselectable="true"
      aria-activedescendant={active ? optionId(active) : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (selection.active === null && order.length > 0 && selection.selected.size === 0) dispatch({ type: 'move', to: 'first', extend: false, order });
      }}
      sx={{ flex: 1, minHeight: 0, overflowY: 'auto', outline: 'none', '&:focus-visible [data-active="true"]': { outline: `2px solid ${theme.palette.primary.main}`, outlineOffset: -2 } }}
    >
      {items.length === 0 ? (
        <Typography role="presentation" sx={{ p: 2, color: 'text.secondary' }}>{emptyText}</Typography>
      ) : (
        <div role="presentation" style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
          {segments.map((seg) => {
            if (seg.group === null) return seg.rows.map(renderItem);
            const g = groups.get(seg.group);
            return (
              <div
                key={`group-${seg.group}`}
                role="group"
                aria-label={g ? `${g.label}, ${g.count} ${g.count === 1 ? 'machine' : 'machines'}` : undefined}
                style={{ position: 'absolute', top: 0, left: 0, width: '100%' }}
              >
                {seg.rows.map(renderItem)}
              </div>
            );
          })}
        </div>
      )}
    </Box>
  );
}
