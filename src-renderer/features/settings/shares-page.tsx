import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { guestShareCommand, shareMethodOf, shareMethodProblem, SMB_GUEST_PATH } from '../../../src-shared/shares/index.js';
import type { VmShare } from '../../../src-shared/vm-document/index.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { useFieldStatus, useSettingsForm } from './settings-fields.js';

/** A share name from a folder's last part, in the schema's alphabet (the engine checks the folder itself). */
export function shareNameFor(folder: string, taken: ReadonlyArray<string>): string {
  const base = (folder.split('/').filter(Boolean).pop() ?? '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+/, '').slice(0, 28) || 'share';
  let name = base;
  for (let i = 2; taken.includes(name); i++) name = `${base}-${i}`;
  return name;
}

function ShareRow({ index }: { index: number }) {
  const { draft, update } = useSettingsForm();
  const share = draft.shares[index];
  const name = useFieldStatus(`shares[${index}].name`);
  const path = useFieldStatus(`shares[${index}].path`);
  if (!share) return null;
  const patch = (p: Partial<VmShare>) => update((d) => ({ ...d, shares: d.shares.map((s, i) => (i === index ? { ...s, ...p } : s)) }));
  const method = shareMethodOf(draft);
  return (
    <Box sx={{ borderBottom: 1, borderColor: 'divider', pb: 1, mb: 1 }} role="group" aria-label={`Shared folder ${share.name}`}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <TextField label="Name" value={share.name} onChange={(e) => patch({ name: e.target.value })} margin="dense" sx={{ width: 180 }} {...name} />
        <TextField label="Host folder" value={share.path} onChange={(e) => patch({ path: e.target.value })} margin="dense" sx={{ flex: 1, minWidth: 240 }} {...path} />
        <FormControlLabel sx={{ mt: 1.5 }} control={<Checkbox checked={share.readOnly} onChange={(e) => patch({ readOnly: e.target.checked })} disabled={name.disabled} />} label="Read-only" />
        <Button sx={{ mt: 1.5 }} color="error" aria-label={`Remove shared folder ${share.name}`} disabled={name.disabled} onClick={() => update((d) => ({ ...d, shares: d.shares.filter((_, i) => i !== index) }))}>
          Remove
        </Button>
      </Box>
      <Typography variant="body2" color="text.secondary">In the guest:</Typography>
      <Typography component="code" variant="body2" sx={{ fontFamily: 'monospace', userSelect: 'all' }} aria-label={`Command for ${share.name} in the guest`}>
        {guestShareCommand(method, share)}
      </Typography>
    </Box>
  );
}

/** Settings ▸ Shared folders: host folders the guest mounts (9p) or reaches over SMB (Windows). */
export function SharesPage() {
  const api = useApi();
  const { draft, update } = useSettingsForm();
  const status = useFieldStatus('shares');
  const [error, setError] = useState<string | null>(null);
  const method = shareMethodOf(draft);
  const problem = shareMethodProblem(draft);
  const add = async () => {
    try {
      const folder = await api.app('dialog:chooseFolder', { title: 'Choose a folder to share with the guest' });
      if (folder) update((d) => ({ ...d, shares: [...d.shares, { name: shareNameFor(folder, d.shares.map((s) => s.name)), path: folder, readOnly: false }] }));
    } catch (err) {
      setError(describeError(err, 'open the folder chooser'));
    }
  };
  return (
    <>
      <Typography variant="body2" sx={{ mb: 1 }}>
        {method === 'smb'
          ? `Windows reaches one shared folder at ${SMB_GUEST_PATH} through NAT networking (QEMU's SMB server; the host needs samba).`
          : 'Linux guests mount each folder over virtio-9p with the command shown. A RAM snapshot cannot be taken while a share is mounted; unmount it first, or take a disk-only snapshot.'}
      </Typography>
      {draft.shares.length === 0 && <Typography color="text.secondary">No shared folders.</Typography>}
      {draft.shares.map((s, i) => <ShareRow key={i} index={i} />)}
      {problem && <Alert severity="warning" sx={{ my: 1 }}>{problem}</Alert>}
      {error && <Alert severity="error" sx={{ my: 1 }}>{error}</Alert>}
      <Button onClick={() => void add()} disabled={status.disabled}>Add folder…</Button>
    </>
  );
}
