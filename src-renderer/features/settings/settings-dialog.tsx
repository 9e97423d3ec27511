import { UsbPage } from './usb-page.js';
import { useEffect, useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Badge from '@mui/material/Badge';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { canEditHardware, type VmRunState } from '../../../src-shared/vm-state.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { DialogStatusLine, NoticeScope, useDialogNotices, useWindowNotify } from '../../components/notifier.js';
import { SettingsFormProvider, type SettingsForm } from './settings-fields.js';
import { AdvancedPage, DisplayPage, GeneralPage, NetworkPage, StoragePage, SystemPage } from './settings-page-views.js';
import { SharesPage } from './shares-page.js';
import { SETTINGS_PAGES, type SettingsPageId } from './settings-pages.js';
import { rebaseBootOrder } from './boot-order-model.js';
import { LOCKED_WHILE_RUNNING, draftIssues, hostIssues, pageOfPath, setIn, settingsPatch } from './settings-model.js';
import { useHostInfo, useIsoChecks } from './use-settings-checks.js';

export interface SettingsDialogProps {
  vmId: string;
  initialPage?: SettingsPageId;
  /** The machine's live run state (from the library store): hardware locks while it runs. */
  state: VmRunState;
  /** The names of the library's other machines: a rename to one of them (ignoring case) is flagged as typed. */
  otherNames?: ReadonlyArray<string>;
  onClose: () => void;
}

/**
 * Settings of one machine: a page per section of the VM document, edited as a draft. Apply sends only the
 * top-level sections that changed (`vm.update` with a patch); the engine rewrites the whole document.
 */
export function SettingsDialog({ vmId, initialPage = 'general', state, otherNames, onClose }: SettingsDialogProps) {
  const api = useApi();
  // Notices while the dialog is open go to its own status line (the window's sit behind the modal); a save
  // that also closes it is told in the window.
  const notices = useDialogNotices();
  const windowNotify = useWindowNotify();
  const [page, setPage] = useState<SettingsPageId>(initialPage);
  const [saved, setSaved] = useState<VmDocument | null>(null);
  const [draft, setDraft] = useState<VmDocument | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [applyError, setApplyError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let alive = true;
    api.call('vm.get', { vm: vmId }).then(
      (r) => {
        if (!alive) return;
        setSaved(r.doc);
        setDraft(r.doc);
      },
      (err: unknown) => alive && setLoadError(describeError(err, 'read the settings')),
    );
    return () => {
      alive = false;
    };
  }, [api, vmId]);

  const host = useHostInfo();
  const isoIssues = useIsoChecks(draft, saved);
  const issues = useMemo(
    () => (draft ? { ...hostIssues(draft, { otherNames: otherNames ?? [], host }), ...isoIssues, ...draftIssues(draft) } : {}),
    [draft, otherNames, host, isoIssues],
  );
  const patch = useMemo(() => (saved && draft ? settingsPatch(saved, draft) : {}), [saved, draft]);
  const dirty = Object.keys(patch).length > 0;
  const invalid = Object.keys(issues).length > 0;
  const locked = !canEditHardware(state);
  const pagesWithIssues = new Set(Object.keys(issues).map(pageOfPath));

  const apply = async (closing = false): Promise<boolean> => {
    if (!dirty) return true;
    setBusy(true);
    setApplyError(null);
    notices.clear();
    try {
      const r = await api.call('vm.update', { vm: vmId, patch: patch as Record<string, unknown> });
      setSaved(r.doc);
      setDraft(r.doc);
      (closing ? windowNotify : notices.notify)(`Saved the settings of "${r.doc.name}".`, 'success');
      return true;
    } catch (err) {
      setApplyError(describeError(err, 'save the settings'));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const form: SettingsForm | null = draft
    ? {
        draft,
        set: (path, value) => setDraft((d) => (d ? setIn(d, path, value) : d)),
        update: (f) => setDraft((d) => (d ? f(d) : d)),
        issues,
        state,
        vmId,
        ...(saved ? { saved } : {}),
        ...(host ? { host } : {}),
        commitForwards: (forwards) => {
          const withForwards = (d: VmDocument | null) => (d && d.network.mode === 'user' ? { ...d, network: { ...d.network, forwards } } : d);
          setSaved(withForwards);
          setDraft(withForwards);
        },
        commitDisks: (doc) => {
          setSaved((d) => (d ? { ...d, disks: doc.disks, bootOrder: doc.bootOrder } : d));
          // Device options and a boot order not applied yet survive the engine's change; removed disks leave the order.
          setDraft((d) => {
            if (!d) return d;
            const disks = doc.disks.map((n) => {
              const o = d.disks.find((x) => x.id === n.id);
              return o ? { ...n, bus: o.bus, readOnly: o.readOnly, discard: o.discard } : n;
            });
            return { ...d, disks, bootOrder: rebaseBootOrder(d, doc) };
          });
        },
      }
    : null;

  const name = saved?.name ?? 'machine';
  const otherIssues = Object.entries(issues).filter(([p]) => pageOfPath(p) !== page);

  return (
    <Dialog open onClose={busy ? undefined : onClose} maxWidth="md" fullWidth aria-labelledby="settings-title">
      <DialogTitle id="settings-title">Settings of {name}</DialogTitle>
      <DialogContent dividers sx={{ display: 'flex', gap: 2, minHeight: 420, p: 0 }}>
        <Tabs
          orientation="vertical"
          value={page}
          onChange={(_e, v: SettingsPageId) => setPage(v)}
          aria-label="Settings pages"
          sx={{ borderRight: 1, borderColor: 'divider', flex: 'none' }}
        >
          {SETTINGS_PAGES.map((p) => (
            <Tab
              key={p.id}
              value={p.id}
              id={`settings-tab-${p.id}`}
              aria-controls="settings-panel"
              label={pagesWithIssues.has(p.id) ? <Badge color="error" variant="dot">{p.label}</Badge> : p.label}
              aria-label={p.label}
              sx={{ alignItems: 'flex-start' }}
            />
          ))}
        </Tabs>
        <Box id="settings-panel" role="tabpanel" aria-labelledby={`settings-tab-${page}`} sx={{ flex: 1, p: 2, overflowY: 'auto' }}>
          {loadError && <Alert severity="error">{loadError}</Alert>}
          {!form && !loadError && <CircularProgress size={24} aria-label="Loading settings" />}
          {form && saved && (
            <NoticeScope notify={notices.notify}>
            <SettingsFormProvider form={form}>
              {locked && (
                <Alert severity="info" sx={{ mb: 1 }}>
                  {LOCKED_WHILE_RUNNING}: "{name}" is running. You can look at every setting; changes need the machine powered off.
                </Alert>
              )}
              {page === 'general' && <GeneralPage />}
              {page === 'system' && <SystemPage />}
              {page === 'storage' && <StoragePage />}
              {page === 'network' && <NetworkPage />}
              {page === 'display' && <DisplayPage />}
              {page === 'usb' && vmId && <UsbPage vmId={vmId} state={state} onChange={(usb) => {
                setSaved((d) => (d ? { ...d, usb } : d));
                setDraft((d) => (d ? { ...d, usb } : d));
              }} />}
              {page === 'shares' && <SharesPage />}
              {page === 'advanced' && <AdvancedPage vmId={vmId} savedDoc={saved} />}
              {otherIssues.length > 0 && (
                <Alert severity="warning" sx={{ mt: 2 }}>
                  Fix these on other pages before applying:
                  <ul style={{ margin: 0 }}>
                    {otherIssues.map(([p, m]) => (
                      <li key={p}>
                        <Button size="small" onClick={() => setPage(pageOfPath(p))}>{SETTINGS_PAGES.find((x) => x.id === pageOfPath(p))?.label}</Button> {p}: {m}
                      </li>
                    ))}
                  </ul>
                </Alert>
              )}
              {applyError && <Alert severity="error" sx={{ mt: 2 }}>{applyError}</Alert>}
            </SettingsFormProvider>
            </NoticeScope>
          )}
        </Box>
      </DialogContent>
      <DialogActions>
        <Box sx={{ flex: 1, minWidth: 0, px: 1 }}>
          <DialogStatusLine notice={notices.notice} onDismiss={notices.clear} />
        </Box>
        <Button onClick={onClose} disabled={busy}>{dirty ? 'Cancel' : 'Close'}</Button>
        <Button onClick={() => saved && setDraft(saved)} disabled={busy || !dirty}>Revert</Button>
        {dirty && invalid && (
          <Typography id="settings-apply-reason" variant="caption" color="error" sx={{ maxWidth: 280, textAlign: 'right' }}>
            {`Fix first: ${Object.entries(issues).map(([p, m]) => `${p}: ${m}`).join('; ')}`}
          </Typography>
        )}
        <Button onClick={() => void apply()} disabled={busy || !dirty || invalid || locked} variant="outlined" {...(dirty && invalid ? { 'aria-describedby': 'settings-apply-reason' } : {})}>Apply</Button>
        <Button
          onClick={() => void apply(true).then((ok) => ok && onClose())}
          disabled={busy || !dirty || invalid || locked}
          variant="contained"
          {...(dirty && invalid ? { 'aria-describedby': 'settings-apply-reason' } : {})}
        >
          OK
        </Button>
      </DialogActions>
    </Dialog>
  );
}
