import { lazy, Suspense, useCallback, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import PhotoLibraryIcon from '@mui/icons-material/PhotoLibrary';
import { useApi } from '../../state/api-context.js';
import { useNotify } from '../../components/notifier.js';
import { snapshotSummary } from './snapshot-model.js';
import type { SnapshotsVm } from './snapshots-panel.js';
import { useSnapshots, type SnapshotJob } from './use-snapshots.js';

// Loaded when "Manage…" is first chosen: the library's first paint does not need it.
const SnapshotsPanel = lazy(() => import('./snapshots-panel.js').then((m) => ({ default: m.SnapshotsPanel })));

/** The details pane's "Snapshots" section: "N snapshots, current: X" and "Manage…", which opens the panel. */
export function SnapshotsSection({ vm }: { vm: SnapshotsVm }) {
  const api = useApi();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  // Failures of jobs nobody awaits (a RAM state resumed on start) while the panel is closed.
  const onJobFailed = useCallback((job: SnapshotJob) => {
    if (!open) notify(`Snapshot job failed: ${job.error ?? 'QEMU reported an error'}.`, 'error');
  }, [notify, open]);
  const snaps = useSnapshots(api, vm.id, onJobFailed);
  return (
    <Paper variant="outlined" component="section" aria-labelledby="details-snapshots" sx={{ p: 1.5, mb: 1.5 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', mb: 0.5 }}>
        <Typography id="details-snapshots" variant="subtitle2" component="h3" sx={{ flex: 1 }}>Snapshots</Typography>
        <Button size="small" startIcon={<PhotoLibraryIcon fontSize="small" />} aria-label="Manage snapshots" onClick={() => setOpen(true)}>Manage…</Button>
      </Box>
      <Typography variant="body2" color={snaps.error ? 'error' : 'text.primary'}>{snaps.error ?? snapshotSummary(snaps.tree)}</Typography>
      {open && (
        <Suspense fallback={null}>
          <SnapshotsPanel vm={vm} open={open} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </Paper>
  );
}
