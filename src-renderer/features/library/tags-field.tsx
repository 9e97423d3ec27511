import { useState, type FormEvent } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import CancelIcon from '@mui/icons-material/Cancel';
import { MAX_TAG_LENGTH, MAX_TAGS } from '../../../src-shared/contract/tag-limits.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `tag` cannot be added to `existing` (the engine's rules, checked before asking it), or null. */
export function newTagError(tag: string, existing: ReadonlyArray<string>): string | null {
  const t = tag.trim();
  if (t.length === 0) return 'Type a tag.';
  if (t.length > MAX_TAG_LENGTH) return `A tag has at most ${MAX_TAG_LENGTH} characters.`;
  if (CONTROL.test(t)) return 'A tag cannot contain control characters.';
  if (existing.includes(t)) return `"${t}" is already a tag of this machine.`;
  if (existing.length >= MAX_TAGS) return `A machine has at most ${MAX_TAGS} tags.`;
  return null;
}

/**
 * The details pane's "Tags" section: the machine's tags as chips (each removable) and a field to add
 * one. Tags live in the library (library.json), not in the machine's vm.json.
 */
export function TagsField({ vmId, name, tags, onChange }: { vmId: string; name: string; tags: ReadonlyArray<string>; onChange?: (tags: string[]) => void }) {
  const api = useApi();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (next: string[]) => {
    setBusy(true);
    try {
      const result = await api.call('vm.tags.set', { vm: vmId, tags: next });
      setError(null);
      onChange?.(result.tags);
      return true;
    } catch (err) {
      setError(describeError(err, `change the tags of "${name}"`));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const problem = newTagError(draft, tags);
    if (problem) {
      setError(problem);
      return;
    }
    if (await save([...tags, draft.trim()])) setDraft('');
  };

  return (
    <Paper variant="outlined" component="section" aria-labelledby="details-tags" sx={{ p: 1.5, mb: 1.5 }}>
      <Typography id="details-tags" variant="subtitle2" component="h3" sx={{ mb: 0.5 }}>Tags</Typography>
      <Box role="group" aria-label="Tags of this machine" sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, mb: 1 }}>
        {tags.length === 0 && <Typography variant="body2" color="text.secondary">No tags.</Typography>}
        {tags.map((t) => (
          <Chip
            key={t}
            label={t}
            size="small"
            disabled={busy}
            onDelete={() => void save(tags.filter((x) => x !== t))}
            deleteIcon={<CancelIcon role="button" aria-label={`Remove tag ${t}`} aria-hidden={false} />}
          />
        ))}
      </Box>
      <Box component="form" onSubmit={(e) => void add(e)} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
        <TextField
          label="Add tag"
          size="small"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            setError(null);
          }}
          error={error !== null}
          helperText={error ?? ' '}
          slotProps={{ htmlInput: { maxLength: MAX_TAG_LENGTH + 10 } }}
          sx={{ flex: 1 }}
        />
        <Button type="submit" variant="outlined" disabled={busy || draft.trim().length === 0}>Add</Button>
      </Box>
    </Paper>
  );
}
