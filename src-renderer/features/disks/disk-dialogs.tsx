import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { formatBytes, GIB, parseGiB } from './disk-model.js';

/** What "Add disk" asks the engine for: a new qcow2 of a size, or an existing image file. */
export type AddDiskRequest = { sizeGiB: number } | { path: string };

/** The files the "existing image" chooser offers (qemu-img detects the format itself). */
const IMAGE_EXTENSIONS = ['qcow2', 'img', 'raw', 'vmdk', 'vdi', 'vhdx', 'vhd'];

/** The dialogs' common contract: `onSubmit` resolves to an error message to show, or null when done. */
type Submit<T> = (value: T) => Promise<string | null>;

export function AddDiskDialog({ onSubmit, onClose }: { onSubmit: Submit<AddDiskRequest>; onClose: () => void }) {
  const api = useApi();
  const [kind, setKind] = useState<'new' | 'existing'>('new');
  const [size, setSize] = useState('8');
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = parseGiB(size);
  const sizeError = kind === 'new' && 'error' in parsed ? parsed.error : null;
  const invalid = kind === 'new' ? sizeError !== null : path.trim() === '';
  const browse = async () => {
    try {
      const file = await api.app('dialog:openFile', { title: 'Choose a disk image', filters: [{ name: 'Disk images', extensions: IMAGE_EXTENSIONS }, { name: 'All files', extensions: ['*'] }], ...(path.trim().startsWith('/') ? { defaultPath: path.trim() } : {}) });
      if (file) setPath(file);
    } catch (err) {
      setError(describeError(err, 'open the file chooser'));
    }
  };
  const submit = async () => {
    if (invalid) return;
    setBusy(true);
    setError(null);
    const message = await onSubmit(kind === 'new' && 'value' in parsed ? { sizeGiB: parsed.value } : { path: path.trim() });
    setBusy(false);
    if (message) setError(message);
  };
  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="add-disk-title" maxWidth="sm" fullWidth>
      <DialogTitle id="add-disk-title">Add disk</DialogTitle>
      <DialogContent>
        <RadioGroup value={kind} onChange={(e) => setKind(e.target.value as 'new' | 'existing')} aria-label="Kind of disk">
          <FormControlLabel value="new" control={<Radio />} label="A new empty disk (qcow2, grows as the guest writes)" />
          <FormControlLabel value="existing" control={<Radio />} label="An existing image file (used where it is)" />
        </RadioGroup>
        {kind === 'new' ? (
          <TextField label="Size (GiB)" type="number" value={size} onChange={(e) => setSize(e.target.value)} margin="dense" error={sizeError !== null} helperText={sizeError ?? ' '} slotProps={{ htmlInput: { min: 1, step: 1 } }} autoFocus />
        ) : (
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
            <TextField label="Image file" value={path} onChange={(e) => setPath(e.target.value)} margin="dense" sx={{ flex: 1 }} helperText="qcow2, raw, vmdk, vdi or vhdx; the format is detected" />
            <Button sx={{ mt: 1.5 }} onClick={() => void browse()}>Browse…</Button>
          </Box>
        )}
        {error && <Alert severity="error" sx={{ mt: 1 }}>{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>Cancel</Button>
        <Button onClick={() => void submit()} disabled={busy || invalid} variant="contained">Add</Button>
      </DialogActions>
    </Dialog>
  );
}

export function RemoveDiskDialog({ disk, inBundle, onSubmit, onClose }: { disk: string; inBundle: boolean; onSubmit: Submit<{ deleteFile: boolean }>; onClose: () => void }) {
  const [deleteFile, setDeleteFile] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    const message = await onSubmit({ deleteFile });
    setBusy(false);
    if (message) setError(message);
  };
  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="remove-disk-title">
      <DialogTitle id="remove-disk-title">Remove disk {disk}?</DialogTitle>
      <DialogContent>
        <DialogContentText>The machine no longer sees this disk. Its image stays on the host unless you delete it too.</DialogContentText>
        <FormControlLabel
          control={<Checkbox checked={deleteFile} onChange={(e) => setDeleteFile(e.target.checked)} disabled={!inBundle} />}
          label="Also delete the file"
        />
        {!inBundle && <DialogContentText variant="caption" component="p">The image lies outside the machine's folder; Hangar only deletes images it keeps there.</DialogContentText>}
        {error && <Alert severity="error" sx={{ mt: 1 }}>{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>Cancel</Button>
        <Button onClick={() => void submit()} disabled={busy} color="error" variant="contained">Remove</Button>
      </DialogActions>
    </Dialog>
  );
}

export function GrowDiskDialog({ disk, virtualSize, onSubmit, onClose }: { disk: string; virtualSize: number | null; onSubmit: Submit<{ sizeGiB: number }>; onClose: () => void }) {
  const [size, setSize] = useState(() => (virtualSize ? String(Math.ceil(virtualSize / GIB) + 1) : ''));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = parseGiB(size);
  const fieldError = 'error' in parsed ? parsed.error : null;
  const submit = async () => {
    if (!('value' in parsed)) return;
    setBusy(true);
    setError(null);
    const message = await onSubmit({ sizeGiB: parsed.value });
    setBusy(false);
    if (message) setError(message);
  };
  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="grow-disk-title">
      <DialogTitle id="grow-disk-title">Grow disk {disk}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          Now {formatBytes(virtualSize)}. Disks only grow; afterwards, grow the partition inside the guest to use the new space.
        </DialogContentText>
        <TextField
          label="New size (GiB)"
          type="number"
          value={size}
          onChange={(e) => setSize(e.target.value)}
          margin="dense"
          error={fieldError !== null}
          helperText={fieldError ?? ' '}
          slotProps={{ htmlInput: { min: 1, step: 1 } }}
          autoFocus
        />
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>Cancel</Button>
        <Button onClick={() => void submit()} disabled={busy || fieldError !== null} variant="contained">Grow</Button>
      </DialogActions>
    </Dialog>
  );
}
