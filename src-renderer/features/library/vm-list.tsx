import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useVirtualizer, type VirtualItem } from '@tanstack/react-virtual';
import Box from '@mui/material/Box';
import GlobalStyles from '@mui/material/GlobalStyles';
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
import { isDisposable } from '../../../src-shared/vm-state.js';
import type { Selection, SelectionAction } from './selection-model.js';
import { itemOrder, type ListItem } from './list-model.js';
import { osFamily, osFamilyLabel, osLabel, savedAtLabel, stateLabel, stateTone } from './vm-labels.js';
import { installBadge } from '../install/install-badge.js';
import { useVmThumbnails } from '../display/use-thumbnails.js';
import { useApi } from '../../state/api-context.js';

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
    <div className="hangar-vm-avatar" role="img" aria-label={label} title={label} style={{ background: FAMILY_COLOR[family] }}>
      <Icon fontSize="small" aria-hidden />
    </div>
  );
}

/**
 * The machine rows' styles, one stylesheet per theme. Rows are plain elements with these classes: styling each
 * row's elements through `sx` cost the library's first paint about a millisecond per row (issue 5).
 */
function RowStyles() {
  return (
    <GlobalStyles
      styles={(theme) => ({
        '.hangar-vm-row': {
          position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT, boxSizing: 'border-box',
          display: 'flex', alignItems: 'center', gap: theme.spacing(1.5), padding: theme.spacing(0, 1.5), cursor: 'default', userSelect: 'none',
          '&:hover': { backgroundColor: theme.palette.action.hover },
          '&[aria-selected="true"]': { backgroundColor: theme.palette.action.selected },
          '&[data-grouped="true"]': { paddingLeft: theme.spacing(3) },
        },
        '.hangar-vm-avatar': {
          width: 32, height: 32, flex: 'none', borderRadius: theme.shape.borderRadius, color: '#fff',
          display: 'flex', alignItems: 'center', justifyContent: 'center',
        },
        '.hangar-vm-text': { minWidth: 0, flex: 1 },
        '.hangar-vm-name': { ...theme.typography.body1, margin: 0, fontWeight: 500, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
        '.hangar-vm-state': { ...theme.typography.caption, display: 'flex', alignItems: 'center', gap: theme.spacing(0.75), color: theme.palette.text.secondary },
        '.hangar-vm-dot': { width: 8, height: 8, borderRadius: '50%', flex: 'none' },
        '.hangar-vm-thumb': {
          width: 64, height: 40, flex: 'none', objectFit: 'cover', borderRadius: theme.shape.borderRadius,
          border: `1px solid ${theme.palette.divider}`, backgroundColor: '#000',
        },
        '.hangar-vm-badge': {
          padding: theme.spacing(0, 0.75), borderRadius: theme.shape.borderRadius, fontWeight: 500,
          backgroundColor: theme.palette.info.main, color: theme.palette.info.contrastText,
        },
      })}
    />
  );
}

/**
 * The machine list: one listbox ("Virtual machines"), options named by the VM's name with the state as
 * text, virtualized so only the rows in view (plus a few) exist in the DOM. Grouped by tag, the rows in view
 * sit in a `group` per tag (named "work, 3 machines") with its header; a machine with two tags is an option
 * in both. Keyboard: arrows, Home/End, Shift+arrows to extend, Ctrl+A, Ctrl+Space to toggle, Enter to
 * start, Delete to delete, ArrowLeft to collapse the group. A running or paused machine shows its live thumbnail.
 */
export function VmList({ items, selection, dispatch, onActivate, onDeleteKey, onToggleGroup, emptyText }: VmListProps) {
  const api = useApi();
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

  // Live thumbnails of the running machines whose rows are in view (the engine looks at those screens only, and
  // only while a page holds the lease). Here, not in the window, so a new picture re-renders the list alone.
  const inView = [
    ...new Set(
      virtualizer.getVirtualItems().flatMap((v) => {
        const it = items[v.index];
        return it?.type === 'vm' && (it.vm.state.kind === 'running' || it.vm.state.kind === 'paused') ? [it.vm.id] : [];
      }),
    ),
  ].sort();
  const thumbnails = useVmThumbnails(api, document, inView);

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
    const live = vm.state.kind === 'running' || vm.state.kind === 'paused';
    const thumb = live ? thumbnails.get(vm.id) : undefined;
    return (
      <div
        key={item.key}
        id={id}
        className="hangar-vm-row"
        role="option"
        aria-label={vm.name}
        aria-describedby={stateId}
        aria-selected={selected}
        aria-posinset={it.pos}
        aria-setsize={it.size}
        data-active={active?.key === it.key}
        data-grouped={it.group !== null}
        onClick={(e) => onRowClick(e, it)}
        onDoubleClick={() => onActivate(vm)}
        style={style}
      >
        <OsAvatar osId={vm.osId} />
        <div className="hangar-vm-text">
          <p className="hangar-vm-name">{vm.name}</p>
          <span id={stateId} className="hangar-vm-state">
            <span className="hangar-vm-dot" aria-hidden style={{ background: toneColor(vm) }} />
            {stateLabel(vm.state)}
            {vm.error ? ' · cannot be loaded' : ''}
            {vm.install === 'installing' && ' · '}
            {vm.install === 'installing' && <span className="hangar-vm-badge">{installBadge(vm.install)}</span>}
            {vm.state.kind === 'saved' && ` · ${savedAtLabel(vm.state) ?? ''}`}
            {isDisposable(vm.state) && ' · '}
            {isDisposable(vm.state) && <span className="hangar-vm-badge" title="Started without saving changes: every disk write is discarded at power-off">Disposable</span>}
          </span>
        </div>
        {thumb !== undefined && <img className="hangar-vm-thumb" src={thumb} alt={`Screen of ${vm.name}`} draggable={false} />}
      </div>
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
      <RowStyles />
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
