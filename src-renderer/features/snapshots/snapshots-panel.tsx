import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import AddAPhotoIcon from '@mui/icons-material/AddAPhoto';
import DeleteIcon from '@mui/icons-material/Delete';
import PhotoCameraIcon from '@mui/icons-material/PhotoCamera';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import RestoreIcon from '@mui/icons-material/Restore';
import type { SnapshotNodeInfo, SnapshotTree } from '../../../src-shared/contract/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { DialogStatusLine, NoticeScope, useDialogNotices, useNotify } from '../../components/notifier.js';
import { stateLabel } from '../library/vm-labels.js';
import { DeleteSnapshotDialog, RestoreSnapshotDialog, TakeSnapshotDialog, type RestoreRequest, type TakeRequest } from './snapshot-dialogs.js';
import { CURRENT_STATE_ID, restoreBlocker, takeAvailability, treeRows, validateName, type TreeRow } from './snapshot-model.js';
import { JOB_KIND_LABEL } from '../jobs/jobs-model.js';
import { loadThumbnail, useSnapshots, type SnapshotJob, type SnapshotsState } from './use-snapshots.js';

export interface SnapshotsVm {
  id: string;
  name: string;
  state: VmRunState;
}

/** "Taking snapshot…": the progress line says what the job is doing, in the jobs indicator's words. */
const jobText = (kind: SnapshotJob['kind']): string => `${JOB_KIND_LABEL[kind]}…`;

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A snapshot's screenshot, fetched when first shown. */
function Thumb({ api, vmId, node, width }: { api: HangarApi; vmId: string; node: SnapshotNodeInfo; width: number }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    setSrc(null);
    if (!node.thumbnail) return;
    let alive = true;
    void loadThumbnail(api, vmId, node.id).then((s) => alive && setSrc(s));
    return () => {
      alive = false;
    };
  }, [api, vmId, node.id, node.thumbnail]);
  const height = Math.round((width * 5) / 8);
  if (!src) {
    return (
      <Box sx={{ width, height, flex: 'none', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'action.hover', borderRadius: 0.5 }}>
        <PhotoCameraIcon fontSize="small" color="disabled" />
      </Box>
    );
  }
  return <Box component="img" src={src} alt={width > 100 ? `Screen of "${node.name}"` : ''} sx={{ width, height, flex: 'none', objectFit: 'contain', bgcolor: 'common.black', borderRadius: 0.5 }} />;
}

/** Name and description of a snapshot, edited in place; "Save" renames/describes it. */
function SnapshotDetails({ api, vm, node, tree, change }: { api: HangarApi; vm: SnapshotsVm; node: SnapshotNodeInfo; tree: SnapshotTree; change: SnapshotsState['change'] }) {
  const notify = useNotify();
  const [name, setName] = useState(node.name);
  const [description, setDescription] = useState(node.description);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setName(node.name);
    setDescription(node.description);
  }, [node.id, node.name, node.description]);
  const nameError = validateName(name, tree, node.id);
  const dirty = name.trim() !== node.name || description !== node.description;
  const save = async () => {
    if (nameError || !dirty) return;
    setBusy(true);
    try {
      const r = await change(() =>
        api.call('snapshot.rename', {
          vm: vm.id,
          snapshot: node.id,
          ...(name.trim() !== node.name ? { name: name.trim() } : {}),
          ...(description !== node.description ? { description } : {}),
        }),
      );
      notify(`Saved snapshot "${r.snapshot.name}".`, 'success');
    } catch (err) {
      notify(describeError(err, `save snapshot "${node.name}"`), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box aria-label={`Details of snapshot ${node.name}`} role="region">
      <Thumb api={api} vmId={vm.id} node={node} width={240} />
      {node.missing && (
        <Alert severity="error" sx={{ my: 1 }}>
          Missing from {node.missingIn?.length ? node.missingIn.join(', ') : 'the disk images'}: it cannot be restored. Delete it to tidy the tree.
        </Alert>
      )}
      {node.orphan && <Alert severity="info" sx={{ my: 1 }}>Found in the disk images without Hangar's details; its name is the image's tag.</Alert>}
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={nameError !== null} helperText={nameError ?? ' '} fullWidth margin="dense" size="small" disabled={busy} />
      <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} multiline minRows={2} fullWidth margin="dense" size="small" disabled={busy} />
      <Box sx={{ display: 'flex', justifyContent: 'flex-end', mb: 1 }}>
        <Button size="small" onClick={() => void save()} disabled={!dirty || nameError !== null || busy}>Save</Button>
      </Box>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.25, m: 0 }}>
        <Typography component="dt" variant="body2" color="text.secondary">Taken</Typography>
        <Typography component="dd" variant="body2" sx={{ m: 0 }}>{formatDate(node.createdAt)}</Typography>
        <Typography component="dt" variant="body2" color="text.secondary">Contents</Typography>
        <Typography component="dd" variant="body2" sx={{ m: 0 }}>{node.withRam ? 'Disks and RAM (the running state)' : 'Disks only'}</Typography>
        <Typography component="dt" variant="body2" color="text.secondary">Covers</Typography>
        <Typography component="dd" variant="body2" sx={{ m: 0 }}>{node.devices.join(', ') || '—'}</Typography>
      </Box>
    </Box>
  );
}

