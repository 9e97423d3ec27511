import { lazy, Suspense, useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import InputAdornment from '@mui/material/InputAdornment';
import ListSubheader from '@mui/material/ListSubheader';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import SearchIcon from '@mui/icons-material/Search';
import {
  canDiscardState, canForceOff, canPause, canReset, canResume, canSaveState, canShutdown, canStart, canStartDisposable, isActive,
} from '../../../src-shared/vm-state.js';
import type { CommandName } from '../../../src-shared/contract/index.js';
import { EngineError } from '../../../src-shared/contract/errors.js';
import { ApiProvider, useApi } from '../../state/api-context.js';
import { ConnectionsStore } from '../../state/connections-store.js';
import type { SavedConnection } from '../../state/boot-connections.js';
import { LibraryStore as LibraryStoreClass } from '../../state/library-store.js';
import { onConnection } from '../../state/scoped-api.js';
import { useConnections } from '../../state/use-connections.js';
import { ConnectionsSection } from '../connections/connections-section.js';
import { LIBVIRT_LIMITS } from '../connections/libvirt-limits.js';
import { describeError } from '../../state/errors.js';
import type { LibraryStore, LibraryVm } from '../../state/library-store.js';
import { useLibrary } from '../../state/use-library.js';
import { ConnectionBanner } from '../../components/connection-banner.js';
import { useNotify } from '../../components/notifier.js';
import type { SettingsPageId } from '../settings/settings-pages.js';
import { openDisplayRoute } from '../display/display-route.js';
import { LibraryToolbar } from './library-toolbar.js';
import { allTags, DEFAULT_QUERY, listItems, visibleVms, type ListQuery, type SortKey, type StateFilter } from './list-model.js';
import { EMPTY_SELECTION, selectionReducer } from './selection-model.js';
import { canShowDisplay, toolbarEnablement, type StopHow } from './toolbar-model.js';
import { VmList } from './vm-list.js';
import { listCountText, machineCount } from './vm-labels.js';
import { JobsIndicator } from '../jobs/jobs-indicator.js';

// Loaded when first opened: the library's first paint does not wait for them (issue 5: < 300 ms at 1,000 VMs).
const SettingsDialog = lazy(() => import('../settings/settings-dialog.js').then((m) => ({ default: m.SettingsDialog })));
const NewVmWizard = lazy(() => import('../wizard/new-vm-wizard.js').then((m) => ({ default: m.NewVmWizard })));
// Not in the first paint's script either: the details (snapshots, media, tags...) of a selection, the empty-library welcome, the delete dialog.
const DetailsPane = lazy(() => import('./details-pane.js').then((m) => ({ default: m.DetailsPane })));
const EmptyLibraryWelcome = lazy(() => import('./empty-library-welcome.js').then((m) => ({ default: m.EmptyLibraryWelcome })));
const DeleteDialog = lazy(() => import('./delete-dialog.js').then((m) => ({ default: m.DeleteDialog })));
const AddRisksDialog = lazy(() => import('./add-risks-dialog.js').then((m) => ({ default: m.AddRisksDialog })));
const ImportDialog = lazy(() => import('../archive/import-dialog.js').then((m) => ({ default: m.ImportDialog })));

type VmAction = Extract<CommandName, 'vm.start' | 'vm.pause' | 'vm.resume' | 'vm.shutdown' | 'vm.forceOff' | 'vm.reset' | 'vm.saveState' | 'vm.discardState'>;
const VERB: Record<VmAction, string> = {
  'vm.start': 'start', 'vm.pause': 'pause', 'vm.resume': 'resume', 'vm.shutdown': 'shut down', 'vm.forceOff': 'force off', 'vm.reset': 'reset',
  'vm.saveState': 'save the state of', 'vm.discardState': 'discard the saved state of',
};

/** The library window: toolbar, the machine list on the left, the details of the selection on the right. */
export function LibraryWindow({ store: localStore, savedConnections = null }: { store: LibraryStore; savedConnections?: ReadonlyArray<SavedConnection> | null }) {
  const rootApi = useApi();
  const notify = useNotify();
  // The sidebar's Connections: This computer (place null, the store given) or a libvirt connection's machines.
  // The boot's list of them (main.tsx) is shown in the first render, where the early list left room for it.
  const connections = useMemo(() => new ConnectionsStore(rootApi, savedConnections), [rootApi, savedConnections]);
  useEffect(() => connections.start(), [connections]);
  const connSnap = useConnections(connections);
  const [place, setPlace] = useState<string | null>(null);
  const api = useMemo(() => (place === null ? rootApi : onConnection(rootApi, place)), [rootApi, place]);
  const store = useMemo(() => (place === null ? localStore : new LibraryStoreClass(api, undefined, place)), [localStore, api, place]);
  useEffect(() => (store === localStore ? undefined : store.start()), [store, localStore]);
  const localCount = useLibrary(localStore).vms.length;
  const lib = useLibrary(store);
  const onLibvirt = place !== null;
  const [query, setQuery] = useState<ListQuery>(DEFAULT_QUERY);
  const [selection, dispatch] = useReducer(selectionReducer, EMPTY_SELECTION);
  const [deleting, setDeleting] = useState<ReadonlyArray<LibraryVm> | null>(null);
  // Mounted from its first use on, so it closes with its transition like any dialog.
  const [deleteUsed, setDeleteUsed] = useState(false);
  const [risky, setRisky] = useState<{ path: string; risks: string[] } | null>(null);
  const [settings, setSettings] = useState<{ vmId: string; page: SettingsPageId } | null>(null);
  const [wizardOpen, setWizardOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  /** The ISO the wizard starts from, when it was opened for a file opened with Hangar. */
  const [wizardIso, setWizardIso] = useState<string | undefined>(undefined);
  const [byTag, setByTag] = useState(false);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const searchRef = useRef<HTMLInputElement>(null);

  const rows = useMemo(() => visibleVms(lib.vms, query), [lib.vms, query]);
  const order = useMemo(() => rows.map((v) => v.id), [rows]);
  const items = useMemo(() => listItems(rows, { byTag, collapsed }), [rows, byTag, collapsed]);
  const toggleGroup = useCallback((key: string) => {
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  }, []);
  const tags = useMemo(() => allTags(lib.vms), [lib.vms]);
  // The wizard and the settings check a name against these as it is typed (the engine refuses a duplicate too).
  const names = useMemo(() => lib.vms.map((v) => ({ id: v.id, name: v.name })), [lib.vms]);
  const wizardNames = useMemo(() => names.map((n) => n.name), [names]);
  // A tag filter stays offered while chosen, even once no machine has that tag any more.
  const tagChoices = query.tag !== undefined && !tags.includes(query.tag) ? [...tags, query.tag] : tags;
  useEffect(() => dispatch({ type: 'prune', order }), [order]);
  const selected = useMemo(() => rows.filter((v) => selection.selected.has(v.id)), [rows, selection.selected]);
  const single = selected.length === 1 ? (selected[0] ?? null) : null;

  const run = useCallback(
    async (command: VmAction, vms: ReadonlyArray<LibraryVm>, opts: { disposable?: boolean } = {}) => {
      await Promise.all(
        vms.map(async (vm) => {
          try {
            const result = await api.call(command, command === 'vm.start' && opts.disposable ? { vm: vm.id, disposable: true } : { vm: vm.id });
            store.noteState(vm.id, result.state);
            if (command === 'vm.shutdown' && 'timedOut' in result && result.timedOut) {
              notify(`"${vm.name}" did not shut down in time. The guest may ignore the power button; use Stop ▸ Force off.`, 'warning');
            }
          } catch (err) {
            notify(describeError(err, `${VERB[command]} "${vm.name}"`), 'error');
          }
        }),
      );
    },
    [api, notify, store],
  );

  const start = useCallback(() => void run('vm.start', selected.filter((v) => !v.error && canStart(v.state))), [run, selected]);
  const startDisposable = useCallback(
    () => void run('vm.start', selected.filter((v) => !v.error && canStartDisposable(v.state)), { disposable: true }),
    [run, selected],
  );
  const pauseToggle = useCallback(() => {
    if (toolbarEnablement(selected).paused) void run('vm.resume', selected.filter((v) => canResume(v.state)));
    else void run('vm.pause', selected.filter((v) => canPause(v.state)));
  }, [run, selected]);
  const resume = useCallback(() => void run('vm.resume', selected.filter((v) => !v.error && canResume(v.state))), [run, selected]);
  const stop = useCallback(
    (how: StopHow) => {
      if (how === 'acpi') void run('vm.shutdown', selected.filter((v) => canShutdown(v.state)));
      else if (how === 'force') void run('vm.forceOff', selected.filter((v) => canForceOff(v.state)));
      else if (how === 'save') void run('vm.saveState', selected.filter((v) => canSaveState(v.state)));
      else if (how === 'discard') void run('vm.discardState', selected.filter((v) => canDiscardState(v.state)));
      else void run('vm.reset', selected.filter((v) => canReset(v.state)));
    },
    [run, selected],
  );
  const askDelete = useCallback(() => {
    if (!toolbarEnablement(selected).delete) return;
    setDeleting(selected.filter((v) => !isActive(v.state)));
    setDeleteUsed(true);
  }, [selected]);
  const confirmDelete = async (files: boolean) => {
    const vms = deleting ?? [];
    let done = 0;
    for (const vm of vms) {
      try {
        await api.call('vm.delete', { vm: vm.id, files });
        done++;
      } catch (err) {
        notify(describeError(err, `delete "${vm.name}"`), 'error');
      }
    }
    setDeleting(null);
    if (done > 0) {
      const what = vms.length === 1 ? `"${vms[0]?.name}"` : machineCount(done);
      if (onLibvirt) notify(files ? `Deleted ${what} and ${done === 1 ? 'its' : 'their'} storage.` : `Undefined ${what}; ${done === 1 ? 'its disks stay' : 'their disks stay'} in the storage pool.`, 'success');
      else notify(files ? `Deleted ${what} and ${done === 1 ? 'its' : 'their'} files.` : `Removed ${what} from the library. ${done === 1 ? 'Its folder is' : 'Their folders are'} still on disk.`, 'success');
    }
  };
  // A machine folder chosen in the dialog or opened with Hangar: added, then selected.
  const addBundle = useCallback(async (path: string, acceptRisks = false) => {
    try {
      const added = await api.call('vm.addExisting', acceptRisks ? { path, acceptRisks } : { path });
      notify(`Added "${added.doc.name}" to the library.`, 'success');
      dispatch({ type: 'set', ids: [added.id] });
    } catch (err) {
      // A folder with extra QEMU arguments or files outside it: ask, naming them, then add with consent.
      const risks = err instanceof EngineError && err.code === 'needs-confirmation' ? err.details?.['risks'] : undefined;
      if (Array.isArray(risks)) setRisky({ path, risks: risks.map(String) });
      else notify(describeError(err, 'add the machine'), 'error');
    }
  }, [api, notify]);
  const addExisting = useCallback(async () => {
    try {
      const path = await api.app('dialog:chooseFolder', { title: 'Choose a Hangar machine folder (.hangar)' });
      if (path) await addBundle(path);
    } catch (err) {
      notify(describeError(err, 'add the machine'), 'error');
    }
  }, [api, addBundle, notify]);
  const openSettings = (page: SettingsPageId = 'general') => {
    if (single) setSettings({ vmId: single.id, page });
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.shiftKey && !e.altKey && (e.key === 'n' || e.key === 'N')) {
        e.preventDefault();
        setWizardOpen(true);
      } else if (mod && !e.shiftKey && !e.altKey && (e.key === 'f' || e.key === 'F')) {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      } else if (e.key === 'Escape' && e.target === searchRef.current && query.text) {
        setQuery((q) => ({ ...q, text: '' }));
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [query.text]);

  const emptyText =
    lib.status === 'loading' ? 'Loading machines…'
    : lib.vms.length === 0 && onLibvirt ? `No machines on "${place}" yet. Choose "New" to create one there.`
    : lib.vms.length === 0 ? 'No machines yet. Choose "New" to create one, or "Add existing" to open a machine folder.'
    : 'No machine matches the search.';

  // The application menu (Electron) drives the same actions as the toolbar.
  useEffect(
    () =>
      api.onMenuCommand((command) => {
        if (command === 'vm.new') setWizardOpen(true);
        else if (command === 'vm.addExisting') void addExisting();
        else if (command === 'vm.start') start();
        else if (command === 'vm.pause') pauseToggle();
        else if (command === 'vm.shutdown') stop('acpi');
        else if (command === 'vm.forceOff') stop('force');
        else stop('reset');
      }),
    [api, addExisting, start, pauseToggle, stop],
  );

  // Files opened with Hangar (file associations, a second launch; Electron only): an ISO starts the
  // wizard with it, a machine folder is added; main explains anything else.
  useEffect(
    () =>
      api.onOpenRequest((request) => {
        if (request.kind === 'iso') {
          setWizardIso(request.path);
          setWizardOpen(true);
        } else if (request.kind === 'bundle') void addBundle(request.path);
        else notify(request.message, 'error');
      }),
    [api, addBundle, notify],
  );

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100vh', bgcolor: 'background.default', color: 'text.primary' }}>
      <ConnectionBanner state={lib.connection} />
      <LibraryToolbar
        selected={selected}
        onNew={() => setWizardOpen(true)}
        onAddExisting={() => void addExisting()}
        onImport={() => setImportOpen(true)}
        onSettings={() => openSettings('general')}
        onStart={start}
        onStartDisposable={startDisposable}
        onPauseToggle={pauseToggle}
        onResume={resume}
        onStop={stop}
        onDelete={askDelete}
        onShow={() => selected[0] && openDisplayRoute(selected[0].id, selected[0].connection)}
        jobs={<JobsIndicator vmName={(id) => lib.byId.get(id)?.name} />}
        addReason={onLibvirt ? LIBVIRT_LIMITS.addExisting : null}
      />
      {lib.status === 'error' && (
        <Alert severity="error" square action={<Button color="inherit" onClick={() => void store.reload()}>Retry</Button>}>
          {lib.error}
        </Alert>
      )}
      <Box sx={{ display: 'flex', flex: 1, minHeight: 0 }}>
        <Box component="nav" aria-label="Machines" sx={{ width: 340, flex: 'none', display: 'flex', flexDirection: 'column', borderRight: 1, borderColor: 'divider' }}>
          <ConnectionsSection store={connections} place={place} onPlace={setPlace} localCount={localCount} />
          <Box sx={{ p: 1, display: 'flex', flexDirection: 'column', gap: 1 }}>
            <TextField
              inputRef={searchRef}
              label="Search machines"
              type="search"
              value={query.text}
              onChange={(e) => setQuery((q) => ({ ...q, text: e.target.value }))}
              slotProps={{ input: { startAdornment: <InputAdornment position="start"><SearchIcon fontSize="small" /></InputAdornment> } }}
              fullWidth
            />
            <Box sx={{ display: 'flex', gap: 1 }}>
              <TextField
                select
                label="Show"
                value={query.tag !== undefined ? `tag:${query.tag}` : query.state}
                onChange={(e) => {
                  const v = e.target.value;
                  setQuery((q) => (v.startsWith('tag:') ? { ...q, state: 'all', tag: v.slice(4) } : { ...q, state: v as StateFilter, tag: undefined }));
                }}
                sx={{ flex: 1 }}
              >
                <MenuItem value="all">All</MenuItem>
                <MenuItem value="active">Active</MenuItem>
                <MenuItem value="running">Running</MenuItem>
                <MenuItem value="paused">Paused</MenuItem>
                <MenuItem value="stopped">Powered off</MenuItem>
                <MenuItem value="crashed">Crashed</MenuItem>
                {tagChoices.length > 0 && <ListSubheader>Tags</ListSubheader>}
                {tagChoices.map((t) => (
                  <MenuItem key={t} value={`tag:${t}`}>{`Tag: ${t}`}</MenuItem>
                ))}
              </TextField>
              <TextField select label="Sort by" value={query.sort} onChange={(e) => setQuery((q) => ({ ...q, sort: e.target.value as SortKey }))} sx={{ flex: 1 }}>
                <MenuItem value="name">Name</MenuItem>
                <MenuItem value="state">State</MenuItem>
                <MenuItem value="lastChanged">Last changed</MenuItem>
              </TextField>
            </Box>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
              <Typography variant="caption" color="text.secondary" role="status" aria-live="polite" sx={{ flex: 1 }}>
                {lib.status === 'ready' ? listCountText(rows.length, lib.vms.length) : ''}
                {selected.length > 1 ? ` · ${selected.length} selected` : ''}
              </Typography>
              <Button size="small" aria-pressed={byTag} variant={byTag ? 'contained' : 'text'} onClick={() => setByTag((b) => !b)} title='Group the list by tag (search "tag:NAME" to filter by one)'>
                Group by tag
              </Button>
            </Box>
          </Box>
          {/* The place's api: a libvirt connection's rows get their live thumbnails from that connection. */}
          <ApiProvider api={api}>
          <VmList
            items={items}
            onToggleGroup={toggleGroup}
            selection={selection}
            dispatch={dispatch}
            onActivate={(vm) => {
              if (vm.error) return;
              // Like VirtualBox: activating a stopped machine starts it, a running one shows its screen.
              if (canStart(vm.state)) void run('vm.start', [vm]);
              else if (canShowDisplay(vm.state)) openDisplayRoute(vm.id, vm.connection);
            }}
            onDeleteKey={askDelete}
            emptyText={emptyText}
          />
          </ApiProvider>
        </Box>
        <Box component="main" sx={{ flex: 1, minWidth: 0 }}>
          <ApiProvider api={api}>
          <Suspense fallback={null}>
            {!onLibvirt && lib.status === 'ready' && lib.vms.length === 0 ? (
              <EmptyLibraryWelcome onCreate={() => setWizardOpen(true)} onAddExisting={() => void addExisting()} />
            ) : (
              <DetailsPane vm={single} selectedCount={selected.length} onEdit={(page) => openSettings(page)} onTagsChanged={(id, t) => store.noteTags(id, t)} onSelectVm={(id) => dispatch({ type: 'set', ids: [id] })} />
            )}
          </Suspense>
          </ApiProvider>
        </Box>
      </Box>
      <Suspense fallback={null}>
        {risky && (
          <AddRisksDialog
            request={risky}
            onCancel={() => setRisky(null)}
            onConfirm={() => {
              setRisky(null);
              void addBundle(risky.path, true);
            }}
          />
        )}
      </Suspense>
      <Suspense fallback={null}>
        {deleteUsed && (
          <DeleteDialog vms={deleting ?? []} open={deleting !== null} onClose={() => setDeleting(null)} onConfirm={confirmDelete} libvirt={onLibvirt} />
        )}
      </Suspense>
      <Suspense fallback={null}>
      {settings && (
        <SettingsDialog
          vmId={settings.vmId}
          initialPage={settings.page}
          state={lib.byId.get(settings.vmId)?.state ?? { kind: 'stopped' }}
          otherNames={names.filter((n) => n.id !== settings.vmId).map((n) => n.name)}
          onClose={() => setSettings(null)}
        />
      )}
      {importOpen && <ImportDialog onClose={() => setImportOpen(false)} onImported={(id) => dispatch({ type: 'set', ids: [id] })} />}
      {wizardOpen && (
        <NewVmWizard
          initialIsoPath={wizardIso}
          takenNames={wizardNames}
          connections={connSnap.connections}
          initialConnection={place}
          onClose={() => {
            setWizardOpen(false);
            setWizardIso(undefined);
          }}
          onCreated={(id, connection) => {
            setWizardOpen(false);
            setWizardIso(undefined);
            setPlace(connection ?? null);
            dispatch({ type: 'set', ids: [id] });
          }}
        />
      )}
      </Suspense>
    </Box>
  );
}
