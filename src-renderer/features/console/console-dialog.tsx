import { lazy, Suspense, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TerminalIcon from '@mui/icons-material/Terminal';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import type { ConsoleStatus } from './console-model.js';

// xterm only loads when a console opens.
const SerialTerminal = lazy(() => import('./serial-terminal.js').then((m) => ({ default: m.SerialTerminal })));

export interface ConsoleVm {
  id: string;
  name: string;
  state: VmRunState;
}

const live = (s: VmRunState) => s.kind === 'running' || s.kind === 'paused';

/** The serial console of one machine in a large dialog; closing it detaches (the machine keeps running). */
export function ConsoleDialog({ vm, onClose }: { vm: ConsoleVm; onClose: () => void }) {
  const [status, setStatus] = useState<ConsoleStatus>({ kind: 'attaching' });
  return (
    <Dialog open onClose={onClose} maxWidth="lg" fullWidth aria-labelledby="console-title">
      <DialogTitle id="console-title">Serial console of {vm.name}</DialogTitle>
      <DialogContent dividers sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
        {!live(vm.state) && (
          <Alert severity="info">"{vm.name}" is not running: this is its last serial output. Start it to type to it.</Alert>
        )}
        {status.kind === 'error' && <Alert severity="error">{status.message}</Alert>}
        {status.kind === 'read-only' && <Alert severity="info">You can read this console but not type into it: {status.reason}</Alert>}
        <Box sx={{ height: '60vh' }}>
          <Suspense fallback={<CircularProgress size={24} aria-label="Loading the console" />}>
            <SerialTerminal vmId={vm.id} onStatus={setStatus} />
          </Suspense>
        </Box>
      </DialogContent>
      <DialogActions>
        <Box component="span" role="status" sx={{ flex: 1, pl: 2, color: 'text.secondary', typography: 'body2' }}>
          {status.kind === 'attaching' ? 'Connecting…' : status.kind === 'live' ? 'Connected: what you type goes to the guest' : status.kind === 'read-only' ? 'Read-only' : ''}
        </Box>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

/** "Console" for the selected machine: opens its serial console. */
export function ConsoleButton({ vm }: { vm: ConsoleVm }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="small" variant="outlined" startIcon={<TerminalIcon fontSize="small" />} onClick={() => setOpen(true)} title="Serial console (text in and out of the guest's first serial port)">
        Console
      </Button>
      {open && <ConsoleDialog vm={vm} onClose={() => setOpen(false)} />}
    </>
  );
}
