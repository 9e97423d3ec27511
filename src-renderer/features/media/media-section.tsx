import { useRef, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import AlbumIcon from '@mui/icons-material/Album';
import EjectIcon from '@mui/icons-material/Eject';
import HistoryIcon from '@mui/icons-material/History';
import type { RecentIso } from '../../../src-shared/contract/index.js';
import type { VmCdrom } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { useApi } from '../../state/api-context.js';
import { useNotify } from '../../components/notifier.js';
import { describeError } from '../../state/errors.js';
import { isoFileName, useVmMedia, type DriveStatus } from './media-tracker.js';

export interface MediaVm {
  id: string;
  name: string;
  state: VmRunState;
}

/** Media can change while QEMU runs (live) or while it is stopped (the document); not in between. */
export function canChangeMedia(state: VmRunState): boolean {
  return state.kind === 'running' || state.kind === 'paused' || state.kind === 'stopped' || state.kind === 'crashed';
}

/** "debian.iso", "debian.iso · Tray open", "Empty", "Empty · Tray open". */
export function driveText(path: string | null, trayOpen: boolean): string {
  return `${path ? isoFileName(path) : 'Empty'}${trayOpen ? ' · Tray open' : ''}`;
}

export const INSERT_DIALOG = { title: 'Choose an ISO image to insert', filters: [{ name: 'Disk images', extensions: ['iso'] }] };

function DriveControls({ vm, cdrom, status, suffix }: { vm: MediaVm; cdrom: VmCdrom; status: DriveStatus | undefined; suffix: string }) {
  const api = useApi();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const [recent, setRecent] = useState<ReadonlyArray<RecentIso> | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const recentRef = useRef<HTMLButtonElement>(null);
  const enabled = canChangeMedia(vm.state) && !busy;
  // The document holds the medium (refetched on vm.changed); the tray is only known from events.
  const path = cdrom.path;
  const trayOpen = status?.trayOpen ?? false;

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      notify(describeError(err, what), 'error');
    } finally {
      setBusy(false);
    }
  };

  const insert = (iso: string) =>
    act(`insert ${isoFileName(iso)} into "${vm.name}"`, async () => {
      await api.call('media.insert', { vm: vm.id, drive: cdrom.id, path: iso });
      notify(`Inserted ${isoFileName(iso)} into ${cdrom.id} of "${vm.name}".`, 'success');
    });

  const browse = () =>
    act('open the file chooser', async () => {
      const file = await api.app('dialog:openFile', INSERT_DIALOG);
      if (file) await insert(file);
    });

  const eject = () =>
    act(`eject ${cdrom.id} of "${vm.name}"`, async () => {
      await api.call('media.eject', { vm: vm.id, drive: cdrom.id });
      notify(`Ejected the medium of ${cdrom.id} of "${vm.name}".`, 'info');
    });

  const openRecent = () => {
    setMenuOpen(true);
    setRecent(null);
    api.call('media.recent', {}).then(
      (r) => setRecent(r.isos),
      (err: unknown) => {
        setMenuOpen(false);
        notify(describeError(err, 'list the recent ISOs'), 'error');
      },
    );
  };

  const menuId = `recent-isos-${vm.id}-${cdrom.id}`;
  return (
    <Box sx={{ mb: 0.5 }}>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, m: 0 }}>
        <Typography component="dt" variant="body2" color="text.secondary">CD/DVD {cdrom.id}</Typography>
        <Typography component="dd" variant="body2" sx={{ m: 0, overflowWrap: 'anywhere' }} title={path ?? undefined}>
          {driveText(path, trayOpen)}
        </Typography>
      </Box>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, mt: 0.5 }}>
        <Button size="small" variant="outlined" startIcon={<AlbumIcon fontSize="small" />} disabled={!enabled} onClick={() => void browse()}>
          {`Insert ISO…${suffix}`}
        </Button>
        <Button size="small" startIcon={<EjectIcon fontSize="small" />} disabled={!enabled || path === null} onClick={() => void eject()}>
          {`Eject${suffix}`}
        </Button>
        <Button
          ref={recentRef}
          size="small"
          startIcon={<HistoryIcon fontSize="small" />}
          disabled={!enabled}
          aria-haspopup="menu"
          aria-expanded={menuOpen}
          aria-controls={menuOpen ? menuId : undefined}
          onClick={openRecent}
        >
          {`Recent ISOs${suffix}`}
        </Button>
      </Box>
      <Menu id={menuId} anchorEl={recentRef.current} open={menuOpen} onClose={() => setMenuOpen(false)} aria-label="Recent ISOs">
        {recent === null && <MenuItem disabled>Loading…</MenuItem>}
        {recent !== null && recent.length === 0 && <MenuItem disabled>No recent ISOs</MenuItem>}
        {recent?.map((iso) => (
          <MenuItem
            key={iso.path}
            aria-label={iso.name}
            title={iso.path}
            onClick={() => {
              setMenuOpen(false);
              void insert(iso.path);
            }}
          >
            <ListItemText primary={iso.name} secondary={iso.path} />
          </MenuItem>
        ))}
      </Menu>
    </Box>
  );
}

/**
 * The details pane's "Removable media" section: each CD drive's ISO and tray, with "Insert ISO…" (the file
 * dialog; the in-app file browser in the browser host), "Eject" and a recent-ISO menu. Live while the VM
 * runs, a document change while it is stopped; the engine decides, the commands are the same.
 */
export function MediaSection({ vm, cdroms }: { vm: MediaVm; cdroms: ReadonlyArray<VmCdrom> }) {
  const api = useApi();
  const media = useVmMedia(api, vm.id);
  return (
    <Paper variant="outlined" component="section" aria-labelledby="details-removable-media" sx={{ p: 1.5, mb: 1.5 }}>
      <Typography id="details-removable-media" variant="subtitle2" component="h3" sx={{ mb: 0.5 }}>Removable media</Typography>
      {cdroms.length === 0 ? (
        <Typography variant="body2" color="text.secondary">No CD drive. Add one in the Storage settings.</Typography>
      ) : (
        cdroms.map((c, i) => <DriveControls key={c.id} vm={vm} cdrom={c} status={media.get(c.id)} suffix={i === 0 ? '' : ` (${c.id})`} />)
      )}
      {!canChangeMedia(vm.state) && (
        <Typography variant="caption" color="text.secondary">Media can be changed while the machine runs or is powered off.</Typography>
      )}
    </Paper>
  );
}
