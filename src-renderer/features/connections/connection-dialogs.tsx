import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import { connectionNameSchema, connectionUriSchema } from '../../../src-shared/contract/connections.js';
import { describeError } from '../../state/errors.js';
import type { ConnectionsStore } from '../../state/connections-store.js';

/** The first problem zod finds, or null: the same rules the engine applies, told while typing. */
function problem(schema: typeof connectionNameSchema | typeof connectionUriSchema, value: string): string | null {
  if (value === '') return null;
  const r = schema.safeParse(value);
  return r.success ? null : (r.error.issues[0]?.message ?? 'invalid');
}

/**
 * Add a libvirt connection: a name and a URI (no password field: SSH uses your agent and keys), a Test that reaches
 * the host without saving anything, and Add, which saves and reaches it.
 */
export function AddConnectionDialog({ store, taken, onClose, onAdded }: { store: ConnectionsStore; taken: ReadonlyArray<string>; onClose: () => void; onAdded: (name: string) => void }) {
  const [name, setName] = useState('');
  const [uri, setUri] = useState('');
  const [busy, setBusy] = useState<'test' | 'add' | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const nameProblem = taken.includes(name) ? `a connection named "${name}" exists already` : problem(connectionNameSchema, name);
  const uriProblem = problem(connectionUriSchema, uri);
  const ready = name !== '' && uri !== '' && !nameProblem && !uriProblem && busy === null;
  const test = async () => {
    setBusy('test');
    setResult(null);
    try {
      setResult({ ok: true, text: `Reached libvirt ${await store.testUri(uri)}.` });
    } catch (err) {
      setResult({ ok: false, text: describeError(err, `reach ${uri}`) });
    } finally {
      setBusy(null);
    }
  };
  const add = async () => {
    setBusy('add');
    try {
      await store.add(name, uri);
      onAdded(name);
    } catch (err) {
      setResult({ ok: false, text: describeError(err, 'add the connection') });
      setBusy(null);
    }
  };
  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="add-connection-title" fullWidth maxWidth="sm">
      <DialogTitle id="add-connection-title">Add a libvirt connection</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          Machines that libvirt runs, on this computer or on a server over SSH. Hangar stores the name and the address only:
          SSH uses your agent and keys (ssh-copy-id), never a password.
        </DialogContentText>
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value.trim())} error={!!nameProblem} helperText={nameProblem ?? 'e.g. lab'} fullWidth autoFocus sx={{ mb: 2 }} />
        <TextField
          label="URI"
          value={uri}
          onChange={(e) => {
            setUri(e.target.value.trim());
            setResult(null);
          }}
          error={!!uriProblem}
          helperText={uriProblem ?? 'qemu:///system, qemu:///session or qemu+ssh://user@host/system'}
          fullWidth
        />
        {busy === 'test' && <Alert severity="info" sx={{ mt: 2 }} role="status">Reaching {uri}…</Alert>}
        {result && <Alert severity={result.ok ? 'success' : 'error'} sx={{ mt: 2 }} role={result.ok ? 'status' : 'alert'}>{result.text}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy !== null}>Cancel</Button>
        <Button onClick={() => void test()} disabled={uri === '' || !!uriProblem || busy !== null}>Test</Button>
        <Button onClick={() => void add()} disabled={!ready} variant="contained">Add</Button>
      </DialogActions>
    </Dialog>
  );
}

/** Rename a connection (the machines stay where they are; only Hangar's name for the connection changes). */
export function RenameConnectionDialog({ store, name, taken, onClose, onRenamed }: { store: ConnectionsStore; name: string; taken: ReadonlyArray<string>; onClose: () => void; onRenamed: (newName: string) => void }) {
  const [value, setValue] = useState(name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const valueProblem = value !== name && taken.includes(value) ? `a connection named "${value}" exists already` : problem(connectionNameSchema, value);
  const save = async () => {
    setBusy(true);
    try {
      await store.rename(name, value);
      onRenamed(value);
    } catch (err) {
      setError(describeError(err, 'rename the connection'));
      setBusy(false);
    }
  };
  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="rename-connection-title">
      <DialogTitle id="rename-connection-title">Rename connection "{name}"</DialogTitle>
      <DialogContent>
        <TextField label="Name" value={value} onChange={(e) => setValue(e.target.value.trim())} error={!!valueProblem} helperText={valueProblem ?? ' '} fullWidth autoFocus sx={{ mt: 1 }} />
        {error && <Alert severity="error" role="alert">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>Cancel</Button>
        <Button onClick={() => void save()} disabled={busy || value === '' || value === name || !!valueProblem} variant="contained">Rename</Button>
      </DialogActions>
    </Dialog>
  );
}

/** Remove a connection: Hangar forgets it; its machines keep running on their host. */
export function RemoveConnectionDialog({ store, name, onClose, onRemoved }: { store: ConnectionsStore; name: string; onClose: () => void; onRemoved: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    try {
      await store.remove(name);
      onRemoved();
    } catch (err) {
      setError(describeError(err, 'remove the connection'));
      setBusy(false);
    }
  };
  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="remove-connection-title">
      <DialogTitle id="remove-connection-title">Remove connection "{name}"?</DialogTitle>
      <DialogContent>
        <DialogContentText>Hangar forgets this connection. Its machines stay on their host, untouched; add the connection again to see them.</DialogContentText>
        {error && <Alert severity="error" role="alert" sx={{ mt: 2 }}>{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy} autoFocus>Cancel</Button>
        <Button onClick={() => void remove()} disabled={busy} color="error" variant="contained">Remove</Button>
      </DialogActions>
    </Dialog>
  );
}
