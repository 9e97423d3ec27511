import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import KeyboardIcon from '@mui/icons-material/Keyboard';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { isDisposable } from '../../../src-shared/vm-state.js';
import { clipboardLabel, hostKeyLabel, RUN_STATE_TEXT, type ClipboardPolicy } from './display-model.js';

/** The chip the screen box names as its description (aria-describedby). */
export const KEYBOARD_HINT_ID = 'display-keyboard-hint';

export interface DisplayStatusBarProps {
  state: VmRunState | null;
  accelerator: 'kvm' | 'tcg' | null;
  resolution: { width: number; height: number } | null;
  clipboard: ClipboardPolicy;
  captured: boolean;
  /** KeyboardEvent.code of the key that releases capture. */
  hostKey: string;
  /** Why "Resize guest to window" is not followed (display-model.ts `resizeNotice`), or null. */
  resizeNotice?: string | null;
}

/** Run state, accelerator, resolution, clipboard policy and keyboard capture. */
export function DisplayStatusBar({ state, accelerator, resolution, clipboard, captured, hostKey, resizeNotice }: DisplayStatusBarProps) {
  const hostKeyName = hostKeyLabel(hostKey);
  return (
    <Box
      role="status"
      aria-label="Display status"
      sx={{ display: 'flex', alignItems: 'center', gap: 2, px: 1.5, py: 0.25, borderTop: 1, borderColor: 'divider', fontSize: 12, color: 'text.secondary' }}
    >
      <span data-testid="status-state">{state ? RUN_STATE_TEXT[state.kind] : '…'}</span>
      {state && isDisposable(state) && (
        <Chip size="small" color="warning" data-testid="status-disposable" label="Disposable: changes are discarded at power-off" />
      )}
      <span data-testid="status-accelerator">{accelerator ? accelerator.toUpperCase() : '—'}</span>
      <span data-testid="status-resolution">{resolution ? `${resolution.width}×${resolution.height}` : '—'}</span>
      <span data-testid="status-clipboard">{clipboardLabel(clipboard)}</span>
      {resizeNotice && (
        <Box component="span" data-testid="status-resize" title={resizeNotice} sx={{ color: 'warning.main', minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
          {resizeNotice}
        </Box>
      )}
      <Box sx={{ flex: 1 }} />
      <Chip
        size="small"
        data-testid="keyboard-capture"
        icon={<KeyboardIcon fontSize="small" />}
        color={captured ? 'primary' : 'default'}
        variant={captured ? 'filled' : 'outlined'}
        id={KEYBOARD_HINT_ID}
        label={captured ? `Keyboard captured — press ${hostKeyName} to release` : `Click the screen (or press Enter on it) to capture the keyboard; ${hostKeyName} releases it`}
      />
    </Box>
  );
}
