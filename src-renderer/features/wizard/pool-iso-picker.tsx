import { useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import type { PoolIso } from '../../../src-shared/contract/index.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { formatBytes } from '../disks/disk-model.js';

type Upload = { name: string; jobId: string; percent: number; bytesPerSecond: number | null };

function newJobId(): string {
  return `upload-${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The ISO images in a libvirt connection's storage pools (paths on that host, where its QEMU can read them):
 * choosing one fills the wizard's ISO path. A host without any says where to put them. Upload… sends an ISO of
 * this computer into the pool "default" (a job with progress, speed and Cancel) and chooses it when it is there.
 */
export function PoolIsoPicker({ connection, selected, onPick }: { connection: string; selected: string; onPick: (path: string) => void }) {
  const api = useApi();
  const [isos, setIsos] = useState<PoolIso[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [upload, setUpload] = useState<Upload | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const current = useRef<string | null>(null);
  useEffect(() => {
    let alive = true;
    setIsos(null);
    setError(null);
    api.call('media.poolIsos', {}, { connection }).then(
      (r) => alive && setIsos(r.isos),
      (err: unknown) => alive && setError(describeError(err, `list the ISOs on "${connection}"`)),
    );
    return () => {
      alive = false;
    };
  }, [api, connection, reload]);

  useEffect(
    () =>
      api.onEvent((e) => {
        if (e.type !== 'vm.job' || e.jobId !== current.current || e.status !== 'running') return;
        setUpload((u) => (u && u.jobId === e.jobId ? { ...u, percent: e.percent ?? u.percent, bytesPerSecond: e.bytesPerSecond ?? u.bytesPerSecond } : u));
      }),
    [api],
  );

  const startUpload = async () => {
    setUploadError(null);
    let file: string | null;
    try {
      file = await api.app('dialog:openFile', { title: `Choose an ISO to upload to “${connection}”`, filters: [{ name: 'ISO images', extensions: ['iso'] }] });
    } catch (err) {
      setUploadError(describeError(err, 'open the file chooser'));
      return;
    }
    if (!file) return;
    const name = file.replace(/^.*[\\/]/, '');
    const jobId = newJobId();
    current.current = jobId;
    setUpload({ name, jobId, percent: 0, bytesPerSecond: null });
    try {
      const r = await api.call('pool.upload', { path: file, jobId }, { connection });
      onPick(r.path);
      setReload((n) => n + 1);
    } catch (err) {
      setUploadError(describeError(err, `upload ${name} to "${connection}"`));
    } finally {
      current.current = null;
      setUpload(null);
    }
  };

  let body;
  if (error) body = <Typography variant="body2" color="error" sx={{ mt: 1 }}>{error}</Typography>;
  else if (isos === null) body = <Typography variant="body2" sx={{ mt: 1 }}>Reading the storage pools of “{connection}”…</Typography>;
  else if (isos.length === 0) {
    body = <Typography variant="body2" sx={{ mt: 1 }}>No ISO in the storage pools of “{connection}” (put one in /var/lib/libvirt/images there, upload one, or type its path).</Typography>;
  } else {
    body = (
      <List dense aria-label={`ISOs on ${connection}`} sx={{ mt: 1, maxHeight: 180, overflow: 'auto', border: 1, borderColor: 'divider', borderRadius: 1 }}>
        {isos.map((iso) => (
          <ListItemButton key={iso.path} selected={iso.path === selected} onClick={() => onPick(iso.path)}>
            <ListItemText primary={iso.name} secondary={`${iso.pool} · ${formatBytes(iso.sizeBytes)} · ${iso.path}`} />
          </ListItemButton>
        ))}
      </List>
    );
  }
  return (
    <Box>
      {body}
      {upload ? (
        <Box sx={{ mt: 1 }}>
          <Typography variant="body2">Uploading {upload.name} to “{connection}”…</Typography>
          <LinearProgress aria-label={`Uploading ${upload.name}`} variant="determinate" value={upload.percent} sx={{ my: 0.5 }} />
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
            <Typography variant="body2" role="status" sx={{ flex: 1 }}>
              {upload.percent}%{upload.bytesPerSecond ? ` · ${formatBytes(upload.bytesPerSecond)}/s` : ''}
            </Typography>
            <Button size="small" onClick={() => void api.call('job.cancel', { jobId: upload.jobId }, { connection }).catch(() => undefined)}>Cancel upload</Button>
          </Box>
        </Box>
      ) : (
        <Button size="small" variant="outlined" sx={{ mt: 1 }} onClick={() => void startUpload()} aria-label={`Upload an ISO to ${connection}`}>
          Upload…
        </Button>
      )}
      {uploadError && (
        <Alert severity="error" role="alert" sx={{ mt: 1 }}>
          {uploadError}
        </Alert>
      )}
    </Box>
  );
}
