import { useCallback, useEffect, useReducer, useRef, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Step from '@mui/material/Step';
import StepLabel from '@mui/material/StepLabel';
import Stepper from '@mui/material/Stepper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { Architecture } from '../../../src-shared/vm-document/schema.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { DialogStatusLine, useDialogNotices, useWindowNotify } from '../../components/notifier.js';
import {
  EXISTING_DISK_MODES, EXISTING_DISK_MODE_TEXT, archChoices, FIELD_LABELS, PAGE_TITLES, WIZARD_PAGES, accelerationNote, blockingReasons, canCreate, initialWizardState, osOptions, pageRegionName, summaryRows, toCreateArgs,
  validatePage, visibleMessages, wizardHost, wizardReducer, type ExistingDiskMode, type FieldLabel, type WizardState,
} from './wizard-state.js';
import { CommandLinePreview } from './command-line-preview.js';
import { DownloadDialog } from './download-dialog.js';
import { PoolIsoPicker } from './pool-iso-picker.js';
import { OsSelect, osChoices } from '../../components/os-select.js';
import { InstallAutomaticallyPage } from './install-automatically-page.js';

export interface NewVmWizardProps {
  onClose: () => void;
  /** Called with the new machine's id once it exists (and, for "Create and start", was asked to start); `connection`: where. */
  onCreated: (id: string, connection?: string) => void;
  /** libvirt connections a machine may be created on instead of This computer (a picker on the first page). */
  connections?: ReadonlyArray<{ name: string; status: string }>;
  /** Where the picker starts (the place the library shows); absent: This computer. */
  initialConnection?: string | null;
  /** An ISO to start from (one opened with Hangar): prefilled and inspected as if chosen with Browse. */
  initialIsoPath?: string | undefined;
  /** The names of the machines in the library (the library store's): the name is checked against them as typed. */
  takenNames?: ReadonlyArray<string>;
}

const L = FIELD_LABELS;

/** A job id the engine accepts (letters, digits, "-"), chosen here so the copy can be cancelled before vm.create answers. */
function newJobId(): string {
  return `create-${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** error / helper text of one field from the page's visible messages. */
function useMessages(state: WizardState) {
  const m = visibleMessages(state);
  return (label: FieldLabel, hint?: string) => {
    const error = m.errors[label];
    const warning = m.warnings[label];
    return { error: error !== undefined, helperText: error ?? (warning ? `Note: ${warning}` : (hint ?? ' ')) };
  };
}

function Field({ children }: { children: ReactNode }) {
  return <Box sx={{ mb: 1.5 }}>{children}</Box>;
}

/** A path field with its Browse… button beside it (none without `onBrowse`: a path on another host), and Download… for the installer ISO. */
function WithBrowse({ onBrowse, onDownload, children }: { onBrowse: (() => void) | undefined; onDownload?: (() => void) | undefined; children: ReactNode }) {
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
      {children}
      {onBrowse && <Button variant="outlined" sx={{ mt: 0.5, flex: 'none' }} onClick={onBrowse}>Browse…</Button>}
      {onDownload && <Button variant="outlined" sx={{ mt: 0.5, flex: 'none' }} onClick={onDownload}>Download…</Button>}
    </Box>
  );
}

/**
 * The new-machine wizard: a draft edited page by page (the pure reducer in wizard-state.ts), validated per
 * page, and only at the end one `vm.create` call. Nothing exists on disk until "Create".
 */
export function NewVmWizard({ onClose, onCreated, initialIsoPath, takenNames, connections = [], initialConnection = null }: NewVmWizardProps) {
  const api = useApi();
  /** Where the machine is created: null = This computer; else a libvirt connection (disks in its pool "default"). */
  const [target, setTarget] = useState<string | null>(initialConnection);
  const on = target === null ? undefined : { connection: target };
  // Notices while the wizard is open go to its own status line; "Created" outlives it, in the window.
  const notices = useDialogNotices();
  const notify = notices.notify;
  const windowNotify = useWindowNotify();
  const [state, dispatch] = useReducer(wizardReducer, undefined, () => initialWizardState());
  const [creating, setCreating] = useState<null | 'create' | 'start'>(null);
  const [createError, setCreateError] = useState<string | null>(null);
  /** A copy or conversion of an existing image runs as an engine job: its id (to cancel) and percent. */
  const [job, setJob] = useState<{ id: string; percent: number | null } | null>(null);
  /** Which Download… is open: the installer ISO's, or the cloud image's. */
  const [downloadOpen, setDownloadOpen] = useState<false | 'installer' | 'cloud-image'>(false);
  const msg = useMessages(state);
  const d = state.draft;
  const pageIndex = WIZARD_PAGES.indexOf(state.page);
  const inspectTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    let alive = true;
    api.call('host.info', {}).then(
      (h) => alive && dispatch({ type: 'host', host: wizardHost(h) }),
      () => undefined, // limits stay unknown; validation still checks the basics
    );
    return () => {
      alive = false;
      clearTimeout(inspectTimer.current);
    };
  }, [api]);

  const inspect = useCallback(
    (path: string) => {
      const p = path.trim();
      if (target !== null) return; // a path on the libvirt host: this computer cannot read it
      if (!p.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(p)) return;
      dispatch({ type: 'inspectStarted', path: p });
      api.call('iso.inspect', { path: p }).then(
        (result) => dispatch({ type: 'inspected', path: p, result }),
        (err: unknown) => dispatch({ type: 'inspectFailed', path: p, message: describeError(err, 'read the image') }),
      );
    },
    [api, target],
  );

  useEffect(() => {
    if (takenNames) dispatch({ type: 'library', names: takenNames });
  }, [takenNames]);

  useEffect(() => {
    if (!initialIsoPath) return;
    dispatch({ type: 'set', field: 'isoPath', value: initialIsoPath });
    inspect(initialIsoPath);
  }, [initialIsoPath, inspect]);

  const setIsoPath = (path: string, now: boolean) => {
    dispatch({ type: 'set', field: 'isoPath', value: path });
    clearTimeout(inspectTimer.current);
    if (now) inspect(path);
    else inspectTimer.current = setTimeout(() => inspect(path), 600);
  };

  const browse = async (what: 'iso' | 'disk' | 'cloud') => {
    try {
      const prefs = await api.app('prefs:get', undefined).catch(() => null);
      // The chooser opens where the path already typed is (its folder), else in the last folder used.
      const typed = (what === 'iso' ? d.isoPath : what === 'cloud' ? d.cloudImagePath : d.existingDiskPath).trim();
      const start = typed.startsWith('/') ? typed : (what === 'iso' ? prefs?.lastIsoFolder : prefs?.lastDiskFolder) ?? undefined;
      const file = await api.app('dialog:openFile', what === 'iso'
        ? { title: 'Choose an ISO image', filters: [{ name: 'ISO images', extensions: ['iso'] }], ...(start ? { defaultPath: start } : {}) }
        : { title: what === 'cloud' ? 'Choose a cloud image' : 'Choose a disk image', filters: [{ name: 'Disk images', extensions: ['qcow2', 'img', 'raw', 'vmdk', 'vdi', 'vhdx', 'vhd'] }], ...(start ? { defaultPath: start } : {}) });
      if (!file) return;
      const folder = file.replace(/[\\/][^\\/]*$/, '') || '/';
      void api.app('prefs:set', what === 'iso' ? { lastIsoFolder: folder } : { lastDiskFolder: folder }).catch(() => undefined);
      if (what === 'iso') setIsoPath(file, true);
      else if (what === 'cloud') dispatch({ type: 'set', field: 'cloudImagePath', value: file });
      else dispatch({ type: 'set', field: 'existingDiskPath', value: file });
    } catch (err) {
      notify(describeError(err, 'open the file chooser'), 'error');
    }
  };

  const browseFolder = async () => {
    try {
      const folder = await api.app('dialog:chooseFolder', { title: 'Choose where to create the machine’s folder', ...(d.folder.trim() ? { defaultPath: d.folder.trim() } : {}) });
      if (folder) dispatch({ type: 'set', field: 'folder', value: folder });
    } catch (err) {
      notify(describeError(err, 'open the folder chooser'), 'error');
    }
  };

  const create = async (start: boolean) => {
    if (!canCreate(state)) return;
    setCreating(start ? 'start' : 'create');
    setCreateError(null);
    // On a libvirt connection the disk goes into the pool "default": no folder of this computer.
    const { folder: _folder, ...remoteArgs } = toCreateArgs(state);
    const args = target === null ? toCreateArgs(state) : remoteArgs;
    const copying = args.existingDiskMode === 'copy' || args.existingDiskMode === 'convert';
    const jobId = copying ? newJobId() : undefined;
    const off = jobId
      ? api.onEvent((e) => {
        if (e.type === 'vm.job' && e.jobId === jobId && e.percent !== undefined) setJob({ id: jobId, percent: e.percent });
      })
      : () => undefined;
    if (jobId) setJob({ id: jobId, percent: null });
    try {
      const created = await api.call('vm.create', jobId ? { ...args, jobId } : args, on);
      if (start) {
        try {
          await api.call('vm.start', { vm: created.id }, on);
        } catch (err) {
          windowNotify(describeError(err, `start "${created.doc.name}" (it was created)`), 'error');
        }
      }
      windowNotify(`Created "${created.doc.name}".`, 'success');
      onCreated(created.id, target ?? undefined);
    } catch (err) {
      setCreateError(describeError(err, 'create the machine'));
      setCreating(null);
    } finally {
      off();
      setJob(null);
    }
  };

  const insp = state.inspection;
  const acc = accelerationNote(state);
  const summaryValidation = state.page === 'summary' ? validatePage(state, 'summary') : null;
  // Next stays off while the page has errors, and says why beside it.
  const blocked = state.page !== 'summary' ? blockingReasons(state) : [];

  return (
    <Dialog open onClose={creating ? undefined : onClose} maxWidth="md" fullWidth aria-labelledby="wizard-title">
      <DialogTitle id="wizard-title">New machine</DialogTitle>
      <DialogContent dividers>
        <Stepper activeStep={pageIndex} alternativeLabel sx={{ mb: 2 }} aria-label="Steps">
          {WIZARD_PAGES.map((p) => (
            <Step key={p} completed={WIZARD_PAGES.indexOf(p) < pageIndex}>
              <StepLabel>{PAGE_TITLES[p]}</StepLabel>
            </Step>
          ))}
        </Stepper>
        <Box component="section" aria-label={pageRegionName(state.page)} sx={{ minHeight: 260 }}>
          <Typography variant="h6" component="h2" sx={{ mb: 1 }}>{PAGE_TITLES[state.page]}</Typography>

          {state.page === 'name' && (
            <>
              <Field>
                <TextField
                  label={L.name}
                  value={d.name}
                  autoFocus
                  fullWidth
                  onChange={(e) => dispatch({ type: 'set', field: 'name', value: e.target.value })}
                  {...msg(L.name, 'How the machine appears in the library; its folder is named after it.')}
                />
              </Field>
              {connections.length > 0 && (
                <Field>
                  <TextField
                    select
                    label="Create on"
                    value={target ?? ''}
                    fullWidth
                    onChange={(e) => setTarget(e.target.value === '' ? null : e.target.value)}
                    helperText={target === null ? 'Hangar runs the machine itself.' : `libvirt runs it on "${target}": its disk goes into that host's storage pool "default".`}
                  >
                    <MenuItem value="">This computer</MenuItem>
                    {connections.map((c) => (
                      <MenuItem key={c.name} value={c.name}>{`libvirt: ${c.name}${c.status === 'failed' ? ' (cannot reach it now)' : ''}`}</MenuItem>
                    ))}
                  </TextField>
                </Field>
              )}
              {target === null && <Field>
                <WithBrowse onBrowse={() => void browseFolder()}>
                  <TextField
                    label={L.folder}
                    value={d.folder}
                    fullWidth
                    placeholder={state.host?.libraryDir ?? 'the library folder'}
                    onChange={(e) => dispatch({ type: 'set', field: 'folder', value: e.target.value })}
                    {...msg(L.folder, `Where the machine’s folder is created. Empty: the library${state.host?.libraryDir ? ` (${state.host.libraryDir})` : ''}.`)}
                  />
                </WithBrowse>
              </Field>}
            </>
          )}

          {state.page === 'media' && (
            <>
              <FormControl sx={{ mb: 1 }}>
                <FormLabel id="media-label">{L.media}</FormLabel>
                <RadioGroup row aria-labelledby="media-label" value={d.media} onChange={(e) => dispatch({ type: 'set', field: 'media', value: e.target.value as 'iso' | 'none' | 'cloud' })}>
                  <FormControlLabel value="iso" control={<Radio />} label="From an ISO image" />
                  <FormControlLabel value="cloud" control={<Radio />} label="From a cloud image" />
                  <FormControlLabel value="none" control={<Radio />} label="No installation media" />
                </RadioGroup>
              </FormControl>
              {d.media === 'iso' && (
                <Field>
                  <WithBrowse onBrowse={target === null ? () => void browse('iso') : undefined} onDownload={target === null ? () => setDownloadOpen('installer') : undefined}>
                    <TextField
                      label={L.isoPath}
                      value={d.isoPath}
                      fullWidth
                      placeholder="/path/to/installer.iso"
                      onChange={(e) => setIsoPath(e.target.value, false)}
                      onBlur={() => {
                        if (insp.status === 'idle' && d.isoPath.trim()) setIsoPath(d.isoPath, true);
                      }}
                      {...msg(L.isoPath, target === null ? 'Choose with Browse… or type the full path.' : `The full path of the ISO on "${target}" (e.g. in /var/lib/libvirt/images).`)}
                    />
                  </WithBrowse>
                  {target !== null && <PoolIsoPicker connection={target} selected={d.isoPath} onPick={(path) => setIsoPath(path, false)} />}
                  {insp.status === 'inspecting' && <LinearProgress aria-label="Reading the image" sx={{ mt: 1 }} />}
                  {insp.status === 'done' && (
                    <Alert severity={insp.result.detected ? 'success' : 'info'} sx={{ mt: 1 }} role="status">
                      {insp.result.detected
                        ? `Detected ${insp.result.detected.name} from the volume label "${insp.result.volumeId}".`
                        : `The volume label "${insp.result.volumeId}" names no operating system Hangar knows; choose one below.`}{' '}
                      Boots with {[insp.result.bootable.bios && 'BIOS', insp.result.bootable.uefi && 'UEFI'].filter(Boolean).join(' and ') || 'neither BIOS nor UEFI'}.
                    </Alert>
                  )}
                </Field>
              )}
              {d.media === 'cloud' && (
                <>
                  <Field>
                    <WithBrowse onBrowse={() => void browse('cloud')} onDownload={() => setDownloadOpen('cloud-image')}>
                      <TextField
                        label={L.cloudImagePath}
                        value={d.cloudImagePath}
                        fullWidth
                        placeholder="/path/to/debian-12-generic-amd64.qcow2"
                        onChange={(e) => dispatch({ type: 'set', field: 'cloudImagePath', value: e.target.value })}
                        {...msg(L.cloudImagePath, 'The disk is an overlay on it: the image itself is never changed.')}
                      />
                    </WithBrowse>
                  </Field>
                  <Field>
                    <TextField label={L.cloudUser} value={d.cloudUser} autoComplete="off" onChange={(e) => dispatch({ type: 'set', field: 'cloudUser', value: e.target.value })} {...msg(L.cloudUser, 'Created at first boot, with sudo. Empty: the image’s default user.')} />
                  </Field>
                  <Field>
                    <TextField label={L.cloudPassword} type="password" value={d.cloudPassword} autoComplete="new-password" onChange={(e) => dispatch({ type: 'set', field: 'cloudPassword', value: e.target.value })} {...msg(L.cloudPassword, 'Stored only as a hash.')} />
                  </Field>
                  <Field>
                    <TextField label={L.cloudSshKey} value={d.cloudSshKey} fullWidth multiline minRows={2} placeholder="ssh-ed25519 AAAA… you@host" onChange={(e) => dispatch({ type: 'set', field: 'cloudSshKey', value: e.target.value })} {...msg(L.cloudSshKey, 'Paste the public key (the .pub file), one per line.')} />
                  </Field>
                  <Field>
                    <TextField label={L.cloudHostname} value={d.cloudHostname} onChange={(e) => dispatch({ type: 'set', field: 'cloudHostname', value: e.target.value })} {...msg(L.cloudHostname, 'Empty: made from the machine name.')} />
                  </Field>
                </>
              )}
              <Field>
                <OsSelect
                  label={L.osId}
                  value={d.osId}
                  options={osChoices(osOptions(state))}
                  onChange={(osId) => dispatch({ type: 'set', field: 'osId', value: osId })}
                  {...msg(L.osId, 'Sets the recommended memory, disk, firmware and devices.')}
                />
              </Field>
            </>
          )}

          {state.page === 'system' && (
            <>
              <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
                <TextField select label={L.arch} value={d.arch} sx={{ minWidth: 200 }} slotProps={{ select: { renderValue: (v) => String(v) } }} onChange={(e) => dispatch({ type: 'set', field: 'arch', value: e.target.value as Architecture })} {...msg(L.arch)}>
                  {archChoices(state.host).map((c) => (
                    <MenuItem key={c.arch} value={c.arch} disabled={!c.usable} sx={{ display: 'block' }}>
                      {c.arch}
                      {c.detail && <Typography variant="body2" color="text.secondary">{c.detail}</Typography>}
                    </MenuItem>
                  ))}
                </TextField>
                <TextField select label={L.firmware} value={d.firmware} sx={{ minWidth: 200 }} onChange={(e) => dispatch({ type: 'set', field: 'firmware', value: e.target.value as 'bios' | 'uefi' })} {...msg(L.firmware)}>
                  <MenuItem value="bios">BIOS</MenuItem>
                  <MenuItem value="uefi">UEFI</MenuItem>
                </TextField>
              </Box>
              <FormControl error={msg(L.secureBoot).error}>
                <FormControlLabel control={<Checkbox checked={d.secureBoot} disabled={d.firmware !== 'uefi'} onChange={(e) => dispatch({ type: 'set', field: 'secureBoot', value: e.target.checked })} />} label={L.secureBoot} />
                <FormHelperText sx={{ mt: -0.5 }}>{msg(L.secureBoot, d.firmware !== 'uefi' ? 'Needs UEFI firmware' : undefined).helperText}</FormHelperText>
              </FormControl>
              <FormControl>
                <FormControlLabel control={<Checkbox checked={d.tpm} onChange={(e) => dispatch({ type: 'set', field: 'tpm', value: e.target.checked })} />} label={L.tpm} />
                <FormHelperText sx={{ mt: -0.5 }}>{msg(L.tpm).helperText}</FormHelperText>
              </FormControl>
              <Alert severity={acc.accelerator === 'tcg' ? 'warning' : 'info'} sx={{ mt: 1 }}>
                {acc.accelerator === 'kvm' ? acc.text : acc.text.charAt(0).toUpperCase() + acc.text.slice(1)}.
              </Alert>
            </>
          )}

          {state.page === 'resources' && (
            <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
              <TextField
                label={L.memoryMiB}
                value={d.memoryMiB}
                slotProps={{ htmlInput: { inputMode: 'numeric' } }}
                onChange={(e) => dispatch({ type: 'set', field: 'memoryMiB', value: e.target.value })}
                {...msg(L.memoryMiB, state.host ? `This host has ${state.host.hostMemoryMiB} MiB` : undefined)}
              />
              <TextField
                label={L.cpus}
                value={d.cpus}
                slotProps={{ htmlInput: { inputMode: 'numeric' } }}
                onChange={(e) => dispatch({ type: 'set', field: 'cpus', value: e.target.value })}
                {...msg(L.cpus, state.host ? `This host has ${state.host.hostCpus}` : undefined)}
              />
            </Box>
          )}

          {state.page === 'disk' && (
            <>
              <FormControl error={msg(L.disk).error} sx={{ mb: 1 }}>
                <FormLabel id="disk-label">{L.disk}</FormLabel>
                <RadioGroup row aria-labelledby="disk-label" value={d.disk} onChange={(e) => dispatch({ type: 'set', field: 'disk', value: e.target.value as 'new' | 'existing' | 'none' })}>
                  <FormControlLabel value="new" control={<Radio />} label="New disk" />
                  <FormControlLabel value="existing" control={<Radio />} label="Existing disk image" disabled={target !== null} title={target === null ? undefined : 'On a libvirt connection the disk is a new volume in the pool "default"'} />
                  <FormControlLabel value="none" control={<Radio />} label="No disk" />
                </RadioGroup>
                <FormHelperText>{msg(L.disk).helperText}</FormHelperText>
              </FormControl>
              {d.disk === 'new' && (
                <Field>
                  <TextField
                    label={L.diskSizeGiB}
                    value={d.diskSizeGiB}
                    slotProps={{ htmlInput: { inputMode: 'decimal' } }}
                    onChange={(e) => dispatch({ type: 'set', field: 'diskSizeGiB', value: e.target.value })}
                    {...msg(L.diskSizeGiB, 'A qcow2 image: it grows as the guest writes, up to this size.')}
                  />
                </Field>
              )}
              {d.disk === 'existing' && (
                <WithBrowse onBrowse={() => void browse('disk')}>
                  <TextField
                    label={L.existingDiskPath}
                    value={d.existingDiskPath}
                    fullWidth
                    onChange={(e) => dispatch({ type: 'set', field: 'existingDiskPath', value: e.target.value })}
                    {...msg(L.existingDiskPath, 'Any format QEMU reads (qcow2, raw, vmdk, vdi, vhdx, vhd); Hangar detects it.')}
                  />
                </WithBrowse>
              )}
              {d.disk === 'existing' && (
                <FormControl sx={{ mt: 1 }}>
                  <FormLabel id="disk-mode-label">{L.existingDiskMode}</FormLabel>
                  <RadioGroup aria-labelledby="disk-mode-label" value={d.existingDiskMode} onChange={(e) => dispatch({ type: 'set', field: 'existingDiskMode', value: e.target.value as ExistingDiskMode })}>
                    {EXISTING_DISK_MODES.map((m) => <FormControlLabel key={m} value={m} control={<Radio />} label={EXISTING_DISK_MODE_TEXT[m]} />)}
                  </RadioGroup>
                  <FormHelperText>
                    {d.existingDiskMode === 'use' ? 'The machine writes to the image where it is.' : 'The original stays untouched; the machine gets its own copy.'}
                  </FormHelperText>
                </FormControl>
              )}
              {d.disk === 'new' && d.media === 'iso' && <InstallAutomaticallyPage value={d.unattended} onChange={(value) => dispatch({ type: 'unattended', value })} />}
            </>
          )}

          {state.page === 'summary' && (
            <>
              <Box component="dl" aria-label="Summary" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0 }}>
                {summaryRows(state).map((r) => (
                  <Box key={r.label} sx={{ display: 'contents' }}>
                    <Typography component="dt" variant="body2" color="text.secondary">{r.label}</Typography>
                    <Typography component="dd" variant="body2" sx={{ m: 0, overflowWrap: 'anywhere' }}>{r.value}</Typography>
                  </Box>
                ))}
              </Box>
              {/* The preview needs no answers: the password stays out of the preview's requests. */}
              {canCreate(state) && target === null && <CommandLinePreview args={{ ...toCreateArgs(state), unattended: undefined }} />}
              {target !== null && <Typography variant="body2" sx={{ mt: 1 }}>{`Created on the libvirt connection "${target}" as a domain (libvirt builds its QEMU command line).`}</Typography>}
              {summaryValidation && Object.keys(summaryValidation.warnings).length > 0 && (
                <Alert severity="warning" sx={{ mt: 2 }}>
                  <ul style={{ margin: 0, paddingLeft: 16 }}>
                    {Object.entries(summaryValidation.warnings).map(([label, text]) => <li key={label}>{label}: {text}</li>)}
                  </ul>
                </Alert>
              )}
              {summaryValidation && Object.keys(summaryValidation.errors).length > 0 && (
                <Alert severity="error" sx={{ mt: 2 }}>
                  Go back and fix: {Object.entries(summaryValidation.errors).map(([label, text]) => `${label}: ${text}`).join('; ')}
                </Alert>
              )}
            </>
          )}
          {creating && (job?.percent != null
            ? <LinearProgress variant="determinate" value={job.percent} aria-label={`Copying the disk image: ${job.percent}%`} sx={{ mt: 2 }} />
            : <LinearProgress aria-label="Creating the machine" sx={{ mt: 2 }} />)}
          {createError && <Alert severity="error" sx={{ mt: 2 }}>{createError}</Alert>}
        </Box>
        <DialogStatusLine notice={notices.notice} onDismiss={notices.clear} />
      </DialogContent>
      <DialogActions>
        {job
          ? <Button onClick={() => void api.call('job.cancel', { jobId: job.id }).catch(() => undefined)}>Cancel copy</Button>
          : <Button onClick={onClose} disabled={creating !== null}>Cancel</Button>}
        <Box sx={{ flex: 1 }} />
        <Button onClick={() => dispatch({ type: 'back' })} disabled={pageIndex === 0 || creating !== null}>Back</Button>
        {state.page !== 'summary' ? (
          <>
            {blocked.length > 0 && (
              <Typography id="wizard-next-reason" variant="caption" color="text.secondary" sx={{ maxWidth: 360, textAlign: 'right' }}>
                {blocked.join('; ')}
              </Typography>
            )}
            <Button
              variant="contained"
              onClick={() => dispatch({ type: 'next' })}
              disabled={blocked.length > 0}
              {...(blocked.length > 0 ? { 'aria-describedby': 'wizard-next-reason' } : {})}
            >
              Next
            </Button>
          </>
        ) : (
          <>
            <Button variant="outlined" onClick={() => void create(false)} disabled={creating !== null || !canCreate(state)}>Create</Button>
            <Button variant="contained" onClick={() => void create(true)} disabled={creating !== null || !canCreate(state)}>Create and start</Button>
          </>
        )}
      </DialogActions>
      <DownloadDialog
        open={downloadOpen !== false}
        arch={d.arch}
        kind={downloadOpen === 'cloud-image' ? 'cloud-image' : 'installer'}
        onClose={() => setDownloadOpen(false)}
        onDownloaded={(path, entry) => {
          const cloud = downloadOpen === 'cloud-image';
          setDownloadOpen(false);
          if (!cloud) return setIsoPath(path, true);
          // A catalog image knows its OS: the machine gets that OS's recommended settings.
          dispatch({ type: 'set', field: 'cloudImagePath', value: path });
          dispatch({ type: 'set', field: 'osId', value: entry.osId });
        }}
      />
    </Dialog>
  );
}
