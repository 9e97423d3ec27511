import { useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { useNotify } from '../../components/notifier.js';
import { JobProgressBar, useJobDialog } from '../jobs/use-job-dialog.js';

export interface ImportDialogProps {
  onClose: () => void;
  /** The machine is in the library: select it. */
  onImported: (id: string) => void;
}

export const ARCHIVE_FILTERS = [{ name: 'Hangar archives', extensions: ['tar.gz', 'tgz', 'tar'] }];

/** "Import…": an archive made by Export (or `hangar export`) becomes a machine in the library. */
export function ImportDialog({ onClose, onImported }: ImportDialogProps) {
  const api = useApi();
  const notify = useNotify();
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  /** Warnings of a finished import (what was left out): shown before the dialog closes. */
  const [warnings, setWarnings] = useState<{ id: string; name: string; list: string[] } | null>(null);
  const dialog = useJobDialog(api);
  const { busy, error, setError, cancel } = dialog;

  const browse = async () => {
    try {
      const file = await api.app('dialog:openFile', { title: 'Choose a Hangar archive', filters: ARCHIVE_FILTERS, ...(path.trim().startsWith('/') ? { defaultPath: path.trim() } : {}) });
      if (file) setPath(file);
    } catch (err) {
      setError(describeError(err, 'open the file chooser'));
    }
  };
  // "Import…" goes straight to the file chooser; the dialog stays for the name, progress and errors.
  const asked = useRef(false);
  useEffect(() => {
    if (asked.current) return;
    asked.current = true;
    void browse();
  });
  const importVm = async () => {
    if (path.trim() === '') return;
    await dialog.run('import', 'import the machine', async (jobId) => {
      const r = await api.call('vm.import', { path: path.trim(), ...(name.trim() ? { name: name.trim() } : {}), jobId });
      notify(`Imported "${r.doc.name}".`, 'success');
      onImported(r.id);
      if (r.warnings.length > 0) setWarnings({ id: r.id, name: r.doc.name, list: r.warnings });
      else onClose();
    });
  };

  if (warnings) {
    return (
      <Dialog open onClose={onClose} aria-labelledby="import-title" maxWidth="sm" fullWidth>
        <DialogTitle id="import-title">Imported {warnings.name}</DialogTitle>
        <DialogContent>
          <Alert severity="warning">
            Some settings were left out; check them in the machine's settings:
            <ul style={{ margin: 0 }}>{warnings.list.map((w) => <li key={w}>{w}</li>)}</ul>
          </Alert>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} variant="contained">OK</Button>
        </DialogActions>
      </Dialog>
    );
  }
  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="import-title" maxWidth="sm" fullWidth>
      <DialogTitle id="import-title">Import a machine</DialogTitle>
      <DialogContent>
        <DialogContentText>An archive made by Export (.tar.gz or .tar). It is checked before anything is written.</DialogContentText>
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
          <TextField label="Archive" value={path} onChange={(e) => setPath(e.target.value)} margin="dense" sx={{ flex: 1 }} disabled={busy} helperText=" " />
          <Button sx={{ mt: 1.5 }} onClick={() => void browse()} disabled={busy}>Browse…</Button>
        </Box>
        <TextField label="Name (optional)" value={name} onChange={(e) => setName(e.target.value)} margin="dense" fullWidth disabled={busy} helperText="Leave empty to keep the archived machine's name" />
        <JobProgressBar dialog={dialog} label="Importing" mt={1} />
        {error && <Alert severity="error" sx={{ mt: 1 }}>{error}</Alert>}
      </DialogContent>
      <DialogActions>
        {busy ? <Button onClick={cancel}>Stop importing</Button> : <Button onClick={onClose}>Cancel</Button>}
        <Button onClick={() => void importVm()} disabled={busy || path.trim() === ''} variant="contained">Import</Button>
      </DialogActions>
    </Dialog>
  );
}
