import { useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormHelperText from '@mui/material/FormHelperText';
import IconButton from '@mui/material/IconButton';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import ArrowDownwardIcon from '@mui/icons-material/ArrowDownward';
import ArrowUpwardIcon from '@mui/icons-material/ArrowUpward';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { useFieldStatus, useSettingsForm } from './settings-fields.js';
import { bootEntries, moveBootEntry, setBootEnabled, type BootEntry } from './boot-order-model.js';

const HEADING_ID = 'boot-order-heading';
const HELP_ID = 'boot-order-help';
const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

function describeEntry(entry: BootEntry, doc: VmDocument): string {
  if (entry.kind === 'disk') {
    const disk = doc.disks.find((d) => d.id === entry.id);
    return disk ? `Hard disk · ${disk.bus} · ${baseName(disk.path)}` : 'Hard disk';
  }
  if (entry.kind === 'cdrom') {
    const path = doc.cdroms.find((c) => c.id === entry.id)?.path ?? null;
    return `CD/DVD drive · ${path === null ? 'empty' : baseName(path)}`;
  }
  return 'No disk or CD/DVD drive has this id';
}

/**
 * The boot order as a checklist (VirtualBox's System ▸ Boot Order, virt-manager's Boot Options): ticked
 * devices boot in list order, unticked ones never (QEMU runs with -boot strict=on). Edits the draft only.
 */
export function BootOrderEditor() {
  const { draft, update, issues } = useSettingsForm();
  const status = useFieldStatus('bootOrder', 'Ticked devices boot in this order; the others never boot.');
  const entries = bootEntries(draft);
  const booting = entries.filter((e) => e.enabled).length;
  const [announcement, setAnnouncement] = useState('');
  // A moved row's button keeps focus (or its twin, when the row reached an end and the button turned off).
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const [focusKey, setFocusKey] = useState<string | null>(null);
  useEffect(() => {
    if (focusKey === null) return;
    buttons.current.get(focusKey)?.focus();
    setFocusKey(null);
  }, [focusKey]);

  const move = (entry: BootEntry, pos: number, delta: -1 | 1) => {
    const to = pos + delta;
    update((d) => moveBootEntry(d, entry.id, delta));
    const atEnd = delta < 0 ? to === 0 : to === booting - 1;
    setFocusKey(`${entry.id}:${(delta < 0) !== atEnd ? 'up' : 'down'}`);
    setAnnouncement(`${entry.id} moved to position ${to + 1} of ${booting}`);
  };
  const toggle = (entry: BootEntry, on: boolean) => {
    update((d) => setBootEnabled(d, entry.id, on));
    setAnnouncement(on ? `${entry.id} boots last` : `${entry.id} does not boot`);
  };
  const ref = (key: string) => (el: HTMLButtonElement | null) => {
    if (el) buttons.current.set(key, el);
    else buttons.current.delete(key);
  };

  return (
    <Box sx={{ mt: 2 }}>
      <Typography variant="subtitle2" component="h3" id={HEADING_ID}>Boot order</Typography>
      {entries.length === 0 ? (
        <Typography variant="body2" color="text.secondary">This machine has no disk or CD/DVD drive to boot from.</Typography>
      ) : (
        <List dense aria-labelledby={HEADING_ID} sx={{ maxWidth: 560 }}>
          {entries.map((entry, pos) => {
            const issue = entry.enabled ? issues[`bootOrder[${entry.index}]`] : undefined;
            const described = { 'aria-describedby': HELP_ID };
            return (
              <ListItem
                key={entry.id}
                disableGutters
                secondaryAction={
                  <>
                    <IconButton
                      ref={ref(`${entry.id}:up`)}
                      aria-label={`Move ${entry.id} up`}
                      onClick={() => move(entry, pos, -1)}
                      disabled={status.disabled || !entry.enabled || pos === 0}
                      {...described}
                    >
                      <ArrowUpwardIcon fontSize="small" />
                    </IconButton>
                    <IconButton
                      ref={ref(`${entry.id}:down`)}
                      aria-label={`Move ${entry.id} down`}
                      onClick={() => move(entry, pos, 1)}
                      disabled={status.disabled || !entry.enabled || pos >= booting - 1}
                      {...described}
                    >
                      <ArrowDownwardIcon fontSize="small" />
                    </IconButton>
                  </>
                }
              >
                <Checkbox
                  checked={entry.enabled}
                  onChange={(e) => toggle(entry, e.target.checked)}
                  disabled={status.disabled}
                  slotProps={{ input: { 'aria-label': `Boot from ${entry.id}`, ...described, ...(issue ? { 'aria-invalid': true } : {}) } }}
                />
                <ListItemText
                  primary={entry.enabled ? `${pos + 1}. ${entry.id}` : entry.id}
                  secondary={issue ? `${describeEntry(entry, draft)}: ${issue}` : describeEntry(entry, draft)}
                  slotProps={{ secondary: { color: issue ? 'error' : 'text.secondary' } }}
                />
              </ListItem>
            );
          })}
        </List>
      )}
      <FormHelperText id={HELP_ID} error={status.error}>{status.helperText}</FormHelperText>
      {/* The schema allows an empty order (e.g. a kernel booted with extra arguments), so this warns but does not block Apply. */}
      {entries.length > 0 && booting === 0 && (
        <Alert severity="warning" sx={{ mt: 1 }}>No device is ticked: the machine will find nothing to boot from.</Alert>
      )}
      <Box component="span" role="status" aria-live="polite" sx={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
        {announcement}
      </Box>
    </Box>
  );
}
