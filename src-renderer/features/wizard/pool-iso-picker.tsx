import { useEffect, useState } from 'react';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import type { PoolIso } from '../../../src-shared/contract/index.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { formatBytes } from '../disks/disk-model.js';

/**
 * The ISO images in a libvirt connection's storage pools (paths on that host, where its QEMU can read them):
 * choosing one fills the wizard's ISO path. A host without any says where to put them.
 */
export function PoolIsoPicker({ connection, selected, onPick }: { connection: string; selected: string; onPick: (path: string) => void }) {
  const api = useApi();
  const [isos, setIsos] = useState<PoolIso[] | null>(null);
  const [error, setError] = useState<string | null>(null);
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
  }, [api, connection]);
  if (error) return <Typography variant="body2" color="error" sx={{ mt: 1 }}>{error}</Typography>;
  if (isos === null) return <Typography variant="body2" sx={{ mt: 1 }}>Reading the storage pools of “{connection}”…</Typography>;
  if (isos.length === 0) {
    return <Typography variant="body2" sx={{ mt: 1 }}>No ISO in the storage pools of “{connection}” (put one in /var/lib/libvirt/images there, or type its path).</Typography>;
  }
  return (
    <List dense aria-label={`ISOs on ${connection}`} sx={{ mt: 1, maxHeight: 180, overflow: 'auto', border: 1, borderColor: 'divider', borderRadius: 1 }}>
      {isos.map((iso) => (
        <ListItemButton key={iso.path} selected={iso.path === selected} onClick={() => onPick(iso.path)}>
          <ListItemText primary={iso.name} secondary={`${iso.pool} · ${formatBytes(iso.sizeBytes)} · ${iso.path}`} />
        </ListItemButton>
      ))}
    </List>
  );
}
