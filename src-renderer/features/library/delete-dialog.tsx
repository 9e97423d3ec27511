import { useState } from 'react';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import type { LibraryVm } from '../../state/library-store.js';

export interface DeleteDialogProps {
  vms: ReadonlyArray<LibraryVm>;
  open: boolean;
  onClose: () => void;
  /** files=false: remove from the library only; files=true: delete the bundle folder and its disks. */
  onConfirm: (files: boolean) => Promise<void> | void;
  /** Machines on a libvirt connection: the choice is the domain alone, or its storage volumes too. */
  libvirt?: boolean;
}

/** Asks how far a delete goes: "Remove from library" (files stay) or "Delete files too". */
export function DeleteDialog({ vms, open, onClose, onConfirm, libvirt = false }: DeleteDialogProps) {
  const [busy, setBusy] = useState(false);
  const what = vms.length === 1 ? `"${vms[0]?.name}"` : `${vms.length} machines`;
  const confirm = async (files: boolean) => {
    setBusy(true);
    try {
      await onConfirm(files);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={busy ? undefined : onClose} aria-labelledby="delete-title" aria-describedby="delete-text">
      <DialogTitle id="delete-title">Delete {what}?</DialogTitle>
      <DialogContent>
        <DialogContentText id="delete-text">
          {libvirt
            ? '"Remove from library" undefines the libvirt domain and its snapshots; its disks stay in their storage pool. "Delete files too" also deletes its storage volumes; this cannot be undone.'
            : `"Remove from library" keeps the machine's folder and disks on disk, so you can add it back later with "Add existing". "Delete files too" erases the folder, its disks and snapshots; this cannot be undone.`}
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy} autoFocus>Cancel</Button>
        <Button onClick={() => void confirm(false)} disabled={busy}>Remove from library</Button>
        <Button onClick={() => void confirm(true)} disabled={busy} color="error" variant="contained">Delete files too</Button>
      </DialogActions>
    </Dialog>
  );
}
