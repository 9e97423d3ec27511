import { useCallback, useEffect, useState } from 'react';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import type { FsEntry, FsRoot } from '../../src-shared/contract/index.js';
import type { HangarApi } from './hangar-api.js';
import { matchesFilters, type FileDialogHost, type FileDialogRequest } from './file-dialog.js';

function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

interface Listing {
  dir: string;
  parent: string | null;
  entries: FsEntry[];
}

/**
 * The browser host's file dialog: answers `dialog:openFile` / `dialog:chooseFolder` with a folder
 * browser over the engine's `fs.roots` / `fs.list` (which only show the allowed roots). Mount it once;
 * in Electron it never opens (native dialogs answer instead).
 */
export function FileBrowserDialog({ api, host }: { api: HangarApi; host: FileDialogHost }) {
  const [request, setRequest] = useState<FileDialogRequest | null>(host.current());
  const [roots, setRoots] = useState<FsRoot[]>([]);
  const [listing, setListing] = useState<Listing | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => host.subscribe(setRequest), [host]);

  const open = useCallback(
    async (dir: string) => {
      setError(null);
      setSelected(null);
      try {
        setListing(await api.call('fs.list', { dir }));
      } catch (err) {
        setError((err as Error).message);
      }
    },
    [api],
  );

  useEffect(() => {
    if (!request) return;
    let cancelled = false;
    setListing(null);
    setError(null);
    void (async () => {
      try {
        const r = (await api.call('fs.roots', {})).roots;
        if (cancelled) return;
        setRoots(r);
        const start = request.defaultPath ?? r[0]?.path;
        if (start) {
          try {
            if (!cancelled) setListing(await api.call('fs.list', { dir: start }));
          } catch {
            if (!cancelled && r[0]) setListing(await api.call('fs.list', { dir: r[0].path }));
          }
        }
      } catch (err) {
        if (!cancelled) setError((err as Error).message);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, request]);

  if (!request) return null;
  const join = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;
  const visible = (listing?.entries ?? []).filter((e) => e.kind === 'dir' || (request.mode === 'file' && e.kind === 'file' && matchesFilters(e.name, request.filters)));
  const choice = request.mode === 'folder' ? (selected ?? listing?.dir ?? null) : selected;

  return (
    <Dialog open onClose={() => request.resolve(null)} aria-labelledby="hangar-file-dialog-title" fullWidth maxWidth="sm">
      <DialogTitle id="hangar-file-dialog-title">{request.title}</DialogTitle>
      <DialogContent dividers>
        <nav aria-label="Places" style={{ display: 'flex', gap: 8, flexWrap: 'wrap', marginBottom: 8 }}>
          {roots.map((r) => (
            <Button key={r.path} size="small" variant="outlined" onClick={() => void open(r.path)} title={r.path}>
              {r.label}
            </Button>
          ))}
        </nav>
        <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }} aria-label="Current folder">
          {listing?.dir ?? '…'}
        </Typography>
        {error && (
          <Typography role="alert" color="error" variant="body2">
            {error}
          </Typography>
        )}
        <List dense aria-label="Folder contents" sx={{ maxHeight: 360, overflow: 'auto' }}>
          {listing?.parent && (
            <ListItemButton onClick={() => void open(listing.parent!)}>
              <ListItemText primary=".." secondary="Parent folder" />
            </ListItemButton>
          )}
          {visible.map((e) => {
            const path = join(listing!.dir, e.name);
            return (
              <ListItemButton
                key={e.name}
                selected={selected === path}
                onClick={() => setSelected(path)}
                onDoubleClick={() => (e.kind === 'dir' ? void open(path) : request.resolve(path))}
              >
                <ListItemText primary={e.kind === 'dir' ? `${e.name}/` : e.name} secondary={e.kind === 'file' ? formatSize(e.size) : 'Folder'} />
              </ListItemButton>
            );
          })}
        </List>
      </DialogContent>
      <DialogActions>
        <Button onClick={() => request.resolve(null)}>Cancel</Button>
        <Button
          variant="contained"
          disabled={!choice || (request.mode === 'file' && !visible.some((e) => e.kind === 'file' && join(listing!.dir, e.name) === choice))}
          onClick={() => choice && request.resolve(choice)}
        >
          {request.mode === 'folder' ? 'Choose folder' : 'Open'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
