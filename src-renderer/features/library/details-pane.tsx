import type { ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import EditIcon from '@mui/icons-material/Edit';
import type { LibraryVm } from '../../state/library-store.js';
import { useApi } from '../../state/api-context.js';
import { GuestAgentSection } from './guest-agent-section.js';
import { useVmDetails } from '../../state/use-vm-details.js';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import type { SettingsPageId } from '../settings/settings-pages.js';
import { osLabel, stateLabel } from './vm-labels.js';
import { VmPreview } from './vm-preview.js';
import { TagsField } from './tags-field.js';
import { SnapshotsSection } from '../snapshots/snapshots-section.js';
import { MediaSection } from '../media/index.js';
import { InstallNotice, InstallNotifications } from '../install/index.js';
import { ConsoleButton } from '../console/index.js';
import { LogsButton } from '../logs/index.js';
import { PerformanceSection } from '../graphs/index.js';
import { MachineCopyButtons } from '../clone/machine-copy-buttons.js';
import { LIBVIRT_LIMITS } from '../connections/libvirt-limits.js';

/** A control Hangar has but cannot offer for a libvirt machine: shown off, its reason as the tooltip. */
function NotOnLibvirt({ label, reason }: { label: string; reason: string }) {
  return (
    <span title={reason}>
      <Button size="small" disabled>{label}</Button>
    </span>
  );
}

interface Row {
  label: string;
  value: ReactNode;
}

function Section({ title, page, rows, onEdit, editReason, children }: { title: string; page: SettingsPageId; rows?: ReadonlyArray<Row>; onEdit: (page: SettingsPageId) => void; editReason?: string | null; children?: ReactNode }) {
  const headingId = `details-${page}-${title.toLowerCase()}`;
  return (
    <Paper variant="outlined" component="section" aria-labelledby={headingId} sx={{ p: 1.5, mb: 1.5 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', mb: 0.5 }}>
        <Typography id={headingId} variant="subtitle2" component="h3" sx={{ flex: 1 }}>{title}</Typography>
        {editReason ? (
          <span title={editReason}>
            <Button size="small" startIcon={<EditIcon fontSize="small" />} aria-label={`Edit ${title}`} disabled>Edit</Button>
          </span>
        ) : (
          <Button size="small" startIcon={<EditIcon fontSize="small" />} aria-label={`Edit ${title}`} onClick={() => onEdit(page)}>Edit</Button>
        )}
      </Box>
      {rows && (
        <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.25, m: 0 }}>
          {rows.map((r) => (
            <Box key={r.label} sx={{ display: 'contents' }}>
              <Typography component="dt" variant="body2" color="text.secondary">{r.label}</Typography>
              <Typography component="dd" variant="body2" sx={{ m: 0, overflowWrap: 'anywhere' }}>{r.value}</Typography>
            </Box>
          ))}
        </Box>
      )}
      {children}
    </Paper>
  );
}

const fileName = (p: string) => p.split(/[\\/]/).pop() ?? p;

function networkText(doc: VmDocument): string {
  const n = doc.network;
  if (n.mode === 'none') return 'No network';
  if (n.mode === 'bridge') return `Bridged to ${n.bridge} (${n.model})`;
  return `NAT (user mode, ${n.model})`;
}

/** The right-hand pane: what the selected machine is, section by section, each linking to its settings page. */
interface DetailsPaneProps {
  vm: LibraryVm | null;
  selectedCount: number;
  onEdit: (page: SettingsPageId) => void;
  /** The engine accepted new tags for the machine (the list keeps them). */
  onTagsChanged?: (vmId: string, tags: string[]) => void;
  /** Selects a machine in the list (a new clone). */
  onSelectVm?: (vmId: string) => void;
}

export function DetailsPane(props: DetailsPaneProps) {
  return (
    <>
      {/* Always mounted with the library: tells the user when any machine's install finishes. */}
      <InstallNotifications />
      <DetailsContent {...props} />
    </>
  );
}

function DetailsContent({ vm, selectedCount, onEdit, onTagsChanged, onSelectVm }: DetailsPaneProps) {
  const api = useApi();
  const details = useVmDetails(api, vm?.id ?? null);
  if (selectedCount > 1) {
    return <Typography sx={{ p: 3, color: 'text.secondary' }}>{selectedCount} machines selected. Start and Stop act on all of them.</Typography>;
  }
  if (!vm) return <Typography sx={{ p: 3, color: 'text.secondary' }}>Select a machine to see its details, or press Ctrl+N to create one.</Typography>;
  const doc = details.doc;
  // A machine on a libvirt connection: what libvirt cannot do stays visible, off, with the reason.
  const libvirt = vm.connection !== undefined;
  const editReason = libvirt ? LIBVIRT_LIMITS.settings : null;
  return (
    <Box component="article" aria-label={`Details of ${vm.name}`} sx={{ p: 2, overflowY: 'auto', height: '100%', boxSizing: 'border-box' }}>
      <Typography variant="h6" component="h2">{vm.name}</Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>{stateLabel(vm.state)} · {libvirt ? `libvirt machine on connection "${vm.connection}"${vm.foreign ? ' (not written by Hangar: settings are read-only)' : ''}` : osLabel(vm.osId)}</Typography>
      <VmPreview vmId={vm.id} name={vm.name} live={vm.state.kind === 'running' || vm.state.kind === 'paused'} />
      <Box sx={{ display: 'flex', gap: 1, mb: 1.5, flexWrap: 'wrap' }}>
        <ConsoleButton vm={vm} />
        <LogsButton vm={vm} />
        {libvirt ? (
          <>
            <NotOnLibvirt label="Clone…" reason={LIBVIRT_LIMITS.clone} />
            <NotOnLibvirt label="Export…" reason={LIBVIRT_LIMITS.export} />
          </>
        ) : (
          <MachineCopyButtons vm={vm} onSelectVm={onSelectVm} />
        )}
      </Box>
      {vm.state.kind === 'crashed' && (
        <Alert severity="error" sx={{ mb: 1.5 }}>
          The machine stopped unexpectedly: {vm.state.reason}. Start it again, or check its settings.
          {vm.state.logTail && (
            <details>
              <summary>QEMU output</summary>
              <Box component="pre" sx={{ whiteSpace: 'pre-wrap', fontSize: 12, m: 0 }}>{vm.state.logTail}</Box>
            </details>
          )}
        </Alert>
      )}
      <InstallNotice vm={vm} />
      {(vm.state.kind === 'running' || vm.state.kind === 'paused') && <PerformanceSection vmId={vm.id} name={vm.name} />}
      {vm.error && <Alert severity="warning" sx={{ mb: 1.5 }}>This machine's folder could not be loaded: {vm.error}</Alert>}
      {details.error && <Alert severity="warning" sx={{ mb: 1.5 }}>{details.error}</Alert>}
      {!doc && details.loading && <CircularProgress size={20} aria-label="Loading details" />}
      {doc && (
        <>
          <Section editReason={editReason} title="General" page="general" onEdit={onEdit} rows={[
            { label: 'Name', value: doc.name },
            { label: 'Operating system', value: osLabel(doc.osId) },
            libvirt ? { label: 'Connection', value: vm.connection } : { label: 'Folder', value: details.bundleDir ?? vm.bundleDir },
          ]} />
          <Section editReason={editReason} title="System" page="system" onEdit={onEdit} rows={[
            { label: 'Processors', value: String(doc.cpu.count) },
            // Its own row: "1 (max)" read as a maximum of one.
            { label: 'CPU model', value: doc.cpu.model },
            { label: 'Memory', value: `${doc.memoryMiB} MiB` },
            { label: 'Firmware', value: `${doc.firmware.type === 'uefi' ? 'UEFI' : 'BIOS'}${doc.firmware.secureBoot ? ', Secure Boot' : ''}${doc.firmware.tpm ? ', TPM' : ''}` },
            { label: 'Machine', value: `${doc.machine} (${doc.arch})` },
          ]} />
          <Section editReason={editReason} title="Display" page="display" onEdit={onEdit} rows={[
            { label: 'Graphics', value: doc.display.device },
            { label: 'Pointer', value: doc.input.pointer },
            { label: 'Audio', value: doc.audio.device === 'none' ? 'Off' : doc.audio.device },
            { label: 'Clipboard', value: doc.clipboard },
            { label: 'Guest agent', value: doc.guestAgent ? 'On' : 'Off' },
          ]} />
          <Section editReason={editReason} title="Storage" page="storage" onEdit={onEdit} rows={[
            ...doc.disks.map((d) => ({ label: `Disk ${d.id}`, value: `${fileName(d.path)} (${d.format}, ${d.bus})` })),
            ...doc.cdroms.map((c) => ({ label: `CD/DVD ${c.id}`, value: c.path ? fileName(c.path) : 'Empty' })),
            ...(doc.disks.length + doc.cdroms.length === 0 ? [{ label: 'Drives', value: 'None' }] : []),
          ]} />
          <MediaSection vm={vm} cdroms={doc.cdroms} />
          <Section editReason={editReason} title="Network" page="network" onEdit={onEdit} rows={[
            { label: 'Adapter', value: networkText(doc) },
            ...(doc.network.mode === 'user'
              ? [{ label: 'Port forwards', value: doc.network.forwards.length === 0 ? 'None' : doc.network.forwards.map((f) => `${f.protocol} ${f.hostPort}→${f.guestPort}`).join(', ') }]
              : []),
          ]} />
          {doc.guestAgent && <GuestAgentSection vmId={vm.id} running={vm.state.kind === 'running' || vm.state.kind === 'paused'} />}
          <SnapshotsSection vm={vm} />
          {libvirt ? (
            <Box sx={{ display: 'flex', gap: 1, mb: 1.5, flexWrap: 'wrap' }} aria-label="Not available on libvirt machines" role="group">
              <NotOnLibvirt label="Tags" reason={LIBVIRT_LIMITS.tags} />
            </Box>
          ) : (
            <TagsField vmId={vm.id} name={vm.name} tags={vm.tags ?? []} onChange={(tags) => onTagsChanged?.(vm.id, tags)} />
          )}
          <Section editReason={editReason} title="Description" page="general" onEdit={onEdit}>
            <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', color: doc.description ? 'text.primary' : 'text.secondary' }}>
              {doc.description || 'No description.'}
            </Typography>
          </Section>
        </>
      )}
    </Box>
  );
}
