import { useEffect, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import {
  ARCHITECTURES, AUDIO_DEVICES, CDROM_BUSES, CLIPBOARD_POLICIES, DISK_BUSES, DISPLAY_DEVICES, FIRMWARE_TYPES,
  KEYBOARD_DEVICES, NIC_MODELS, POINTER_DEVICES, type VmDocument, type VmNetwork,
} from '../../../src-shared/vm-document/index.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { CheckSetting, NumberSetting, SelectSetting, TextSetting, useFieldStatus, useSettingsForm } from './settings-fields.js';
import { formatArgv, lockReason } from './settings-model.js';
import { randomMac } from '../../../src-shared/vm-document/mac.js';
import { addCdrom, removeCdrom } from './boot-order-model.js';
import { BootOrderEditor } from './boot-order-editor.js';
import { ForwardTable } from './forward-table.js';
import { DiskTable } from '../disks/disk-table.js';
import { useExtraArgsPolicy } from './use-extra-args-policy.js';
import { OsSelect, osChoices } from '../../components/os-select.js';
import { hostChoices } from './host-choices.js';
import { audioHint } from './audio-hint.js';

const Row = ({ children }: { children: ReactNode }) => <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>{children}</Box>;

export function GeneralPage() {
  const { draft, set } = useSettingsForm();
  const status = useFieldStatus('osId', 'Sets the recommended defaults of new machines; the same list as the new-machine wizard.');
  return (
    <>
      <TextSetting path="name" label="Name" />
      <OsSelect
        label="Operating system"
        value={draft.osId}
        options={osChoices([{ id: draft.osId, name: `${draft.osId} (not in the catalog)` }])}
        onChange={(osId) => set('osId', osId)}
        margin="dense"
        {...status}
      />
      <TextSetting path="description" label="Description" multiline minRows={4} />
    </>
  );
}

export function SystemPage() {
  const { draft, host } = useSettingsForm();
  const choices = hostChoices(host, draft.arch, draft);
  return (
    <>
      <Row>
        <NumberSetting path="cpu.count" label="CPUs" min={1} max={1024} />
        <SelectSetting path="cpu.model" label="CPU model" options={choices.cpuModels} minWidth={260} hint="What this host's QEMU offers; any other name under Advanced" />
      </Row>
      <NumberSetting path="memoryMiB" label="Memory (MiB)" min={16} step={256} hint={host ? `This host has ${host.hostMemoryMiB} MiB` : undefined} />
      <Row>
        <SelectSetting path="firmware.type" label="Firmware" options={FIRMWARE_TYPES.map((f) => ({ value: f, label: f === 'uefi' ? 'UEFI' : 'BIOS' }))} />
        <SelectSetting path="arch" label="Architecture" options={ARCHITECTURES} />
        <SelectSetting path="machine" label="Machine type" options={choices.machines} minWidth={260} />
      </Row>
      <CheckSetting path="firmware.secureBoot" label="Secure Boot" hint={draft.firmware.type !== 'uefi' ? 'Needs UEFI firmware' : undefined} />
      <CheckSetting path="firmware.tpm" label="TPM 2.0" />
    </>
  );
}

function CdromRow({ index }: { index: number }) {
  const api = useApi();
  const { draft, set, update, state } = useSettingsForm();
  const cd = draft.cdroms[index];
  const path = `cdroms[${index}].path`;
  const status = useFieldStatus(path);
  const removeLocked = lockReason('cdroms', state);
  const [error, setError] = useState<string | null>(null);
  if (!cd) return null;
  const browse = async () => {
    try {
      const file = await api.app('dialog:openFile', { title: 'Choose an ISO image', filters: [{ name: 'Disc images', extensions: ['iso', 'img'] }], ...(cd.path?.startsWith('/') ? { defaultPath: cd.path } : {}) });
      if (file) set(path, file);
    } catch (err) {
      setError(describeError(err, 'open the file chooser'));
    }
  };
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
      <TextField
        label={`ISO image (${cd.id})`}
        value={cd.path ?? ''}
        placeholder="Empty drive"
        onChange={(e) => set(path, e.target.value === '' ? null : e.target.value)}
        margin="dense"
        sx={{ flex: 1 }}
        {...status}
        helperText={error ?? status.helperText}
      />
      <Button sx={{ mt: 1.5 }} onClick={() => void browse()} disabled={status.disabled}>Browse…</Button>
      <Button sx={{ mt: 1.5 }} onClick={() => set(path, null)} disabled={status.disabled || cd.path === null}>Eject</Button>
      <SelectSetting path={`cdroms[${index}].bus`} label="Bus" options={CDROM_BUSES} />
      <Button
        sx={{ mt: 1.5 }}
        color="error"
        aria-label={`Remove drive ${cd.id}`}
        onClick={() => update((d) => removeCdrom(d, cd.id))}
        disabled={removeLocked !== null}
        title={removeLocked ?? undefined}
      >
        Remove drive
      </Button>
    </Box>
  );
}

