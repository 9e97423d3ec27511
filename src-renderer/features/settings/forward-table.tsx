import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import DeleteIcon from '@mui/icons-material/Delete';
import { FORWARD_PROTOCOLS, type PortForward } from '../../../src-shared/vm-document/index.js';
import { EngineError } from '../../../src-shared/contract/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { EMPTY_FORWARD, forwardIssues, protoLabel, toForward, type ForwardDraft, type ForwardIssues } from './forward-model.js';

export interface ForwardTableProps {
  vmId: string;
  /** The forwards the engine has (the saved document's). */
  forwards: readonly PortForward[];
  state: VmRunState;
  /** The engine accepted a change: the new table. */
  onChange: (forwards: PortForward[]) => void;
}

const LIVE = new Set<VmRunState['kind']>(['running', 'paused']);
const STEADY = new Set<VmRunState['kind']>(['running', 'paused', 'stopped', 'crashed']);

/**
 * The NAT port-forward table, edited through the engine (forward.add / forward.remove): applied at once to a
 * running machine and saved either way, so it is outside the settings draft and its Apply button.
 */
export function ForwardTable({ vmId, forwards, state, onChange }: ForwardTableProps) {
  const api = useApi();
  const [draft, setDraft] = useState<ForwardDraft>(EMPTY_FORWARD);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [engineIssues, setEngineIssues] = useState<ForwardIssues>({});
  const [error, setError] = useState<string | null>(null);
  const issues: ForwardIssues = { ...(touched ? forwardIssues(draft, forwards) : {}), ...engineIssues };
  const steady = STEADY.has(state.kind);
  const live = LIVE.has(state.kind);

  const edit = (patch: Partial<ForwardDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setTouched(true);
    setEngineIssues({});
    setError(null);
  };

  /** An engine refusal that names a field goes under it; anything else above the table. */
  const refused = (err: unknown, doing: string) => {
    const field = err instanceof EngineError ? err.details?.['field'] : undefined;
    const message = describeError(err, doing);
    if (field === 'hostPort') setEngineIssues({ hostPort: message });
    else setError(message);
  };

  const add = async () => {
    setTouched(true);
    if (Object.keys(forwardIssues(draft, forwards)).length > 0) return;
    const f = toForward(draft);
    setBusy(true);
    setError(null);
    try {
      const r = await api.call('forward.add', { vm: vmId, protocol: f.protocol, hostPort: f.hostPort, guestPort: f.guestPort, hostAddress: f.hostAddress });
      onChange(r.forwards);
      setDraft(EMPTY_FORWARD);
      setTouched(false);
    } catch (err) {
      refused(err, `forward ${protoLabel(f.protocol)} port ${f.hostPort}`);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (f: PortForward) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.call('forward.remove', { vm: vmId, protocol: f.protocol, hostPort: f.hostPort });
      onChange(r.forwards);
    } catch (err) {
      setError(describeError(err, `remove the forward of ${protoLabel(f.protocol)} port ${f.hostPort}`));
    } finally {
      setBusy(false);
    }
  };

  const helper = (field: keyof ForwardIssues) => ({ error: issues[field] !== undefined, helperText: issues[field] ?? ' ' });
  const disabled = busy || !steady;

  return (
    <>
      <Typography variant="body2" color="text.secondary">
        {!steady
          ? `The machine is ${state.kind}; change its port forwards once it is running or stopped.`
          : live
            ? 'Changes apply at once to the running machine and are saved with it.'
            : 'Changes are saved at once and apply when the machine starts.'}
      </Typography>
      {error && <Alert severity="error" sx={{ mt: 1 }} onClose={() => setError(null)}>{error}</Alert>}
      <Table size="small" aria-label="Port forwards">
        <TableHead>
          <TableRow>
            <TableCell>Protocol</TableCell><TableCell>Host address</TableCell><TableCell>Host port</TableCell><TableCell>Guest port</TableCell><TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {forwards.map((f) => (
            <TableRow key={`${f.protocol}:${f.hostPort}`}>
              <TableCell>{protoLabel(f.protocol)}</TableCell>
              <TableCell>{f.hostAddress}</TableCell>
              <TableCell>{f.hostPort}</TableCell>
              <TableCell>{f.guestPort}</TableCell>
              <TableCell>
                <IconButton aria-label={`Remove port forward ${protoLabel(f.protocol)} ${f.hostPort}`} disabled={disabled} onClick={() => void remove(f)}><DeleteIcon /></IconButton>
              </TableCell>
            </TableRow>
          ))}
          <TableRow>
            <TableCell sx={{ verticalAlign: 'top' }}>
              <TextField select size="small" label="Protocol" value={draft.protocol} onChange={(e) => edit({ protocol: e.target.value as ForwardDraft['protocol'] })} disabled={disabled} helperText=" ">
                {FORWARD_PROTOCOLS.map((p) => <MenuItem key={p} value={p}>{protoLabel(p)}</MenuItem>)}
              </TextField>
            </TableCell>
            <TableCell sx={{ verticalAlign: 'top' }}>
              <TextField size="small" label="Host address" value={draft.hostAddress} onChange={(e) => edit({ hostAddress: e.target.value })} disabled={disabled} {...helper('hostAddress')} />
            </TableCell>
            <TableCell sx={{ verticalAlign: 'top' }}>
              <TextField size="small" label="Host port" value={draft.hostPort} onChange={(e) => edit({ hostPort: e.target.value })} disabled={disabled} slotProps={{ htmlInput: { inputMode: 'numeric' } }} {...helper('hostPort')} />
            </TableCell>
            <TableCell sx={{ verticalAlign: 'top' }}>
              <TextField
                size="small"
                label="Guest port"
                value={draft.guestPort}
                onChange={(e) => edit({ guestPort: e.target.value })}
                onKeyDown={(e) => e.key === 'Enter' && void add()}
                disabled={disabled}
                slotProps={{ htmlInput: { inputMode: 'numeric' } }}
                {...helper('guestPort')}
              />
            </TableCell>
            <TableCell sx={{ verticalAlign: 'top' }}>
              <Button startIcon={<AddIcon />} onClick={() => void add()} disabled={disabled} aria-label="Add port forward">Add</Button>
            </TableCell>
          </TableRow>
        </TableBody>
      </Table>
      {forwards.length === 0 && <Typography variant="body2" color="text.secondary">No forwards yet. For SSH into the guest: host port 2222 → guest port 22.</Typography>}
    </>
  );
}
