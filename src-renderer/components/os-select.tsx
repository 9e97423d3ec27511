import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { OS_CATALOG, findCatalogEntry } from '../../src-shared/os-catalog/index.js';

export interface OsOption {
  id: string;
  name: string;
}

/**
 * The operating-system choices of the wizard and the settings: "Other" (generic) first, then the catalog, plus
 * `extra` (an OS osinfo-db detected, or a document's id the catalog does not know) so the current value is offered.
 */
export function osChoices(extra: ReadonlyArray<OsOption> = []): OsOption[] {
  const out: OsOption[] = [{ id: 'generic', name: 'Other' }];
  for (const e of extra) if (!findCatalogEntry(e.id) && !out.some((o) => o.id === e.id)) out.push(e);
  for (const e of OS_CATALOG) if (e.id !== 'generic') out.push({ id: e.id, name: e.name });
  return out;
}

export interface OsSelectProps {
  label: string;
  value: string;
  onChange: (osId: string) => void;
  options: ReadonlyArray<OsOption>;
  error?: boolean;
  helperText?: string;
  disabled?: boolean;
  margin?: 'dense' | 'none' | 'normal';
}

/** One dropdown over osChoices(): the same list in the wizard and in the settings. */
export function OsSelect({ label, value, onChange, options, error, helperText, disabled, margin }: OsSelectProps) {
  return (
    <TextField select label={label} value={value} fullWidth onChange={(e) => onChange(e.target.value)} error={error} helperText={helperText} disabled={disabled} margin={margin}>
      {options.map((o) => (
        <MenuItem key={o.id} value={o.id}>{o.name}</MenuItem>
      ))}
    </TextField>
  );
}
