import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { PortForward, VmDocument } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import type { HostSummary } from '../../../src-shared/contract/index.js';
import { getIn, lockReason } from './settings-model.js';

export interface SettingsForm {
  draft: VmDocument;
  /** Sets the value at a schema path (`cpu.count`). */
  set: (path: string, value: unknown) => void;
  /** Replaces the whole draft (for edits that touch several fields, e.g. removing a disk from the boot order too). */
  update: (f: (d: VmDocument) => VmDocument) => void;
  issues: Readonly<Record<string, string>>;
  state: VmRunState;
  vmId?: string;
  /** The document as the engine has it (the draft's baseline). */
  saved?: VmDocument;
  /** The host probe (`host.info`): machine types and CPU models to choose from. */
  host?: HostSummary;
  /** The engine changed the port forwards itself (forward.add/remove): new baseline and draft, nothing to Apply. */
  commitForwards?: (forwards: PortForward[]) => void;
  /** The engine changed the disks itself (disk.add/remove/convert): its disks and boot order become the baseline; the draft keeps its unapplied edits. */
  commitDisks?: (doc: VmDocument) => void;
}

const FormContext = createContext<SettingsForm | null>(null);

export function SettingsFormProvider({ form, children }: { form: SettingsForm; children: ReactNode }) {
  return <FormContext.Provider value={form}>{children}</FormContext.Provider>;
}

export function useSettingsForm(): SettingsForm {
  const form = useContext(FormContext);
  if (!form) throw new Error('settings fields need a SettingsFormProvider');
  return form;
}

/** error / disabled / helper text for the field at `path`: its validation message first, then why it is locked. */
export function useFieldStatus(path: string, hint?: string) {
  const form = useSettingsForm();
  const issue = form.issues[path];
  const locked = lockReason(path, form.state);
  return { error: issue !== undefined, disabled: locked !== null, helperText: issue ?? locked ?? hint ?? ' ' };
}

export function TextSetting({ path, label, hint, multiline, minRows, fullWidth = true }: { path: string; label: string; hint?: string; multiline?: boolean; minRows?: number; fullWidth?: boolean }) {
  const form = useSettingsForm();
  const status = useFieldStatus(path, hint);
  return (
    <TextField
      label={label}
      value={String(getIn(form.draft, path) ?? '')}
      onChange={(e) => form.set(path, e.target.value)}
      multiline={multiline}
      minRows={minRows}
      fullWidth={fullWidth}
      margin="dense"
      {...status}
    />
  );
}

/** A number field that lets the text be half-typed ("", "1e") while the draft holds NaN and shows the error. */
export function NumberSetting({ path, label, hint, min, max, step }: { path: string; label: string; hint?: string; min?: number; max?: number; step?: number }) {
  const form = useSettingsForm();
  const value = getIn(form.draft, path) as number;
  const [text, setText] = useState(Number.isFinite(value) ? String(value) : '');
  useEffect(() => {
    if (Number.isFinite(value) && Number(text) !== value) setText(String(value));
    // Only follow outside changes of the value, not our own half-typed text.
  }, [value]);
  const status = useFieldStatus(path, hint);
  return (
    <TextField
      label={label}
      type="number"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        form.set(path, e.target.value.trim() === '' ? Number.NaN : Number(e.target.value));
      }}
      margin="dense"
      slotProps={{ htmlInput: { min, max, step } }}
      {...status}
      helperText={status.error && !Number.isFinite(value) ? 'Enter a number' : status.helperText}
    />
  );
}

export function SelectSetting({ path, label, options, hint, minWidth = 200 }: { path: string; label: string; options: ReadonlyArray<string | { value: string; label: string }>; hint?: string; minWidth?: number }) {
  const form = useSettingsForm();
  const status = useFieldStatus(path, hint);
  return (
    <TextField select label={label} value={String(getIn(form.draft, path) ?? '')} onChange={(e) => form.set(path, e.target.value)} margin="dense" sx={{ minWidth }} {...status}>
      {options.map((o) => {
        const opt = typeof o === 'string' ? { value: o, label: o } : o;
        return <MenuItem key={opt.value} value={opt.value}>{opt.label}</MenuItem>;
      })}
    </TextField>
  );
}

export function CheckSetting({ path, label, hint }: { path: string; label: string; hint?: string }) {
  const form = useSettingsForm();
  const status = useFieldStatus(path, hint);
  return (
    <Box>
      <FormControlLabel
        control={<Checkbox checked={Boolean(getIn(form.draft, path))} onChange={(e) => form.set(path, e.target.checked)} disabled={status.disabled} />}
        label={label}
      />
      {status.helperText.trim() && <FormHelperText error={status.error} sx={{ mt: -0.5, ml: 4 }}>{status.helperText}</FormHelperText>}
    </Box>
  );
}
