import { useCallback, useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { DiskInfo } from '../../../src-shared/contract/commands.js';
import type { VmDisk, VmDocument } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { useNotify } from '../../components/notifier.js';
import { baseName, formatBytes, stoppedReason } from './disk-model.js';
import { AddDiskDialog, GrowDiskDialog, RemoveDiskDialog, type AddDiskRequest } from './disk-dialogs.js';
import { useJobProgress } from './use-job-progress.js';

export interface DiskTableProps {
  vmId: string;
  name: string;
  /** The disks as the engine has them (the settings dialog's saved document). */
  disks: ReadonlyArray<VmDisk>;
  state: VmRunState;
  /** The engine changed the document itself (disk added, removed, converted): the new one. */
  onDocChange: (doc: VmDocument) => void;
}

type Open = { kind: 'add' } | { kind: 'remove'; disk: VmDisk } | { kind: 'grow'; disk: VmDisk } | null;
type Infos = Record<string, { info: DiskInfo } | { error: string }>;

const REASON_ID = 'disk-table-locked-reason';

/**
 * The Storage page's disks as the engine sees them: bus, format, sizes and backing chain (`disk.info`), and the
 * disk operations. These act on the engine at once (like the port-forward table), outside the settings draft.
 */
export function DiskTable({ vmId, name, disks, state, onDocChange }: DiskTableProps) {
  const api = useApi();
  const notify = useNotify();
  const [infos, setInfos] = useState<Infos>({});
  const [open, setOpen] = useState<Open>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useJobProgress(api);
  const locked = stoppedReason(state);

  const refresh = useCallback(async () => {
    const entries = await Promise.all(
      disks.map(async (d): Promise<[string, Infos[string]]> => {
        try {
          return [d.id, { info: await api.call('disk.info', { vm: vmId, disk: d.id }) }];
        } catch (err) {
          return [d.id, { error: describeError(err) }];
        }
      }),
    );
    setInfos(Object.fromEntries(entries));
  }, [api, vmId, disks]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  /** Runs one engine operation: busy while it lasts, the sizes read again after. Resolves to an error message or null. */
  const act = async (what: string, doing: string, op: () => Promise<string | null>): Promise<string | null> => {
    setBusy(what);
    setError(null);
    try {
      const done = await op();
      if (done) notify(done, 'success');
      return null;
    } catch (err) {
      return describeError(err, doing);
    } finally {
      setBusy(null);
      job.end();
      await refresh();
    }
  };
  /** Row actions show their failure above the table (the dialogs show their own). */
  const rowAct = (what: string, doing: string, op: () => Promise<string | null>) =>
    void act(what, doing, op).then((message) => message && setError(message));

  const add = (req: AddDiskRequest) =>
    act('add', 'add the disk', async () => {
      const r = await api.call('disk.add', { vm: vmId, ...req });
      onDocChange(r.doc);
      setOpen(null);
      return 'sizeGiB' in req ? `Added a new ${req.sizeGiB} GiB disk (${r.disk.id}).` : `Added ${baseName(req.path)} as ${r.disk.id}.`;
    });
  const remove = (disk: VmDisk, deleteFile: boolean) =>
    act(`remove ${disk.id}`, `remove disk ${disk.id}`, async () => {
      const r = await api.call('disk.remove', { vm: vmId, disk: disk.id, deleteFile });
      onDocChange(r.doc);
      setOpen(null);
      return r.deletedFile ? `Removed disk ${disk.id} and deleted ${baseName(r.deletedFile)}.` : `Removed disk ${disk.id}; its image is still on disk.`;
    });
  const grow = (disk: VmDisk, sizeGiB: number) =>
    act(`grow ${disk.id}`, `grow disk ${disk.id}`, async () => {
      const r = await api.call('disk.resize', { vm: vmId, disk: disk.id, sizeGiB });
      setOpen(null);
      return `Disk ${disk.id} is now ${formatBytes(r.virtualSize)}.`;
    });
  const convert = (disk: VmDisk) =>
    rowAct(`convert ${disk.id}`, `convert disk ${disk.id}`, async () => {
      const r = await api.call('disk.convert', { vm: vmId, disk: disk.id, jobId: job.begin('convert') });
      onDocChange(r.doc);
      return `Converted disk ${disk.id} to qcow2. The old image ${baseName(r.oldPath)} is kept; delete it yourself when you no longer need it.`;
    });
  const compact = (disk: VmDisk) =>
    rowAct(`compact ${disk.id}`, `compact disk ${disk.id}`, async () => {
      const r = await api.call('disk.compact', { vm: vmId, disk: disk.id, jobId: job.begin('compact') });
      return `Compacted disk ${disk.id}: ${formatBytes(r.actualSizeBefore)} → ${formatBytes(r.actualSizeAfter)} on the host.`;
    });

  const lockProps = (extra: string | null) => {
    const reason = locked ?? extra;
    return { disabled: busy !== null || reason !== null, title: reason ?? undefined, 'aria-describedby': locked ? REASON_ID : undefined };
  };

  return (
    <Box>
      {locked && <Typography id={REASON_ID} variant="body2" color="text.secondary" sx={{ mb: 1 }}>{locked}: "{name}" is running.</Typography>}
      {/* Fixed layout: the table fits the dialog; long names end in an ellipsis with the full path as a tooltip. */}
      <Table size="small" aria-label="Disks" sx={{ tableLayout: 'fixed', width: '100%', '& th': { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }, '& td': { verticalAlign: 'top' } }}>
        <TableHead>
          <TableRow>
            <TableCell sx={{ width: '22%' }}>Disk</TableCell>
            <TableCell sx={{ width: '10%' }}>Bus</TableCell>
            <TableCell sx={{ width: '9%' }}>Format</TableCell>
            <TableCell sx={{ width: '10%' }} title="Virtual size: what the guest sees">Size</TableCell>
            <TableCell sx={{ width: '10%' }} title="Space the image takes on the host">On host</TableCell>
            <TableCell sx={{ width: '17%' }} title="Backing chain">Backing</TableCell>
            <TableCell sx={{ width: '22%' }}>Actions</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {disks.length === 0 && (
            <TableRow>
              <TableCell colSpan={7}><Typography variant="body2" color="text.secondary">No disks.</Typography></TableCell>
            </TableRow>
          )}
          {disks.map((d) => {
            const entry = infos[d.id];
            const info = entry && 'info' in entry ? entry.info : null;
            const bases = info ? info.backingChain.slice(1) : [];
            const running = busy === `convert ${d.id}` || busy === `compact ${d.id}`;
            return (
              <TableRow key={d.id}>
                <TableCell title={d.path}>{d.id}<Typography variant="caption" component="div" color="text.secondary" noWrap>{baseName(d.path)}{d.readOnly ? ' (read-only)' : ''}</Typography></TableCell>
                <TableCell>{d.bus}</TableCell>
                <TableCell>{info?.format ?? d.format}</TableCell>
                <TableCell>{info ? formatBytes(info.virtualSize) : entry ? '—' : '…'}</TableCell>
                <TableCell>{info ? formatBytes(info.actualSize) : entry ? '—' : '…'}</TableCell>
                <TableCell>
                  {entry && 'error' in entry && <Typography variant="caption" color="error" sx={{ overflowWrap: 'anywhere' }}>{entry.error}</Typography>}
                  {info && bases.length === 0 && <Typography variant="caption" color="text.secondary">None</Typography>}
                  {bases.map((b) => (
                    <Typography key={b.filename} variant="caption" component="div" noWrap title={b.filename}>↳ {baseName(b.filename)} ({b.format}, {formatBytes(b.virtualSize)})</Typography>
                  ))}
                </TableCell>
                <TableCell>
                  <Box sx={{ display: 'flex', flexWrap: 'wrap', columnGap: 0.5, '& .MuiButton-root': { minWidth: 0, px: 0.5 } }}>
                  <Button size="small" aria-label={`Grow ${d.id}`} onClick={() => setOpen({ kind: 'grow', disk: d })} {...lockProps(d.readOnly ? 'A read-only disk cannot grow' : null)}>Grow…</Button>
                  <Button size="small" aria-label={`Convert ${d.id} to qcow2`} onClick={() => convert(d)} {...lockProps(d.format === 'qcow2' ? 'Already qcow2' : null)}>Convert</Button>
                  <Button size="small" aria-label={`Compact ${d.id}`} onClick={() => compact(d)} {...lockProps(d.format !== 'qcow2' ? 'Compacting works on qcow2 disks; convert it first' : bases.length > 0 ? 'An overlay on a backing file cannot be compacted' : null)}>Compact</Button>
                  <Button size="small" color="error" aria-label={`Remove disk ${d.id}`} onClick={() => setOpen({ kind: 'remove', disk: d })} {...lockProps(null)}>Remove</Button>
                  </Box>
                  {running && job.running && (
                    <LinearProgress
                      variant={job.running.percent === null ? 'indeterminate' : 'determinate'}
                      value={job.running.percent ?? 0}
                      aria-label={`${busy?.startsWith('convert') ? 'Converting' : 'Compacting'} ${d.id}`}
                      sx={{ mt: 0.5 }}
                    />
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      <Box sx={{ my: 1 }}>
        <Button onClick={() => setOpen({ kind: 'add' })} {...lockProps(null)}>Add disk</Button>
      </Box>
      {error && <Alert severity="error" onClose={() => setError(null)}>{error}</Alert>}
      {open?.kind === 'add' && <AddDiskDialog onSubmit={add} onClose={() => setOpen(null)} />}
      {open?.kind === 'remove' && (
        <RemoveDiskDialog disk={open.disk.id} inBundle={!/^([\\/]|[A-Za-z]:)/.test(open.disk.path)} onSubmit={({ deleteFile }) => remove(open.disk, deleteFile)} onClose={() => setOpen(null)} />
      )}
      {open?.kind === 'grow' && (
        <GrowDiskDialog
          disk={open.disk.id}
          virtualSize={(() => {
            const e = infos[open.disk.id];
            return e && 'info' in e ? e.info.virtualSize : null;
          })()}
          onSubmit={({ sizeGiB }) => grow(open.disk, sizeGiB)}
          onClose={() => setOpen(null)}
        />
      )}
    </Box>
  );
}
