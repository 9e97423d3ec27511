import { useCallback, useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { UsbAttachment, UsbHostDevice } from '../../../src-shared/contract/usb.js';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';

export interface UsbPageProps {
  vmId: string;
  state: VmRunState;
  /** The engine changed the document's USB devices itself: the new baseline (nothing to Apply). */
  onChange?: (usb: VmDocument['usb']) => void;
}

const LIVE = new Set<VmRunState['kind']>(['running', 'paused']);

/**
 * Settings ▸ USB: the machine's sticks and host devices and the host's USB devices, changed through the engine
 * (usb.attach / usb.detach / usb.rule.*): live on a running machine, saved either way, so outside the Apply draft.
 */
export function UsbPage({ vmId, state, onChange }: UsbPageProps) {
  const api = useApi();
  const [attached, setAttached] = useState<UsbAttachment[]>([]);
  const [hostDevices, setHostDevices] = useState<UsbHostDevice[] | null>(null);
  const [image, setImage] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const live = LIVE.has(state.kind);

  const refresh = useCallback(async () => {
    const [mine, host] = await Promise.all([api.call('usb.list', { vm: vmId }), api.call('usb.host.list', {})]);
    setAttached(mine.attachments);
    setHostDevices(host.devices);
  }, [api, vmId]);

  useEffect(() => {
    refresh().catch((err: unknown) => setError(describeError(err, 'list USB devices')));
  }, [refresh, state.kind]);

  /** Runs one engine change, then takes the engine's document as the new baseline. */
  const change = async (doing: string, run: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await run();
      const { doc } = await api.call('vm.get', { vm: vmId });
      onChange?.(doc.usb);
      await refresh();
    } catch (err) {
      setError(describeError(err, doing));
    } finally {
      setBusy(false);
    }
  };

  const attachImage = () => change('attach the USB stick', () => api.call('usb.attach', { vm: vmId, image: image.trim(), ...(readOnly ? { readOnly: true } : {}) })).then(() => setImage(''));

  return (
    <Stack spacing={2}>
      <Typography variant="body2" color="text.secondary">
        {live ? 'Changes plug devices in and out of the running machine at once.' : 'Sticks and rules are saved and plugged in at the next start.'}
      </Typography>
      {error && <Alert severity="error">{error}</Alert>}
      <section aria-label="USB devices of this machine">
        <Typography variant="subtitle2" component="h3">This machine</Typography>
        {attached.length === 0 ? (
          <Typography variant="body2" color="text.secondary">No USB sticks or host devices.</Typography>
        ) : (
          <List dense>
            {attached.map((a) => (
              <ListItem key={a.id} secondaryAction={<Button size="small" disabled={busy} onClick={() => void change(`detach ${a.id}`, () => api.call('usb.detach', { vm: vmId, id: a.id }))} aria-label={`Detach ${a.id}`}>Detach</Button>}>
                <Typography variant="body2">
                  {`${a.id}: ${a.kind === 'image' ? 'stick' : 'host device'} ${a.source}${a.readOnly ? ' (read-only)' : ''}${a.saved ? '' : ' (until it stops)'}${a.live ? ' · plugged in' : ''}`}
                </Typography>
              </ListItem>
            ))}
          </List>
        )}
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <TextField size="small" label="Disk image to plug in as a USB stick" value={image} onChange={(e) => setImage(e.target.value)} sx={{ flex: 1 }} />
          <FormControlLabel control={<Checkbox checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} />} label="Read-only" />
          <Button variant="outlined" disabled={busy || image.trim() === ''} onClick={() => void attachImage()}>Attach stick</Button>
        </Stack>
      </section>
      <section aria-label="USB devices of this computer">
        <Typography variant="subtitle2" component="h3">This computer</Typography>
        {hostDevices === null ? null : hostDevices.length === 0 ? (
          <Typography variant="body2" color="text.secondary">No USB devices found on this computer.</Typography>
        ) : (
          <List dense>
            {hostDevices.map((d) => {
              const spec = `${d.vendor}:${d.product}`;
              return (
                <ListItem key={d.port} sx={{ display: 'block' }}>
                  <Typography variant="body2">
                    {d.label} ({spec}, port {d.port}){d.isHub ? ' (hub)' : ''}
                  </Typography>
                  {d.access.status === 'denied' && (
                    <Box>
                      <Alert severity="warning">{d.access.joinGroup && !d.access.fix?.includes('udev') ? d.access.fix : `You cannot open ${d.access.devNode}. Add this udev rule, then join ${d.access.joinGroup}:`}</Alert>
                      {d.access.fix?.includes('udev') && <Box component="pre" sx={{ fontSize: 12, whiteSpace: 'pre-wrap' }} aria-label={`udev rule for ${spec}`}>{d.access.udevRule}</Box>}
                    </Box>
                  )}
                  <Stack direction="row" spacing={1}>
                    <Button size="small" disabled={busy} onClick={() => void change(`attach ${spec}`, () => api.call('usb.attach', { vm: vmId, device: spec }))}>
                      {live ? 'Attach now' : 'Attach at start'}
                    </Button>
                    {live && <Button size="small" disabled={busy} onClick={() => void change(`keep ${spec} attached`, () => api.call('usb.rule.add', { vm: vmId, device: spec }))}>Always attach</Button>}
                  </Stack>
                </ListItem>
              );
            })}
          </List>
        )}
      </section>
    </Stack>
  );
}
