import { useEffect, useRef, type KeyboardEvent, type MouseEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import Avatar from '@mui/material/Avatar';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import TerminalIcon from '@mui/icons-material/Terminal';
import MicrosoftIcon from '@mui/icons-material/Microsoft';
import DnsIcon from '@mui/icons-material/Dns';
import ComputerIcon from '@mui/icons-material/Computer';
import type { OsFamily } from '../../../src-shared/os-catalog/index.js';
import type { LibraryVm } from '../../state/library-store.js';
import type { Selection, SelectionAction } from './selection-model.js';
import { osFamily, osFamilyLabel, osLabel, stateLabel, stateTone } from './vm-labels.js';
import { installBadge } from '../install/index.js';

export const ROW_HEIGHT = 52;

export interface VmListProps {
  vms: ReadonlyArray<LibraryVm>;
  selection: Selection;
  dispatch: (action: SelectionAction) => void;
  /** Enter or double-click on a machine. */
  onActivate: (vm: LibraryVm) => void;
  /** The Delete key. */
  onDeleteKey: () => void;
  emptyText: string;
}

const optionId = (id: string) => `vm-option-${id}`;

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
 * text, virtualized so only the rows in view (plus a few) exist in the DOM. Keyboard: arrows, Home/End,
 * Shift+arrows to extend, Ctrl+A, Ctrl+Space to toggle, Enter to start, Delete to delete.
 */
export function VmList({ vms, selection, dispatch, onActivate, onDeleteKey, emptyText }: VmListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  const order = vms.map((v) => v.id);
  // Read by the virtualizer callbacks; refreshed every render.
  const vmsRef = useRef(vms);
  vmsRef.current = vms;
  const virtualizer = useVirtualizer({
    count: vms.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    getItemKey: (i) => vmsRef.current[i]?.id ?? i,
  });

  const activeIndex = selection.active === null ? -1 : order.indexOf(selection.active);
  useEffect(() => {
    if (activeIndex >= 0) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, virtualizer]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const mod = e.ctrlKey || e.metaKey;
    const move = (to: 'next' | 'prev' | 'first' | 'last') => {
      e.preventDefault();
      dispatch({ type: 'move', to, extend: e.shiftKey, order });
    };
    switch (e.key) {
      case 'ArrowDown': return move('next');
      case 'ArrowUp': return move('prev');
      case 'Home': return move('first');
      case 'End': return move('last');
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
        const vm = vms[activeIndex];
        if (vm) {
          e.preventDefault();
          onActivate(vm);
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

  const onRowClick = (e: MouseEvent, id: string) => {
    dispatch({ type: 'click', id, toggle: e.ctrlKey || e.metaKey, range: e.shiftKey, order });
    scrollRef.current?.focus();
  };

  const toneColor = (vm: LibraryVm): string => {
    const tone = stateTone(vm.state);
    return tone === 'default' ? theme.palette.text.disabled : theme.palette[tone].main;
  };

  return (
    <Box
      ref={scrollRef}
      role="listbox"
      aria-label="Virtual machines"
      aria-multiselectable="true"
      aria-activedescendant={selection.active !== null && activeIndex >= 0 ? optionId(selection.active) : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (selection.active === null && vms.length > 0 && selection.selected.size === 0) dispatch({ type: 'move', to: 'first', extend: false, order });
      }}
      sx={{ flex: 1, minHeight: 0, overflowY: 'auto', outline: 'none', '&:focus-visible [data-active="true"]': { outline: `2px solid ${theme.palette.primary.main}`, outlineOffset: -2 } }}
    >
      {vms.length === 0 ? (
        <Typography role="presentation" sx={{ p: 2, color: 'text.secondary' }}>{emptyText}</Typography>
      ) : (
        <div role="presentation" style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const vm = vms[item.index];
            if (!vm) return null;
            const selected = selection.selected.has(vm.id);
            const stateId = `${optionId(vm.id)}-state`;
            return (
              <Box
                key={item.key}
                id={optionId(vm.id)}
                role="option"
                aria-label={vm.name}
                aria-describedby={stateId}
                aria-selected={selected}
                aria-posinset={item.index + 1}
                aria-setsize={vms.length}
                data-active={selection.active === vm.id}
                onClick={(e) => onRowClick(e, vm.id)}
                onDoubleClick={() => onActivate(vm)}
                // The position goes in a plain style: in `sx` every offset would be a new emotion class
                // (one CSS rule inserted per row position while scrolling through 1,000 machines).
                style={{ transform: `translateY(${item.start}px)` }}
                sx={{
                  position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT,
                  display: 'flex', alignItems: 'center', gap: 1.5, px: 1.5, cursor: 'default', userSelect: 'none',
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
          })}
        </div>
      )}
    </Box>
  );
}
