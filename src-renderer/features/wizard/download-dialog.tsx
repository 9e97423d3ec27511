import { useCallback, useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import type { DownloadCatalogEntry, DownloadKind } from '../../../src-shared/os-downloads/types.js';
import type { Architecture } from '../../../src-shared/vm-document/schema.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { formatBytes } from '../disks/disk-model.js';

export interface DownloadDialogProps {
  open: boolean;
  /** The wizard's architecture: only downloads for it are listed. */
  arch: Architecture;
  /** Installer ISOs (the default), or cloud images (the wizard's "From a cloud image"). */
  kind?: DownloadKind;
  onClose: () => void;
  /** The verified file, in the Installation media folder, and the entry it was downloaded as. */
  onDownloaded: (path: string, entry: DownloadCatalogEntry) => void;
}

type Phase = { kind: 'choose' } | { kind: 'running'; entry: DownloadCatalogEntry; jobId: string; percent: number | null; bytesPerSecond: number | null } | { kind: 'paused'; entry: DownloadCatalogEntry; jobId: string };

function newJobId(): string {
  return `download-${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The wizard's "Download…": the catalog's installers for the chosen architecture; one download at a time with its
 * progress and speed (the same job is in the toolbar's Jobs indicator), Pause (the partial file is kept: Resume
 * carries on) and Cancel; a verified file is handed to the wizard as its ISO.
 */
export function DownloadDialog({ open, arch, kind = 'installer', onClose, onDownloaded }: DownloadDialogProps) {
  const api = useApi();
  const [entries, setEntries] = useState<DownloadCatalogEntry[] | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'choose' });
  const [error, setError] = useState<string | null>(null);
  const [kept, setKept] = useState<string[]>([]);
  const current = useRef<string | null>(null);
  /** The Installation media folder's size (refreshed after each download and clean). */
  const [folder, setFolder] = useState<{ bytes: number; files: number } | null>(null);
  const refreshFolder = useCallback(() => {
    api.call('download.folder', {}).then(
      (f) => setFolder({ bytes: f.bytes, files: f.files.length }),
      () => setFolder(null),
    );
  }, [api]);

  useEffect(() => {
    if (open) refreshFolder();
  }, [open, refreshFolder]);

  useEffect(() => {
    if (!open) return;
    let alive = true;
    api.call('download.catalog', {}).then(
      (c) => alive && setEntries(c.entries.filter((e) => e.kind === kind && e.arch === arch)),
      (err: unknown) => alive && setError(describeError(err, 'read the download catalog')),
    );
    return () => {
      alive = false;
    };
  }, [api, open, arch, kind]);

  useEffect(
    () =>
      api.onEvent((e) => {
        if (e.type !== 'vm.job' || e.jobId !== current.current || e.status !== 'running') return;
        setPhase((p) => (p.kind === 'running' && p.jobId === e.jobId ? { ...p, percent: e.percent ?? p.percent, bytesPerSecond: e.bytesPerSecond ?? p.bytesPerSecond } : p));
      }),
    [api],
  );

  // Resume carries the paused job on under its id: the Jobs indicator's row goes from Paused back to running.
  const start = (entry: DownloadCatalogEntry, jobId = newJobId()) => {
    current.current = jobId;
    setError(null);
    setPhase({ kind: 'running', entry, jobId, percent: null, bytesPerSecond: null });
    api.call('download.start', { source: entry.id, jobId }).then(
      (r) => {
        current.current = null;
        setPhase({ kind: 'choose' });
        refreshFolder();
        onDownloaded(r.path, entry);
      },
      (err: unknown) => {
        current.current = null;
        const details = (err as { details?: { paused?: boolean } }).details;
        if (details?.paused) setPhase({ kind: 'paused', entry, jobId });
        else {
          setPhase({ kind: 'choose' });
          setError(describeError(err, `download ${entry.name}`));
        }
      },
    );
  };

  const running = phase.kind === 'running' ? phase : null;
  return (
    <Dialog open={open} onClose={running ? undefined : onClose} maxWidth="sm" fullWidth aria-labelledby="download-title">
      <DialogTitle id="download-title">{kind === 'cloud-image' ? 'Download a cloud image' : 'Download an installer'}</DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" sx={{ mb: 1 }}>
            {error}
          </Alert>
        )}
        {kept.length > 0 && (
          <Alert severity="info" sx={{ mb: 1 }}>
            Kept {kept.join(', ')}: {kept.length === 1 ? 'a machine uses it' : 'machines use them'} (a cloud image under a disk, or an ISO in a drive).
          </Alert>
        )}
        {running && (
          <>
            <Typography>Downloading {running.entry.name}…</Typography>
            <LinearProgress aria-label={`Downloading ${running.entry.name}`} variant={running.percent === null ? 'indeterminate' : 'determinate'} value={running.percent ?? 0} sx={{ my: 1 }} />
            <Typography variant="body2" role="status">
              {running.percent ?? 0}%{running.bytesPerSecond ? ` · ${formatBytes(running.bytesPerSecond)}/s` : ''}
            </Typography>
          </>
        )}
        {phase.kind === 'paused' && <Typography role="status">Paused: {phase.entry.name}. Resume carries on from where it stopped.</Typography>}
        {phase.kind === 'choose' && entries === null && !error && <LinearProgress aria-label="Reading the catalog" />}
        {phase.kind === 'choose' && entries !== null && (
          <>
            <Typography variant="body2" sx={{ mb: 1 }}>
              From the distributions&apos; own servers, checked against their checksum files before use. Files are kept in the Installation media folder.
            </Typography>
            {entries.length === 0 && <Typography>No installer in the catalog for {arch}.</Typography>}
            <List dense aria-label={kind === 'cloud-image' ? 'Cloud images' : 'Installers'}>
              {entries.map((e) => (
                <ListItemButton key={e.id} onClick={() => start(e)}>
                  <ListItemText primary={e.name} secondary={`${e.version} · about ${formatBytes(e.sizeBytes)}${e.unattended ? ' · can install automatically' : ''}`} />
                </ListItemButton>
              ))}
            </List>
          </>
        )}
      </DialogContent>
      <DialogActions>
        {folder && phase.kind === 'choose' && (
          <Typography variant="body2" sx={{ mr: 'auto', pl: 1 }} aria-label="Installation media folder">
            Installation media: {formatBytes(folder.bytes)} in {folder.files} file{folder.files === 1 ? '' : 's'}
          </Typography>
        )}
        {folder && folder.files > 0 && phase.kind === 'choose' && (
          <Button onClick={() => void api.call('download.clean', {}).then((r) => { setKept(r.inUse); refreshFolder(); }, (err: unknown) => setError(describeError(err, 'clean the Installation media folder')))}>Clean</Button>
        )}
        {running && <Button onClick={() => void api.call('download.pause', { jobId: running.jobId }).catch(() => undefined)}>Pause</Button>}
        {running && <Button onClick={() => void api.call('job.cancel', { jobId: running.jobId }).catch(() => undefined)}>Cancel download</Button>}
        {phase.kind === 'paused' && <Button onClick={() => start(phase.entry, phase.jobId)}>Resume</Button>}
        {!running && <Button onClick={onClose}>Close</Button>}
      </DialogActions>
    </Dialog>
  );
}
