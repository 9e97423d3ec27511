import { useEffect, useRef, useState, type FormEvent } from 'react';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import TextField from '@mui/material/TextField';
import type { SnapshotNodeInfo, SnapshotTree } from '../../../src-shared/contract/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { suggestName, takeAvailability, validateName } from './snapshot-model.js';

/** The last non-null value: a closing dialog keeps showing its snapshot's name during the exit transition. */
function useLast<T>(value: T | null): T | null {
  const last = useRef(value);
  if (value !== null) last.current = value;
  return last.current;
}

export interface TakeRequest {
  name: string;
  description: string;
  withRam: boolean;
}

/** "Take snapshot": Name, Description, Include RAM (on while the machine runs; off and disabled, with the reason, while it is off). */
export function TakeSnapshotDialog({ open, vmName, state, tree, onClose, onTake }: {
  open: boolean;
  vmName: string;
  state: VmRunState;
  tree: SnapshotTree | null;
  onClose: () => void;
  onTake: (req: TakeRequest) => Promise<boolean>;
}) {
  const avail = takeAvailability(state);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [withRam, setWithRam] = useState(avail.ramPossible);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!open) return;
    setName(suggestName(tree));
    setDescription('');
    setTouched(false);
    setBusy(false);
    // Only when the dialog opens: a later tree refresh must not overwrite what is typed.
  }, [open]);
  useEffect(() => setWithRam(avail.ramPossible), [avail.ramPossible, open]);
  const nameError = validateName(name, tree);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (nameError || !avail.canTake || busy) return;
    setBusy(true);
    const ok = await onTake({ name: name.trim(), description, withRam: avail.ramPossible && withRam });
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog open={open} onClose={busy ? undefined : onClose} aria-labelledby="take-snapshot-title" fullWidth maxWidth="sm">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle id="take-snapshot-title">Take a snapshot of "{vmName}"</DialogTitle>
        <DialogContent>
          <TextField
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onBlur={() => setTouched(true)}
            error={touched && nameError !== null}
            helperText={touched && nameError ? nameError : ' '}
            required
            autoFocus
            fullWidth
            margin="dense"
            disabled={busy}
          />
          <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} multiline minRows={2} fullWidth margin="dense" disabled={busy} />
          <FormControlLabel
            control={<Checkbox checked={avail.ramPossible && withRam} onChange={(e) => setWithRam(e.target.checked)} disabled={!avail.ramPossible || busy} slotProps={{ input: { 'aria-describedby': 'take-ram-help' } }} />}
            label="Include RAM"
          />
          <FormHelperText id="take-ram-help">
            {avail.reason ?? (withRam ? 'The running state is saved too: restoring it resumes the machine exactly where it was.' : 'Disks only: restoring it needs the machine shut down, and it then boots from those disks.')}
          </FormHelperText>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={busy}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={busy || !avail.canTake || (touched && nameError !== null)}>Take</Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export interface RestoreRequest {
  /** Set when the user asked to snapshot the current state first. */
  takeFirst: { name: string } | null;
}

/** "Restore": warns that the current state will be lost and offers to take a snapshot of it first. */
export function RestoreSnapshotDialog({ node, vmName, tree, onClose, onRestore }: {
  node: SnapshotNodeInfo | null;
  vmName: string;
  tree: SnapshotTree | null;
  onClose: () => void;
  onRestore: (req: RestoreRequest) => Promise<boolean>;
}) {
  const shown = useLast(node);
  const [takeFirst, setTakeFirst] = useState(false);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!node) return;
    setTakeFirst(false);
    setName(suggestName(tree));
    setBusy(false);
  }, [node?.id]);
  const nameError = takeFirst ? validateName(name, tree) : null;
  const submit = async () => {
    if (busy || nameError) return;
    setBusy(true);
    const ok = await onRestore({ takeFirst: takeFirst ? { name: name.trim() } : null });
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog open={node !== null} onClose={busy ? undefined : onClose} aria-labelledby="restore-snapshot-title" aria-describedby="restore-snapshot-text" fullWidth maxWidth="sm">
      <DialogTitle id="restore-snapshot-title">Restore "{shown?.name}"?</DialogTitle>
      <DialogContent>
        <DialogContentText id="restore-snapshot-text">
          The current state of "{vmName}" will be lost: everything that changed since the last snapshot is discarded, and the
          machine goes back to how it was in "{shown?.name}". Take a snapshot of it first to keep it.
        </DialogContentText>
        <FormControlLabel control={<Checkbox checked={takeFirst} onChange={(e) => setTakeFirst(e.target.checked)} disabled={busy} />} label="Take a snapshot first" />
        {takeFirst && (
          <TextField label="Name of the new snapshot" value={name} onChange={(e) => setName(e.target.value)} error={nameError !== null} helperText={nameError ?? ' '} fullWidth margin="dense" disabled={busy} />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy} autoFocus>Cancel</Button>
        <Button color="warning" variant="contained" onClick={() => void submit()} disabled={busy || nameError !== null}>Restore</Button>
      </DialogActions>
    </Dialog>
  );
}

/** "Delete": asks once; children move up to the deleted snapshot's parent. */
export function DeleteSnapshotDialog({ node, onClose, onDelete }: { node: SnapshotNodeInfo | null; onClose: () => void; onDelete: () => Promise<boolean> }) {
  const shown = useLast(node);
  const [busy, setBusy] = useState(false);
  useEffect(() => setBusy(false), [node?.id]);
  const submit = async () => {
    setBusy(true);
    const ok = await onDelete();
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog open={node !== null} onClose={busy ? undefined : onClose} aria-labelledby="delete-snapshot-title" aria-describedby="delete-snapshot-text">
      <DialogTitle id="delete-snapshot-title">Delete snapshot "{shown?.name}"?</DialogTitle>
      <DialogContent>
        <DialogContentText id="delete-snapshot-text">
          The snapshot is removed from the disk images; snapshots taken after it stay and move up to its parent. The machine's
          current state does not change. This cannot be undone.
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy} autoFocus>Cancel</Button>
        <Button color="error" variant="contained" onClick={() => void submit()} disabled={busy}>Delete</Button>
      </DialogActions>
    </Dialog>
  );
}
