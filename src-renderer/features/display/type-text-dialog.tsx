import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';

/** Asks for the text to type when the clipboard cannot be read. `text` null: closed. */
export function TypeTextDialog({ text, onChange, onCancel, onType }: { text: string | null; onChange: (text: string) => void; onCancel: () => void; onType: (text: string) => void }) {
  return (
    <Dialog open={text !== null} onClose={onCancel} fullWidth maxWidth="sm">
      <DialogTitle>Type text into the VM</DialogTitle>
      <DialogContent>
        <TextField
          autoFocus
          multiline
          minRows={3}
          fullWidth
          label="Text to type"
          helperText="The clipboard could not be read here; paste or type the text. It is sent as key presses (US layout)."
          value={text ?? ''}
          onChange={(e) => onChange(e.target.value)}
          sx={{ mt: 1 }}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button variant="contained" disabled={!text} onClick={() => onType(text ?? '')}>
          Type
        </Button>
      </DialogActions>
    </Dialog>
  );
}
