import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import RefreshIcon from '@mui/icons-material/Refresh';
import type { QmpEventRecord, VmLogKind, VmLogs } from '../../../src-shared/contract/index.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { formatArgv } from '../settings/settings-model.js';
import { useCopyText } from './use-copy-text.js';

export type LogsTab = 'qemu' | 'serial' | 'events' | 'argv';

export const LOGS_TABS: ReadonlyArray<{ id: LogsTab; label: string }> = [
  { id: 'qemu', label: 'QEMU log' },
  { id: 'serial', label: 'Serial log' },
  { id: 'events', label: 'QMP events' },
  { id: 'argv', label: 'Command line' },
];

/** What each log view asks the engine for: the tail only (the engine caps it too). */
export const LOG_VIEW_BYTES = 256 * 1024;

const preSx = { fontFamily: 'monospace', fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all', p: 1, m: 0, bgcolor: 'action.hover', borderRadius: 1, overflow: 'auto', flex: 1, minHeight: 0 } as const;

type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string };

function useLoad<T>(load: () => Promise<T>, what: string): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState({ status: 'loading' });
    load().then(
      (value) => mine === generation.current && setState({ status: 'ready', value }),
      (err: unknown) => mine === generation.current && setState({ status: 'error', message: describeError(err, what) }),
    );
  }, [load, what]);
  useEffect(() => {
    reload();
    return () => void generation.current++;
  }, [reload]);
  return [state, reload];
}

function LogText({ vmId, kind, label }: { vmId: string; kind: Exclude<VmLogKind, 'events'>; label: string }) {
  const api = useApi();
  const load = useCallback(() => api.call('vm.logs', { vm: vmId, kind, maxBytes: LOG_VIEW_BYTES }), [api, vmId, kind]);
  const [state, reload] = useLoad<VmLogs>(load, `read the ${label}`);
  const preRef = useRef<HTMLPreElement>(null);
  // The newest lines are what people look for: start at the bottom.
  useEffect(() => {
    if (state.status === 'ready' && preRef.current) preRef.current.scrollTop = preRef.current.scrollHeight;
  }, [state]);
  return (
    <>
      <Toolbar onRefresh={reload} note={state.status === 'ready' && state.value.truncated ? `Showing the last ${LOG_VIEW_BYTES / 1024} KiB.` : null} />
      {state.status === 'error' && <Alert severity="error">{state.message}</Alert>}
      <Box component="pre" ref={preRef} aria-label={label} tabIndex={0} sx={preSx}>
        {state.status === 'loading' ? 'Loading…' : state.status === 'ready' ? state.value.text || '(empty)' : ''}
      </Box>
    </>
  );
}

function Toolbar({ onRefresh, note, children }: { onRefresh: () => void; note?: string | null; children?: ReactNode }) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
      <Typography variant="caption" color="text.secondary" sx={{ flex: 1 }}>{note}</Typography>
      {children}
      <Button size="small" startIcon={<RefreshIcon fontSize="small" />} onClick={onRefresh}>Refresh</Button>
    </Box>
  );
}

const eventData = (e: QmpEventRecord) => (Object.keys(e.data).length > 0 ? JSON.stringify(e.data) : '');

function EventsView({ vmId }: { vmId: string }) {
  const api = useApi();
  const load = useCallback(() => api.call('vm.logs', { vm: vmId, kind: 'events', maxBytes: LOG_VIEW_BYTES }), [api, vmId]);
  const [state, reload] = useLoad<VmLogs>(load, 'read the QMP events');
  const events = state.status === 'ready' ? (state.value.events ?? []) : [];
  return (
    <>
      <Toolbar onRefresh={reload} note="The events QEMU reported to Hangar during this machine's current (or last) run, newest last." />
      {state.status === 'error' && <Alert severity="error">{state.message}</Alert>}
      <Box sx={{ overflow: 'auto', flex: 1, minHeight: 0 }}>
        <Table size="small" stickyHeader aria-label="QMP events">
          <TableHead>
            <TableRow><TableCell>Time</TableCell><TableCell>Event</TableCell><TableCell>Data</TableCell></TableRow>
          </TableHead>
          <TableBody>
            {events.map((e, i) => (
              <TableRow key={i}>
                <TableCell sx={{ whiteSpace: 'nowrap', fontFamily: 'monospace', fontSize: 12 }}>{new Date(e.at).toLocaleTimeString()}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{e.event}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>{eventData(e)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        {state.status === 'ready' && events.length === 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ p: 1 }}>No events yet: QMP events appear once the machine has run under this Hangar engine.</Typography>
        )}
      </Box>
    </>
  );
}

function CommandLineView({ vmId }: { vmId: string }) {
  const api = useApi();
  const load = useCallback(() => api.call('vm.argv', { vm: vmId }).then((r) => formatArgv(r.argv)), [api, vmId]);
  const [state, reload] = useLoad<string>(load, 'build the command line');
  const preRef = useRef<HTMLPreElement>(null);
  const { copied, copy } = useCopyText(preRef);
  return (
    <>
      <Toolbar onRefresh={reload} note="The QEMU command line of the saved settings (what Start runs).">
        <Button size="small" variant="outlined" startIcon={<ContentCopyIcon fontSize="small" />} disabled={state.status !== 'ready'} onClick={() => state.status === 'ready' && void copy(state.value)}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </Button>
      </Toolbar>
      <Box component="span" role="status" sx={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
        {copied === 'yes' ? 'Command line copied to the clipboard' : copied === 'failed' ? 'Press Ctrl+C to copy the selected command line' : ''}
      </Box>
      {state.status === 'error' && <Alert severity="warning">{state.message}</Alert>}
      <Box component="pre" ref={preRef} aria-label="Generated command line" tabIndex={0} sx={preSx}>
        {state.status === 'loading' ? 'Loading…' : state.status === 'ready' ? state.value : ''}
      </Box>
    </>
  );
}

/** Logs of one machine: QEMU's own output, the QMP events of its run, and the command line that starts it. */
export function LogsDialog({ vm, initialTab = 'qemu', onClose }: { vm: { id: string; name: string }; initialTab?: LogsTab; onClose: () => void }) {
  const [tab, setTab] = useState<LogsTab>(initialTab);
  return (
    <Dialog open onClose={onClose} maxWidth="lg" fullWidth aria-labelledby="logs-title">
      <DialogTitle id="logs-title">Logs of {vm.name}</DialogTitle>
      <Tabs value={tab} onChange={(_e, v: LogsTab) => setTab(v)} aria-label="Logs" sx={{ px: 2, borderBottom: 1, borderColor: 'divider' }}>
        {LOGS_TABS.map((t) => <Tab key={t.id} value={t.id} label={t.label} id={`logs-tab-${t.id}`} aria-controls="logs-panel" />)}
      </Tabs>
      <DialogContent id="logs-panel" role="tabpanel" aria-labelledby={`logs-tab-${tab}`} sx={{ display: 'flex', flexDirection: 'column', gap: 1, height: '60vh' }}>
        {tab === 'qemu' && <LogText vmId={vm.id} kind="qemu" label="QEMU log" />}
        {tab === 'serial' && <LogText vmId={vm.id} kind="serial" label="Serial log" />}
        {tab === 'events' && <EventsView vmId={vm.id} />}
        {tab === 'argv' && <CommandLineView vmId={vm.id} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
