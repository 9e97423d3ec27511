import { useRef, useState, type ReactNode } from 'react';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import ListItemText from '@mui/material/ListItemText';
import Toolbar from '@mui/material/Toolbar';
import Box from '@mui/material/Box';
import AddIcon from '@mui/icons-material/Add';
import FolderOpenIcon from '@mui/icons-material/FolderOpen';
import UnarchiveIcon from '@mui/icons-material/Unarchive';
import SettingsIcon from '@mui/icons-material/Settings';
import MonitorIcon from '@mui/icons-material/Monitor';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import PauseIcon from '@mui/icons-material/Pause';
import PlayCircleIcon from '@mui/icons-material/PlayCircleOutlineOutlined';
import StopIcon from '@mui/icons-material/Stop';
import DeleteIcon from '@mui/icons-material/Delete';
import ArrowDropDownIcon from '@mui/icons-material/ArrowDropDown';
import type { LibraryVm } from '../../state/library-store.js';
import { toolbarEnablement, type StopHow } from './toolbar-model.js';

export interface LibraryToolbarProps {
  selected: ReadonlyArray<LibraryVm>;
  onNew: () => void;
  onAddExisting: () => void;
  /** Imports a machine from an archive made by Export. */
  onImport?: () => void;
  onSettings: () => void;
  onStart: () => void;
  /** Start without saving changes (a disposable run). */
  onStartDisposable?: () => void;
  onPauseToggle: () => void;
  /** Resumes the selected paused machines. */
  onResume?: () => void;
  onStop: (how: StopHow) => void;
  onDelete: () => void;
  /** Opens the live display of the selected running machine. */
  onShow: () => void;
  /** The global jobs indicator, at the toolbar's end. */
  jobs?: ReactNode;
  /** Why Add existing and Import are off (the list shows a libvirt connection); absent: on. */
  addReason?: string | null;
}

/** A control that is off for a reason people should read: the reason is its wrapper's tooltip (a disabled button shows none). */
function Why({ reason, children }: { reason: string | null | undefined; children: ReactNode }) {
  return reason ? <span title={reason} style={{ display: 'inline-flex' }}>{children}</span> : <>{children}</>;
}

/** New, Add existing, Settings, Start, Pause (a toggle: pressed while paused), Resume, Stop ▾, Show, Delete, and the jobs indicator. */
export function LibraryToolbar(props: LibraryToolbarProps) {
  const en = toolbarEnablement(props.selected);
  const stopRef = useRef<HTMLButtonElement>(null);
  const [stopOpen, setStopOpen] = useState(false);
  // Mounted from its first opening on (then it closes with its transition): a closed menu still renders its
  // popover and modal machinery, which the library's first paint does not need.
  const [stopUsed, setStopUsed] = useState(false);
  const stop = (how: StopHow) => {
    setStopOpen(false);
    props.onStop(how);
  };
  return (
    <Toolbar variant="dense" role="toolbar" aria-label="Machine actions" sx={{ gap: 0.5, flexWrap: 'wrap', borderBottom: 1, borderColor: 'divider' }}>
      <Button startIcon={<AddIcon />} onClick={props.onNew} title="New machine (Ctrl+N)">New</Button>
      <Why reason={props.addReason}>
        <Button startIcon={<FolderOpenIcon />} onClick={props.onAddExisting} disabled={!!props.addReason} title="Add a machine folder (.hangar) to the library">Add existing</Button>
      </Why>
      {props.onImport && (
        <Why reason={props.addReason}>
          <Button startIcon={<UnarchiveIcon />} onClick={props.onImport} disabled={!!props.addReason} title="Add a machine from an archive (.tar.gz, .tar) made by Export">Import…</Button>
        </Why>
      )}
      <Why reason={en.settingsReason}>
        <Button startIcon={<SettingsIcon />} onClick={props.onSettings} disabled={!en.settings}>Settings</Button>
      </Why>
      <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />
      <Button startIcon={<PlayArrowIcon />} onClick={props.onStart} disabled={!en.start} title="Start (Enter)">Start</Button>
      {props.onStartDisposable && (
        <Why reason={en.startDisposableReason}>
          <Button onClick={props.onStartDisposable} disabled={!en.startDisposable} title="Run on throwaway disks: every change is discarded at power-off">
            Start without saving changes
          </Button>
        </Why>
      )}
      <Button startIcon={<PauseIcon />} onClick={props.onPauseToggle} disabled={!en.pause} aria-pressed={en.paused} title={en.paused ? 'Resume' : 'Pause'}>
        Pause
      </Button>
      {props.onResume && (
        <Button startIcon={<PlayCircleIcon />} onClick={props.onResume} disabled={!en.resume} title="Resume the paused machine">
          Resume
        </Button>
      )}
      <Button
        ref={stopRef}
        id="stop-button"
        startIcon={<StopIcon />}
        endIcon={<ArrowDropDownIcon />}
        disabled={!en.stop}
        aria-haspopup="menu"
        aria-expanded={stopOpen}
        aria-controls={stopOpen ? 'stop-menu' : undefined}
        onClick={() => {
          setStopUsed(true);
          setStopOpen(true);
        }}
      >
        Stop
      </Button>
      {stopUsed && (
        <Menu id="stop-menu" anchorEl={stopRef.current} open={stopOpen} onClose={() => setStopOpen(false)} slotProps={{ list: { 'aria-labelledby': 'stop-button' } }}>
          <MenuItem disabled={!en.shutdown} onClick={() => stop('acpi')}>Shut down (ACPI)</MenuItem>
          <MenuItem disabled={!en.forceOff} onClick={() => stop('force')}>Force off</MenuItem>
          <MenuItem disabled={!en.reset} onClick={() => stop('reset')}>Reset</MenuItem>
          <Divider />
          <MenuItem disabled={!en.saveState} onClick={() => stop('save')} title={en.saveStateReason ?? 'Suspend the machine to disk; the next Start resumes it where it was'}>
            <ListItemText primary="Save the machine state" secondary={en.saveStateReason} />
          </MenuItem>
          <MenuItem disabled={!en.discardState} onClick={() => stop('discard')} title={en.discardStateReason ?? 'Throw the saved state away: the next Start boots afresh'}>
            <ListItemText primary="Discard saved state" secondary={en.discardStateReason} />
          </MenuItem>
        </Menu>
      )}
      <Box sx={{ flex: 1 }} />
      <Button startIcon={<MonitorIcon />} onClick={props.onShow} disabled={!en.show} title="Show the machine's screen (double-click)">
        Show
      </Button>
      <Button startIcon={<DeleteIcon />} onClick={props.onDelete} disabled={!en.delete} color="error" title={en.deleteReason ?? 'Delete (Del)'}>
        Delete
      </Button>
      {props.jobs}
    </Toolbar>
  );
}
