import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useApi } from '../../state/api-context.js';
import { useNotify } from '../../components/notifier.js';
import { JobProgressBar, useJobDialog } from '../jobs/use-job-dialog.js';

export interface CloneDialogProps {
  vm: { id: string; name: string };
  onClose: () => void;
  /** The clone exists: the library selects it. */
  onCloned: (id: string) => void;
}

/** "Clone…": a new machine with the same settings, as a full copy or as a linked (overlay) clone. */
export function CloneDialog({ vm, onClose, onCloned }: CloneDialogProps) {
  const api = useApi();
  const notify = useNotify();
  const [name, setName] = useState(`${vm.name} clone`);
  const [linked, setLinked] = useState(false);
  const dialog = useJobDialog(api);
  const { busy, error, cancel } = dialog;
  const nameError = name.trim() === '' ? 'Enter a name' : null;

  const clone = async () => {
    if (nameError) return;
    await dialog.run('clone', `clone "${vm.name}"`, async (jobId) => {
      const r = await api.call('vm.clone', { vm: vm.id, name: name.trim(), linked, jobId });
      notify(r.linked ? `Created "${r.doc.name}", a linked clone of "${vm.name}".` : `Created "${r.doc.name}", a copy of "${vm.name}".`, 'success');
      onCloned(r.id);
    });
  };

  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="clone-title" maxWidth="sm" fullWidth>
      <DialogTitle id="clone-title">Clone {vm.name}</DialogTitle>
      <DialogContent>
        <TextField label="Name of the clone" value={name} onChange={(e) => setName(e.target.value)} fullWidth margin="dense" error={nameError !== null} helperText={nameError ?? ' '} autoFocus disabled={busy} />
        <RadioGroup value={linked ? 'linked' : 'full'} onChange={(e) => setLinked(e.target.value === 'linked')} aria-label="Kind of clone">
          <FormControlLabel value="full" control={<Radio />} disabled={busy} label="Full clone" />
          <Typography variant="caption" color="text.secondary" sx={{ ml: 4, mt: -0.5 }}>Copies every disk: independent of the original, takes as much space again.</Typography>
          <FormControlLabel value="linked" control={<Radio />} disabled={busy} label="Linked clone" />
          <Typography variant="caption" color="text.secondary" sx={{ ml: 4, mt: -0.5 }}>
            Instant and small: the original's current disks become a shared read-only base, and both machines write to overlays on it.
          </Typography>
        </RadioGroup>
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>The clone gets a new MAC address; snapshots, port forwards and tags are not copied.</Typography>
        <JobProgressBar dialog={dialog} label={`Cloning ${vm.name}`} mt={2} />
        {error && <Alert severity="error" sx={{ mt: 2 }}>{error}</Alert>}
      </DialogContent>
      <DialogActions>
        {busy ? <Button onClick={cancel}>Stop cloning</Button> : <Button onClick={onClose}>Cancel</Button>}
        <Button onClick={() => void clone()} disabled={busy || nameError !== null} variant="contained">Clone</Button>
      </DialogActions>
    </Dialog>
  );
}
