import { lazy, Suspense, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import ComputerIcon from '@mui/icons-material/Computer';
import DnsIcon from '@mui/icons-material/Dns';
import ErrorIcon from '@mui/icons-material/ErrorOutlineOutlined';
import MoreVertIcon from '@mui/icons-material/MoreVert';
import SyncIcon from '@mui/icons-material/Sync';
import type { ConnectionsStore, ConnectionView } from '../../state/connections-store.js';
import { useConnections } from '../../state/use-connections.js';

// Loaded when first opened: the first paint has no dialogs.
const AddConnectionDialog = lazy(() => import('./connection-dialogs.js').then((m) => ({ default: m.AddConnectionDialog })));
const RenameConnectionDialog = lazy(() => import('./connection-dialogs.js').then((m) => ({ default: m.RenameConnectionDialog })));
const RemoveConnectionDialog = lazy(() => import('./connection-dialogs.js').then((m) => ({ default: m.RemoveConnectionDialog })));

/** What a connection's row says under its name. */
export function connectionStatusText(c: ConnectionView): string {
  if (c.status === 'connecting') return `Connecting… · ${c.uri}`;
  if (c.status === 'failed') return `Failed: ${c.error ?? 'cannot reach the host'}`;
  return `Connected${c.libvirtVersion ? ` (libvirt ${c.libvirtVersion})` : ''} · ${c.uri}`;
}

function StatusIcon({ c }: { c: ConnectionView }) {
  if (c.status === 'failed') return <ErrorIcon color="error" fontSize="small" />;
  if (c.status === 'connecting') return <SyncIcon color="action" fontSize="small" />;
  return <DnsIcon color="success" fontSize="small" />;
}

export interface ConnectionsSectionProps {
  store: ConnectionsStore;
  /** The place the list shows: null = This computer, else a connection's name. */
  place: string | null;
  onPlace: (place: string | null) => void;
  /** How many machines This computer has (shown beside it), once known. */
  localCount?: number;
}

/**
 * The sidebar's Connections: "This computer" (Hangar's own engine) and each libvirt connection with its state;
 * choosing one shows its machines. Add (name + URI, Test), and per connection Reconnect, Rename, Remove.
 */
export function ConnectionsSection({ store, place, onPlace, localCount }: ConnectionsSectionProps) {
  const snap = useConnections(store);
  const [menu, setMenu] = useState<{ name: string; anchor: HTMLElement } | null>(null);
  const [dialog, setDialog] = useState<{ kind: 'add' } | { kind: 'rename' | 'remove'; name: string } | null>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const names = snap.connections.map((c) => c.name);
  return (
    <Box component="section" aria-labelledby="connections-heading" sx={{ borderBottom: 1, borderColor: 'divider' }}>
      <Box sx={{ display: 'flex', alignItems: 'center', px: 2, pt: 1 }}>
        <Typography id="connections-heading" variant="overline" component="h2" sx={{ flex: 1 }}>Connections</Typography>
        <Button ref={addRef} size="small" startIcon={<AddIcon />} onClick={() => setDialog({ kind: 'add' })}>Add connection…</Button>
      </Box>
      <List dense aria-label="Connections" sx={{ py: 0 }}>
        <ListItem disablePadding>
          <ListItemButton selected={place === null} aria-current={place === null ? 'true' : undefined} onClick={() => onPlace(null)}>
            <ListItemIcon sx={{ minWidth: 32 }}><ComputerIcon fontSize="small" /></ListItemIcon>
            <ListItemText primary="This computer" secondary={localCount === undefined ? "Hangar's own machines" : `Hangar's own machines · ${localCount}`} />
          </ListItemButton>
        </ListItem>
        {snap.connections.map((c) => (
          <ListItem
            key={c.name}
            disablePadding
            secondaryAction={
              <IconButton edge="end" size="small" aria-label={`Actions for connection ${c.name}`} aria-haspopup="menu" onClick={(e) => setMenu({ name: c.name, anchor: e.currentTarget })}>
                <MoreVertIcon fontSize="small" />
              </IconButton>
            }
          >
            <ListItemButton selected={place === c.name} aria-current={place === c.name ? 'true' : undefined} onClick={() => onPlace(c.name)} data-connection-status={c.status}>
              <ListItemIcon sx={{ minWidth: 32 }}><StatusIcon c={c} /></ListItemIcon>
              {/* One line whatever the state (the whole text in its tooltip, a failure's also above the list once
                  chosen): a row's height never changes, so the list below it does not move as hosts answer, and
                  the boot's early list (early-list.ts) knows where the list starts. */}
              <ListItemText
                primary={c.name}
                secondary={connectionStatusText(c)}
                slotProps={{ secondary: { noWrap: true, title: connectionStatusText(c), sx: { color: c.status === 'failed' ? 'error.main' : undefined } } }}
              />
            </ListItemButton>
          </ListItem>
        ))}
      </List>
      {snap.status === 'error' && <Typography role="alert" variant="caption" color="error" sx={{ px: 2, display: 'block' }}>{snap.error}</Typography>}
      {menu && (
        <Menu open anchorEl={menu.anchor} onClose={() => setMenu(null)}>
          <MenuItem onClick={() => { setMenu(null); void store.reconnect(menu.name); }}>Reconnect</MenuItem>
          <MenuItem onClick={() => { setMenu(null); setDialog({ kind: 'rename', name: menu.name }); }}>Rename…</MenuItem>
          <MenuItem onClick={() => { setMenu(null); setDialog({ kind: 'remove', name: menu.name }); }}>Remove…</MenuItem>
        </Menu>
      )}
      <Suspense fallback={null}>
        {dialog?.kind === 'add' && (
          <AddConnectionDialog
            store={store}
            taken={names}
            onClose={() => setDialog(null)}
            onAdded={(name) => {
              setDialog(null);
              onPlace(name);
            }}
          />
        )}
        {dialog?.kind === 'rename' && (
          <RenameConnectionDialog
            store={store}
            name={dialog.name}
            taken={names}
            onClose={() => setDialog(null)}
            onRenamed={(newName) => {
              setDialog(null);
              if (place === dialog.name) onPlace(newName);
            }}
          />
        )}
        {dialog?.kind === 'remove' && (
          <RemoveConnectionDialog
            store={store}
            name={dialog.name}
            onClose={() => setDialog(null)}
            onRemoved={() => {
              setDialog(null);
              if (place === dialog.name) onPlace(null);
            }}
          />
        )}
      </Suspense>
    </Box>
  );
}
