import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { GuestAgentInfo } from '../../../src-shared/contract/index.js';
import { useApi } from '../../state/api-context.js';
import { useGuestAgent } from '../../state/use-guest-agent.js';

/** Status words for the agent; the guest's own names are shown as the guest gives them. */
export function agentStatusText(info: GuestAgentInfo | null, running: boolean): string {
  if (!running || !info || info.status === 'off') return 'Not running';
  if (info.status === 'waiting') return 'Not answering (is qemu-ga installed and running in the guest?)';
  return `Running${info.version ? ` (qemu-ga ${info.version})` : ''}`;
}

/** The guest agent's view of a machine: hostname, OS and addresses (so you can ssh in without opening it). */
export function GuestAgentSection({ vmId, running }: { vmId: string; running: boolean }) {
  const api = useApi();
  const info = useGuestAgent(api, vmId);
  const live = running && info?.status === 'running' ? info : null;
  const rows: Array<[string, string]> = [['Status', agentStatusText(info, running)]];
  if (live?.hostname) rows.push(['Hostname', live.hostname]);
  if (live?.os) rows.push(['Guest OS', `${live.os.name}${live.os.kernel ? ` (kernel ${live.os.kernel})` : ''}`]);
  if (live) rows.push(['IP addresses', live.addresses.map((a) => `${a.address} (${a.interface})`).join(', ') || 'None']);
  return (
    <Paper variant="outlined" component="section" aria-label="Guest agent" sx={{ p: 1.5, mb: 1.5 }}>
      <Typography variant="subtitle2" component="h3" sx={{ mb: 0.5 }}>Guest agent</Typography>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.25, m: 0 }}>
        {rows.map(([label, value]) => (
          <Box key={label} sx={{ display: 'contents' }}>
            <Typography component="dt" variant="body2" color="text.secondary">{label}</Typography>
            <Typography component="dd" variant="body2" aria-label={`Guest ${label}`} sx={{ m: 0, overflowWrap: 'anywhere' }}>{value}</Typography>
          </Box>
        ))}
      </Box>
    </Paper>
  );
}
