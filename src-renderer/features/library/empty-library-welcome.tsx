import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import FolderOpenIcon from '@mui/icons-material/FolderOpen';
import { kvmLine } from '../first-run/first-run-model.js';
import { useHostSummary } from '../first-run/host-context.js';

/** The welcoming first step of an empty library: create a machine, or add an existing bundle. */
export function EmptyLibraryWelcome({ onCreate, onAddExisting }: { onCreate: () => void; onAddExisting: () => void }) {
  const host = useHostSummary();
  const kvm = host ? kvmLine(host) : null;
  return (
    <Box component="section" aria-labelledby="welcome-title" sx={{ height: '100%', display: 'flex', alignItems: 'center', justifyContent: 'center', p: 3 }}>
      <Stack spacing={2} sx={{ maxWidth: 560, textAlign: 'center', alignItems: 'center' }}>
        <Typography id="welcome-title" variant="h5" component="h2">Welcome to Hangar</Typography>
        <Typography color="text.secondary">
          Your library is empty. Create a virtual machine from an installer ISO (or an existing disk image), or add a machine folder (.hangar) you already have.
        </Typography>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', justifyContent: 'center' }}>
          <Button variant="contained" size="large" startIcon={<AddIcon />} onClick={onCreate}>
            Create your first virtual machine
          </Button>
          <Button variant="outlined" size="large" startIcon={<FolderOpenIcon />} onClick={onAddExisting}>
            Add existing machine
          </Button>
        </Box>
        {kvm && (
          <Alert severity="info" variant="outlined" sx={{ textAlign: 'left' }}>
            {kvm}
          </Alert>
        )}
      </Stack>
    </Box>
  );
}
