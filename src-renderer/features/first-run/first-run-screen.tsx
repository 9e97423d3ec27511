import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import RefreshIcon from '@mui/icons-material/Refresh';
import type { HostSummary } from '../../../src-shared/contract/index.js';
import { CopyCommand } from './copy-command.js';
import { firstRunNeed, kvmLine } from './first-run-model.js';

export interface FirstRunScreenProps {
  host: HostSummary;
  checking: boolean;
  /** Why the last "Check again" failed (e.g. the engine went away). */
  error: string | null;
  onCheckAgain: () => void;
  /** Only offered when the missing piece is optional (UEFI firmware). */
  onContinue?: () => void;
}

/** The first-run screen: what is missing, the exact command that installs it here, Copy, Check again. */
export function FirstRunScreen({ host, checking, error, onCheckAgain, onContinue }: FirstRunScreenProps) {
  const need = firstRunNeed(host);
  const kvm = kvmLine(host);
  if (!need) return null;
  return (
    <Box component="main" aria-labelledby="first-run-title" sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', p: 3, bgcolor: 'background.default', color: 'text.primary' }}>
      <Paper variant="outlined" sx={{ maxWidth: 720, width: '100%', p: 4 }}>
        <Stack spacing={2.5}>
          <Typography variant="overline" color="text.secondary">Welcome to Hangar</Typography>
          <Typography id="first-run-title" variant="h5" component="h1">{need.title}</Typography>
          <Typography>{need.explanation}</Typography>
          <Typography variant="subtitle2" component="h2">Run this command in a terminal:</Typography>
          <CopyCommand command={need.command} label="Install command" />
          {kvm && (
            <Alert severity="info" variant="outlined">
              {kvm}
            </Alert>
          )}
          {error && <Alert severity="error">{error}</Alert>}
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
            <Button variant="contained" onClick={onCheckAgain} disabled={checking} startIcon={checking ? <CircularProgress size={16} color="inherit" /> : <RefreshIcon />}>
              {checking ? 'Checking…' : 'Check again'}
            </Button>
            {need.canContinue && onContinue && (
              <Button onClick={onContinue} disabled={checking}>
                Continue without UEFI
              </Button>
            )}
          </Box>
          {host.libraryDir && (
            <Typography variant="caption" color="text.secondary">
              Library: {host.libraryDir}
            </Typography>
          )}
        </Stack>
      </Paper>
    </Box>
  );
}