export function StoragePage() {
  const { draft, update, state, saved, vmId, commitDisks } = useSettingsForm();
  const cdromsLocked = lockReason('cdroms', state);
  return (
    <>
      <Typography variant="subtitle2" component="h3">Disks</Typography>
      {saved && vmId && commitDisks && <DiskTable vmId={vmId} name={saved.name} disks={saved.disks} state={state} onDocChange={commitDisks} />}
      {/* Device options stay in the draft (applied with the other settings); the table's operations act at once. */}
      {draft.disks.map((disk, i) => (
        <Box key={disk.id} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }} role="group" aria-label={`Options of ${disk.id}`}>
          <SelectSetting path={`disks[${i}].bus`} label={`Bus of ${disk.id}`} options={DISK_BUSES} />
          <CheckSetting path={`disks[${i}].readOnly`} label="Read-only" />
          <CheckSetting path={`disks[${i}].discard`} label="Discard (TRIM)" />
        </Box>
      ))}
      <Box sx={{ display: 'flex', gap: 1, my: 1 }}>
        <Button onClick={() => update(addCdrom)} disabled={cdromsLocked !== null} title={cdromsLocked ?? undefined}>Add CD/DVD drive</Button>
      </Box>
      <Typography variant="subtitle2" component="h3" sx={{ mt: 2 }}>CD/DVD</Typography>
      {draft.cdroms.length === 0 && <Typography variant="body2" color="text.secondary">No CD/DVD drive.</Typography>}
      {draft.cdroms.map((cd, i) => <CdromRow key={cd.id} index={i} />)}
      {/* Boot order issues show on their rows in the editor; duplicate device ids have no field of their own. */}
      <BootOrderEditor />
      <EntryIssues matches={(p) => /^(disks\[\d+\]\.id|cdroms\[\d+\]\.id)$/.test(p)} label={(p) => p} />
    </>
  );
}

/** Issues the schema reports on a whole entry (`network.forwards[1]`) or on fields without an input (`disks[0].id`). */
function EntryIssues({ matches, label }: { matches: (path: string) => boolean; label: (path: string) => string }) {
  const { issues } = useSettingsForm();
  const list = Object.entries(issues).filter(([p]) => matches(p));
  if (list.length === 0) return null;
  return (
    <Alert severity="error" sx={{ mt: 1 }}>
      {list.map(([p, m]) => <div key={p}>{label(p)}: {m}</div>)}
    </Alert>
  );
}

export function NetworkPage() {
  const { draft, update, state, saved, vmId, commitForwards } = useSettingsForm();
  const net = draft.network;
  const [savedMac] = useState(() => (net.mode === 'none' ? randomMac() : net.mac));
  const setMode = (mode: VmNetwork['mode']) =>
    update((d) => {
      const prev = d.network;
      const model = prev.mode === 'none' ? 'virtio-net-pci' : prev.model;
      const mac = prev.mode === 'none' ? savedMac : prev.mac;
      const network: VmNetwork =
        mode === 'none' ? { mode: 'none' }
        : mode === 'user' ? { mode: 'user', model, mac, forwards: prev.mode === 'user' ? prev.forwards : [] }
        : { mode: 'bridge', model, mac, bridge: prev.mode === 'bridge' ? prev.bridge : 'br0' };
      return { ...d, network };
    });
  const modeStatus = useFieldStatus('network.mode');
  return (
    <>
      <TextField select label="Attached to" value={net.mode} onChange={(e) => setMode(e.target.value as VmNetwork['mode'])} margin="dense" sx={{ minWidth: 240 }} {...modeStatus}>
        <MenuItem value="user">NAT (user mode)</MenuItem>
        <MenuItem value="bridge">Bridged</MenuItem>
        <MenuItem value="none">Not attached</MenuItem>
      </TextField>
      {net.mode !== 'none' && (
        <Row>
          <SelectSetting path="network.model" label="NIC model" options={NIC_MODELS} />
          <TextSetting path="network.mac" label="MAC address" fullWidth={false} />
          {net.mode === 'bridge' && <TextSetting path="network.bridge" label="Bridge" hint="e.g. br0 or virbr0" fullWidth={false} />}
        </Row>
      )}
      {net.mode === 'user' && (
        <>
          <Typography variant="subtitle2" component="h3" sx={{ mt: 2 }}>Port forwarding</Typography>
          {saved?.network.mode === 'user' && vmId && commitForwards ? (
            <ForwardTable vmId={vmId} forwards={saved.network.forwards} state={state} onChange={commitForwards} />
          ) : (
            <Typography variant="body2" color="text.secondary">Apply the NAT network first; then add port forwards here.</Typography>
          )}
        </>
      )}
    </>
  );
}

