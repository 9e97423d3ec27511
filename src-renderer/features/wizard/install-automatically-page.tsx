// The wizard's "Install automatically" section (#18): the answers Hangar gives the installer instead of the
// user. Shown for an installer ISO onto a new disk; checked with the engine's own rules as the user types.
import { useState } from 'react';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { UNATTENDED_LABELS as U, emptyUnattended, validateUnattended, type UnattendedDraft } from './unattended-draft.js';

const HINTS: Record<Exclude<keyof UnattendedDraft, 'enabled'>, string> = {
  user: 'Lower-case letters, digits, "-" or "_"; the installed system’s administrator.',
  password: 'Stored in the answer file only as a hash (Windows: its own encoding).',
  hostname: 'Empty: the user name with "-vm".',
  language: 'A locale, like en_US or de_DE.',
  keyboard: 'An XKB layout, like us, de or gb.',
  timezone: 'UTC or a name like Europe/Berlin.',
};

export function InstallAutomaticallyPage({ value, onChange }: { value: UnattendedDraft | undefined; onChange: (next: UnattendedDraft) => void }) {
  const u = value ?? emptyUnattended();
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const errors = validateUnattended(u);
  const set = (field: Exclude<keyof UnattendedDraft, 'enabled'>, v: string) => {
    setTouched((t) => new Set(t).add(field));
    onChange({ ...u, [field]: v });
  };
  const field = (name: Exclude<keyof UnattendedDraft, 'enabled'>, extra: { type?: string; autoComplete?: string } = {}) => {
    const label = U[name];
    const error = touched.has(name) ? errors[label] : undefined;
    return (
      <TextField
        label={label}
        value={u[name]}
        type={extra.type}
        autoComplete={extra.autoComplete ?? 'off'}
        size="small"
        onChange={(e) => set(name, e.target.value)}
        error={error !== undefined}
        helperText={error ?? HINTS[name]}
      />
    );
  };
  return (
    <Box component="section" aria-label={U.enabled} sx={{ mt: 2 }}>
      <FormControlLabel control={<Checkbox checked={u.enabled} onChange={(e) => onChange({ ...u, enabled: e.target.checked })} />} label={U.enabled} />
      <Typography variant="body2" color="text.secondary">
        Hangar answers the installer (Debian, Ubuntu, Fedora, Windows 10/11) and boots the installed system when it is done. If the installer stops, its screen and log are in the machine’s window.
      </Typography>
      {u.enabled && (
        <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 1.5, mt: 1.5 }}>
          {field('user', { autoComplete: 'username' })}
          {field('password', { type: 'password', autoComplete: 'new-password' })}
          {field('hostname')}
          {field('language')}
          {field('keyboard')}
          {field('timezone')}
        </Box>
      )}
    </Box>
  );
}