/**
 * The Snapshots panel (a dialog, like VirtualBox's snapshot view): the tree with a "Current state" row under
 * the current snapshot, the selected node's details, and Take / Restore / Delete. Live: it refetches on
 * `vm.snapshots` and shows `vm.job` progress.
 */
export function SnapshotsPanel({ vm, open, onClose }: { vm: SnapshotsVm; open: boolean; onClose: () => void }) {
  const api = useApi();
  // Results and errors go to the panel's own status line: the window's notices sit behind this modal.
  const notices = useDialogNotices();
  const notify = notices.notify;
  const [busy, setBusy] = useState<string | null>(null);
  const busyRef = useRef(false);
  const onJobFailed = useCallback(
    (job: SnapshotJob) => {
      if (!busyRef.current) notify(`Snapshot job failed: ${job.error ?? 'QEMU reported an error'}.`, 'error');
    },
    [notify],
  );
  const snaps = useSnapshots(api, open ? vm.id : null, onJobFailed);
  const { tree, change } = snaps;
  const rows = useMemo(() => (tree ? treeRows(tree) : []), [tree]);
  const [selectedId, setSelectedId] = useState<string>(CURRENT_STATE_ID);
  const [taking, setTaking] = useState(false);
  const [restoring, setRestoring] = useState<SnapshotNodeInfo | null>(null);
  const [deleting, setDeleting] = useState<SnapshotNodeInfo | null>(null);
  const treeRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (tree && !rows.some((r) => r.id === selectedId)) setSelectedId(CURRENT_STATE_ID);
  }, [tree, rows, selectedId]);

  const selected = rows.find((r) => r.id === selectedId) ?? null;
  const node = selected?.kind === 'snapshot' ? selected.node : null;
  const avail = takeAvailability(vm.state);
  const blocker = node ? restoreBlocker(node, vm.state) : null;

  /** Runs one engine action with the panel marked busy; errors go to the notifier. Resolves true on success. */
  const act = async (label: string, doing: string, fn: () => Promise<void>): Promise<boolean> => {
    busyRef.current = true;
    notices.clear();
    setBusy(label);
    try {
      await fn();
      return true;
    } catch (err) {
      notify(describeError(err, doing), 'error');
      return false;
    } finally {
      busyRef.current = false;
      setBusy(null);
    }
  };

  const take = (req: TakeRequest) =>
    act(jobText('snapshot-take'), `take snapshot "${req.name}"`, async () => {
      const r = await change(() => api.call('snapshot.take', { vm: vm.id, name: req.name, ...(req.description ? { description: req.description } : {}), withRam: req.withRam }));
      setSelectedId(r.snapshot.id);
      notify(`Took snapshot "${r.snapshot.name}"${r.snapshot.withRam ? ' with RAM' : ' (disks only)'}.`, 'success');
    });

  const restore = async (req: RestoreRequest) => {
    const target = restoring;
    if (!target) return false;
    if (req.takeFirst) {
      const name = req.takeFirst.name;
      const ok = await act(jobText('snapshot-take'), `take snapshot "${name}" before restoring`, async () => {
        await change(() => api.call('snapshot.take', { vm: vm.id, name, withRam: avail.ramPossible }));
      });
      if (!ok) return false;
    }
    return act(jobText('snapshot-restore'), `restore snapshot "${target.name}"`, async () => {
      const r = await change(() => api.call('snapshot.restore', { vm: vm.id, snapshot: target.id }));
      setSelectedId(CURRENT_STATE_ID);
      notify(
        r.pendingRamRestore ? `Restored the disks of "${r.snapshot.name}"; its running state resumes when the machine starts.` : `Restored "${r.snapshot.name}".`,
        'success',
      );
    });
  };

  const remove = async () => {
    const target = deleting;
    if (!target) return false;
    return act(jobText('snapshot-delete'), `delete snapshot "${target.name}"`, async () => {
      await change(() => api.call('snapshot.delete', { vm: vm.id, snapshot: target.id }));
      notify(`Deleted snapshot "${target.name}".`, 'success');
    });
  };

  const onTreeKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const i = rows.findIndex((r) => r.id === selectedId);
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, i + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = rows.length - 1;
    else if (e.key === 'Delete' && node && !busy) {
      e.preventDefault();
      setDeleting(node);
      return;
    }
    const target = next >= 0 ? rows[next] : undefined;
    if (!target) return;
    e.preventDefault();
    setSelectedId(target.id);
    treeRef.current?.querySelector<HTMLElement>(`[data-row-id="${target.id}"]`)?.focus();
  };

  const job = snaps.job;
  const progressText = job ? jobText(job.kind) : busy;

  const rowLabel = (row: TreeRow) => (row.kind === 'current' ? 'Current state' : row.node.name);

  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="snapshots-title" fullWidth maxWidth="md">
      <DialogTitle id="snapshots-title" sx={{ pb: 0 }}>Snapshots</DialogTitle>
      <DialogContent>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          "{vm.name}" · {stateLabel(vm.state)}
        </Typography>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 1 }} role="toolbar" aria-label="Snapshot actions">
          <Button variant="contained" startIcon={<AddAPhotoIcon />} onClick={() => setTaking(true)} disabled={!avail.canTake || busy !== null || !tree}>Take snapshot</Button>
          <Button startIcon={<RestoreIcon />} onClick={() => node && setRestoring(node)} disabled={!node || blocker !== null || busy !== null}>Restore</Button>
          <Button startIcon={<DeleteIcon />} color="error" onClick={() => node && setDeleting(node)} disabled={!node || busy !== null}>Delete</Button>
        </Box>
        <Box sx={{ height: 8, mb: 1 }}>
          {progressText && (
            <LinearProgress
              aria-label={progressText}
              variant={job?.percent !== undefined ? 'determinate' : 'indeterminate'}
              {...(job?.percent !== undefined ? { value: job.percent } : {})}
            />
          )}
        </Box>
        <DialogStatusLine text={progressText} notice={notices.notice} onDismiss={notices.clear} />
        {snaps.error && (
          <Alert severity="error" sx={{ mb: 1 }} action={<Button color="inherit" size="small" onClick={snaps.reload}>Retry</Button>}>{snaps.error}</Alert>
        )}
        <Box sx={{ display: 'flex', gap: 2, minHeight: 320, alignItems: 'stretch' }}>
          <Box sx={{ flex: '1 1 55%', minWidth: 0, border: 1, borderColor: 'divider', borderRadius: 1, overflowY: 'auto', maxHeight: 420 }}>
            {!tree && !snaps.error && <LinearProgress aria-label="Loading snapshots" />}
            {tree && (
              <Box component="ul" role="tree" aria-label="Snapshot tree" ref={treeRef} onKeyDown={onTreeKey} sx={{ listStyle: 'none', m: 0, p: 0.5 }}>
                {rows.map((row, index) => {
                  const isSelected = row.id === selectedId;
                  return (
                    <Box
                      component="li"
                      key={row.id}
                      role="treeitem"
                      data-row-id={row.id}
                      aria-label={rowLabel(row)}
                      aria-level={row.level}
                      aria-setsize={rows.length}
                      aria-posinset={index + 1}
                      aria-selected={isSelected}
                      aria-current={row.kind === 'snapshot' && row.isCurrent ? 'true' : undefined}
                      tabIndex={isSelected ? 0 : -1}
                      onClick={() => setSelectedId(row.id)}
                      onFocus={() => setSelectedId(row.id)}
                      sx={{
                        display: 'flex', alignItems: 'center', gap: 1, py: 0.5, pr: 1, pl: 1 + (row.level - 1) * 3, cursor: 'default', borderRadius: 1,
                        bgcolor: isSelected ? 'action.selected' : undefined, '&:hover': { bgcolor: isSelected ? 'action.selected' : 'action.hover' },
                        outlineOffset: -2,
                      }}
                    >
                      {row.kind === 'current' ? (
                        <>
                          <Box sx={{ width: 48, display: 'flex', justifyContent: 'center' }}><PlayArrowIcon color="primary" /></Box>
                          <Box sx={{ minWidth: 0 }}>
                            <Typography variant="body2" sx={{ fontWeight: 600 }}>Current state</Typography>
                            <Typography variant="caption" color="text.secondary">{stateLabel(vm.state)}</Typography>
                          </Box>
                        </>
                      ) : (
                        <>
                          <Thumb api={api} vmId={vm.id} node={row.node} width={48} />
                          <Box sx={{ minWidth: 0 }}>
                            <Typography variant="body2" noWrap sx={{ fontWeight: row.isCurrent ? 600 : 400, color: row.node.missing ? 'error.main' : undefined }}>{row.node.name}</Typography>
                            <Typography variant="caption" color="text.secondary" noWrap component="div">
                              {formatDate(row.node.createdAt)} · {row.node.withRam ? 'with RAM' : 'disks only'}{row.node.missing ? ' · missing' : ''}
                            </Typography>
                          </Box>
                        </>
                      )}
                    </Box>
                  );
                })}
              </Box>
            )}
            {tree && tree.snapshots.length === 0 && (
              <Typography variant="body2" color="text.secondary" sx={{ p: 1.5 }}>No snapshots yet. "Take snapshot" saves the machine as it is now.</Typography>
            )}
          </Box>
          <Box sx={{ flex: '1 1 45%', minWidth: 0 }}>
            {node && tree ? (
              <NoticeScope notify={notify}>
                <SnapshotDetails api={api} vm={vm} node={node} tree={tree} change={change} />
              </NoticeScope>
            ) : (
              <Box role="region" aria-label="Details of the current state">
                <Typography variant="subtitle2">Current state</Typography>
                <Typography variant="body2" color="text.secondary">
                  {stateLabel(vm.state)}.{' '}
                  {tree?.currentId ? `Changes since "${tree.snapshots.find((s) => s.id === tree.currentId)?.name ?? '?'}" are not saved in any snapshot.` : 'No snapshot holds this state yet.'}
                </Typography>
                {tree?.pendingRamRestore && <Alert severity="info" sx={{ mt: 1 }}>The running state of the restored snapshot resumes when the machine starts.</Alert>}
                {!avail.canTake && avail.reason && <Typography variant="body2" sx={{ mt: 1 }}>{avail.reason}</Typography>}
              </Box>
            )}
            {node && blocker && <Alert severity="info" sx={{ mt: 1 }}>{blocker}</Alert>}
          </Box>
        </Box>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
      <TakeSnapshotDialog open={taking} vmName={vm.name} state={vm.state} tree={tree} onClose={() => setTaking(false)} onTake={take} />
      <RestoreSnapshotDialog node={restoring} vmName={vm.name} tree={tree} onClose={() => setRestoring(null)} onRestore={restore} />
      <DeleteSnapshotDialog node={deleting} onClose={() => setDeleting(null)} onDelete={remove} />
    </Dialog>
  );
}