export function DisplayPage() {
  const { host } = useSettingsForm();
  return (
    <>
      <SelectSetting path="display.device" label="Graphics" options={DISPLAY_DEVICES} />
      <Row>
        <SelectSetting path="input.pointer" label="Pointer" options={POINTER_DEVICES} hint="usb-tablet keeps the pointer in step without grabbing" />
        <SelectSetting path="input.keyboard" label="Keyboard" options={KEYBOARD_DEVICES} />
      </Row>
      <SelectSetting path="audio.device" label="Audio" options={AUDIO_DEVICES} hint={audioHint(host?.audio)} />
      <SelectSetting path="clipboard" label="Clipboard sharing" options={CLIPBOARD_POLICIES} hint="Off by default: a guest should not read what you copy on the host." />
      <CheckSetting path="guestAgent" label="QEMU guest agent" hint="A channel for qemu-ga in the guest: its hostname and addresses in the details, a clean shutdown when it ignores the power button, consistent disk snapshots" />
    </>
  );
}

export function AdvancedPage({ vmId, savedDoc }: { vmId: string; savedDoc: VmDocument }) {
  const api = useApi();
  const { draft, set, state } = useSettingsForm();
  const [text, setText] = useState(draft.extraArgs.join('\n'));
  const [argv, setArgv] = useState<{ text: string | null; error: string | null }>({ text: null, error: null });
  const status = useFieldStatus('extraArgs', 'One argument per line, appended last to the QEMU command line (no shell quoting).');
  const policy = useExtraArgsPolicy();
  useEffect(() => {
    let alive = true;
    api.call('vm.argv', { vm: vmId }).then(
      (r) => alive && setArgv({ text: formatArgv(r.argv), error: null }),
      (err: unknown) => alive && setArgv({ text: null, error: describeError(err, 'build the command line') }),
    );
    return () => {
      alive = false;
    };
  }, [api, vmId, savedDoc]);
  return (
    <>
      <Typography variant="subtitle2" component="h3">Any QEMU name</Typography>
      <Row>
        <TextSetting path="cpu.model" label="CPU model (free text)" hint="e.g. max, host, Skylake-Client-v4" fullWidth={false} />
        <TextSetting path="machine" label="Machine type (free text)" hint="e.g. q35, pc-q35-7.2, virt" fullWidth={false} />
      </Row>
      <TextField
        label="Extra QEMU arguments"
        multiline
        minRows={4}
        fullWidth
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          set('extraArgs', e.target.value.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
        }}
        margin="dense"
        slotProps={{ htmlInput: { spellCheck: false, readOnly: !policy.editable, style: { fontFamily: 'monospace' } } }}
        {...status}
        {...(policy.editable ? {} : { helperText: policy.reason ?? 'Read-only here.' })}
        disabled={lockReason('extraArgs', state) !== null}
      />
      <Typography variant="subtitle2" component="h3" sx={{ mt: 2 }}>Generated command line</Typography>
      <Typography variant="caption" color="text.secondary">For the saved settings; Apply to see your changes here.</Typography>
      {argv.error && <Alert severity="warning">{argv.error}</Alert>}
      <Box
        component="pre"
        aria-label="Generated command line"
        tabIndex={0}
        sx={{ fontFamily: 'monospace', fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all', p: 1, bgcolor: 'action.hover', borderRadius: 1, maxHeight: 240, overflow: 'auto' }}
      >
        {argv.text ?? (argv.error ? '' : 'Loading…')}
      </Box>
    </>
  );
}
