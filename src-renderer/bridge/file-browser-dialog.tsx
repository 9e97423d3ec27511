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
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import ArrowUpwardIcon from '@mui/icons-material/ArrowUpward';
import type { FsEntry, FsRoot } from '../../src-shared/contract/index.js';
import type { HangarApi } from './hangar-api.js';
import type { FileDialogHost, FileDialogRequest } from './file-dialog.js';
import { baseNameOf, filterLabel, parentOf, startCandidates, visibleEntries } from './file-browser-model.js';

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
  const [showHidden, setShowHidden] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const [pathText, setPathText] = useState('');

  useEffect(() => host.subscribe(setRequest), [host]);
  useEffect(() => setPathText(listing?.dir ?? ''), [listing]);

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
    setSelected(null);
    setShowHidden(false);
    setShowAll(false);
    void (async () => {
      try {
        const r = (await api.call('fs.roots', {})).roots;
        if (cancelled) return;
        setRoots(r);
        // The folder of the path already typed (or that folder itself), else the first root.
        const inRoots = (p: string) => r.some((root) => p === root.path || p.startsWith(`${root.path.replace(/\/+$/, '')}/`));
        const tries = [...startCandidates(request.defaultPath).filter(inRoots), ...r.map((root) => root.path)];
        for (const dir of tries) {
          try {
            const found = await api.call('fs.list', { dir });
            if (cancelled) return;
            setListing(found);
            // A typed file that is there is chosen already.
            const given = request.defaultPath?.trim();
            if (request.mode === 'file' && given && dir !== given && parentOf(given) === found.dir && found.entries.some((e) => e.kind === 'file' && e.name === baseNameOf(given))) setSelected(given);
            return;
          } catch {
            // not a folder, gone, or not allowed: try the next one
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
  const visible = visibleEntries(listing?.entries ?? [], { mode: request.mode, filters: request.filters, showHidden, showAll });
  const choice = request.mode === 'folder' ? (selected ?? listing?.dir ?? null) : selected;
  const kinds = request.mode === 'file' ? filterLabel(request.filters) : '';
  const hiddenCount = (listing?.entries ?? []).filter((e) => e.name.startsWith('.')).length;

  return (
    <Dialog open onClose={() => request.resolve(null)} aria-labelledby="hangar-file-dialog-title" fullWidth maxWidth="sm">
      <DialogTitle id="hangar-file-dialog-title">{request.title}</DialogTitle>
      <DialogContent dividers>
        <nav aria-label="Places" style={{ display: 'flex', gap: 8, flexWrap: 'wrap', marginBottom: 8 }}>
          {roots.map((r) => (
            // The places are named by their paths (an allowed folder's label is its path).
            <Button key={r.path} size="small" variant="outlined" onClick={() => void open(r.path)} title={r.path} sx={{ textTransform: 'none' }}>
              {r.label === r.path ? r.path : `${r.label} (${r.path})`}
            </Button>
          ))}
        </nav>
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mb: 1 }}>
          <Button size="small" variant="outlined" startIcon={<ArrowUpwardIcon />} disabled={!listing?.parent} onClick={() => listing?.parent && void open(listing.parent)} title="The folder above">
            Up
          </Button>
          <TextField
            size="small"
            fullWidth
            label="Folder path"
            value={pathText}
            onChange={(e) => setPathText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter') return;
              e.preventDefault();
              if (pathText.trim()) void open(pathText.trim());
            }}
            slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
            helperText="Type a folder and press Enter"
          />
        </Box>
        <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }} aria-label="Current folder">
          {listing?.dir ?? '…'}
        </Typography>
        <Box sx={{ display: 'flex', flexWrap: 'wrap', columnGap: 2 }}>
          <FormControlLabel control={<Switch size="small" checked={showHidden} onChange={(e) => setShowHidden(e.target.checked)} />} label={`Show hidden files${hiddenCount > 0 && !showHidden ? ` (${hiddenCount})` : ''}`} />
          {kinds && <FormControlLabel control={<Switch size="small" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} />} label="Show all files" />}
        </Box>
        {kinds && !showAll && <Typography variant="caption" color="text.secondary" component="div">Showing folders and {kinds}.</Typography>}
        {error && (
          <Typography role="alert" color="error" variant="body2">
            {error}
          </Typography>
        )}
        <List dense aria-label="Folder contents" sx={{ maxHeight: 360, overflow: 'auto' }}>
          {visible.map((e) => {
            const path = join(listing!.dir, e.name);
            return (
              <ListItemButton
                key={e.name}
                selected={selected === path}
                onClick={() => setSelected(path)}
                onDoubleClick={() => (e.kind === 'dir' ? void open(path) : request.resolve(path))}
                onKeyDown={(ev) => {
                  if (ev.key === 'Enter' && e.kind === 'dir') void open(path);
                }}
              >
                <ListItemText primary={e.kind === 'dir' ? `${e.name}/` : e.name} secondary={e.kind === 'file' ? formatSize(e.size) : e.kind === 'dir' ? 'Folder' : 'Other'} />
              </ListItemButton>
            );
          })}
          {listing && visible.length === 0 && (
            <Typography variant="body2" color="text.secondary" sx={{ p: 1 }}>
              {kinds && !showAll ? `No folders or ${kinds} here.` : 'This folder is empty.'}
            </Typography>
          )}
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
