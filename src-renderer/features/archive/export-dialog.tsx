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
import TextField from '@mui/material/TextField';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { useNotify } from '../../components/notifier.js';
import { formatBytes } from '../disks/disk-model.js';
import { JobProgressBar, useJobDialog } from '../jobs/use-job-dialog.js';
import { archiveNameError, defaultArchiveName, joinPath } from './archive-model.js';

export interface ExportDialogProps {
  vm: { id: string; name: string };
  onClose: () => void;
}

/** "Export…": the machine's folder as one archive, in a folder the user chooses (the shell's folder chooser) under a name typed here. */
export function ExportDialog({ vm, onClose }: ExportDialogProps) {
  const api = useApi();
  const notify = useNotify();
  const [folder, setFolder] = useState('');
  const [file, setFile] = useState(() => defaultArchiveName(vm.name));
  const [overwrite, setOverwrite] = useState(false);
  const dialog = useJobDialog(api);
  const { busy, error, setError, cancel } = dialog;
  const fileError = archiveNameError(file);

  const choose = async () => {
    try {
      const dir = await api.app('dialog:chooseFolder', { title: `Where to save "${vm.name}"`, ...(folder ? { defaultPath: folder } : {}) });
      if (dir) setFolder(dir);
    } catch (err) {
      setError(describeError(err, 'open the folder chooser'));
    }
  };
  const exportVm = async () => {
    if (fileError || folder.trim() === '') return;
    await dialog.run('export', `export "${vm.name}"`, async (jobId) => {
      const r = await api.call('vm.export', { vm: vm.id, path: joinPath(folder.trim(), file.trim()), overwrite, jobId });
      notify(`Exported "${vm.name}" to ${r.path} (${formatBytes(r.bytes)}).`, 'success');
      onClose();
    });
  };

  return (
    <Dialog open onClose={busy ? undefined : onClose} aria-labelledby="export-title" maxWidth="sm" fullWidth>
      <DialogTitle id="export-title">Export {vm.name}</DialogTitle>
      <DialogContent>
        <DialogContentText>One archive with the settings, disks and UEFI variables (not the logs). Import it on any Hangar.</DialogContentText>
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
          <TextField label="Folder" value={folder} onChange={(e) => setFolder(e.target.value)} margin="dense" sx={{ flex: 1 }} placeholder="Choose a folder" disabled={busy} helperText=" " />
          <Button sx={{ mt: 1.5 }} onClick={() => void choose()} disabled={busy}>Choose…</Button>
        </Box>
        <TextField label="File name" value={file} onChange={(e) => setFile(e.target.value)} margin="dense" fullWidth error={fileError !== null} helperText={fileError ?? '.tar.gz is compressed; .tar is faster'} disabled={busy} />
        <FormControlLabel control={<Checkbox checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} disabled={busy} />} label="Replace the file if it exists" />
        <JobProgressBar dialog={dialog} label={`Exporting ${vm.name}`} mt={1} />
        {error && <Alert severity="error" sx={{ mt: 1 }}>{error}</Alert>}
      </DialogContent>
      <DialogActions>
        {busy ? <Button onClick={cancel}>Stop exporting</Button> : <Button onClick={onClose}>Cancel</Button>}
        <Button onClick={() => void exportVm()} disabled={busy || fileError !== null || folder.trim() === ''} variant="contained">Export</Button>
      </DialogActions>
    </Dialog>
  );
}
