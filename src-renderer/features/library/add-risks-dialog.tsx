import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';

export interface AddRisksDialogProps {
  /** The folder being added and what the engine found reaching outside it (`needs-confirmation` details.risks). */
  request: { path: string; risks: readonly string[] } | null;
  onCancel: () => void;
  onConfirm: () => void;
}

/** Asks before adding a machine folder that brings extra QEMU arguments or files from outside itself. */
export function AddRisksDialog({ request, onCancel, onConfirm }: AddRisksDialogProps) {
  return (
    <Dialog open={request !== null} onClose={onCancel} aria-labelledby="add-risks-title" aria-describedby="add-risks-text">
      <DialogTitle id="add-risks-title">Add a machine that reaches outside its folder?</DialogTitle>
      <DialogContent>
        <DialogContentText id="add-risks-text">
          {request?.path} brings settings that could let the machine read or change files on this computer:
        </DialogContentText>
        <ul aria-label="What the machine brings">
          {request?.risks.map((r) => (
            <li key={r}>
              <code>{r}</code>
            </li>
          ))}
        </ul>
        <DialogContentText>Add it only if you trust where it came from. You can check and change these in its settings afterwards.</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} autoFocus>Cancel</Button>
        <Button onClick={onConfirm} color="warning" variant="contained">Add anyway</Button>
      </DialogActions>
    </Dialog>
  );
}
