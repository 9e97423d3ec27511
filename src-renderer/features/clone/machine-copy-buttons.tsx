import { lazy, Suspense, useState } from 'react';
import Button from '@mui/material/Button';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import SaveAltIcon from '@mui/icons-material/SaveAlt';
import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';

// Loaded when first opened, like the library's other dialogs.
const CloneDialog = lazy(() => import('./clone-dialog.js').then((m) => ({ default: m.CloneDialog })));
const ExportDialog = lazy(() => import('../archive/export-dialog.js').then((m) => ({ default: m.ExportDialog })));

export interface MachineCopyButtonsProps {
  vm: { id: string; name: string; state: VmRunState; error?: string };
  /** Selects a machine in the library (the new clone). */
  onSelectVm?: (id: string) => void;
}

/** "Clone…" and "Export…" for the details pane; both need the machine stopped, and say so while it is not. */
export function MachineCopyButtons({ vm, onSelectVm }: MachineCopyButtonsProps) {
  const [open, setOpen] = useState<'clone' | 'export' | null>(null);
  const reason = vm.error ? 'The machine folder could not be loaded' : isActive(vm.state) ? 'Shut the machine down first' : null;
  return (
    <>
      <span title={reason ?? 'A new machine with the same settings and disks'}>
        <Button size="small" startIcon={<ContentCopyIcon fontSize="small" />} onClick={() => setOpen('clone')} disabled={reason !== null}>Clone…</Button>
      </span>
      <span title={reason ?? 'Save the machine as one archive file'}>
        <Button size="small" startIcon={<SaveAltIcon fontSize="small" />} onClick={() => setOpen('export')} disabled={reason !== null}>Export…</Button>
      </span>
      <Suspense fallback={null}>
        {open === 'clone' && (
          <CloneDialog
            vm={vm}
            onClose={() => setOpen(null)}
            onCloned={(id) => {
              setOpen(null);
              onSelectVm?.(id);
            }}
          />
        )}
        {open === 'export' && <ExportDialog vm={vm} onClose={() => setOpen(null)} />}
      </Suspense>
    </>
  );
}
