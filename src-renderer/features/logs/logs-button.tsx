import { lazy, Suspense, useState } from 'react';
import Button from '@mui/material/Button';
import ArticleIcon from '@mui/icons-material/Article';

// The dialog (and the settings model it borrows formatArgv from) loads when first opened.
const LogsDialog = lazy(() => import('./logs-dialog.js').then((m) => ({ default: m.LogsDialog })));

/** "Logs" for the selected machine. */
export function LogsButton({ vm }: { vm: { id: string; name: string } }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="small" variant="outlined" startIcon={<ArticleIcon fontSize="small" />} onClick={() => setOpen(true)}>Logs</Button>
      {open && (
        <Suspense fallback={null}>
          <LogsDialog vm={vm} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
