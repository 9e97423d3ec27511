import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { useApi } from '../../state/api-context.js';
import { Sparkline } from './sparkline.js';
import { cpuScale, formatCpu, formatMemory, memoryScale } from './stats-model.js';
import { useVmStats, type VisibilitySource } from './use-vm-stats.js';

/**
 * The details pane's "Performance" section for a running VM: CPU (percent of one core) and memory
 * (resident size of its QEMU process) over the last minute, with the current values as text.
 */
export function PerformanceSection({ vmId, name, visibility }: { vmId: string; name: string; visibility?: VisibilitySource }) {
  const api = useApi();
  const theme = useTheme();
  const samples = useVmStats(api, vmId, visibility);
  const last = samples.at(-1);
  const cpu = samples.map((s) => s.cpuPercent);
  const mem = samples.map((s) => s.rssBytes);
  return (
    <Paper variant="outlined" component="section" aria-labelledby="details-performance" sx={{ p: 1.5, mb: 1.5 }}>
      <Typography id="details-performance" variant="subtitle2" component="h3" sx={{ mb: 0.5 }}>Performance</Typography>
      {!last ? (
        <Typography variant="body2" color="text.secondary">Measuring…</Typography>
      ) : (
        <Box sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 1.5, rowGap: 1, alignItems: 'center' }}>
          <Box>
            <Typography variant="body2" color="text.secondary">CPU</Typography>
            <Typography variant="body2" aria-label={`CPU use of ${name}`}>{formatCpu(last.cpuPercent)}</Typography>
          </Box>
          <Sparkline values={cpu} max={cpuScale(cpu)} label={`CPU use of ${name} over the last minute, now ${formatCpu(last.cpuPercent)}`} />
          <Box>
            <Typography variant="body2" color="text.secondary">Memory</Typography>
            <Typography variant="body2" aria-label={`Memory use of ${name}`}>{formatMemory(last.rssBytes)}</Typography>
          </Box>
          <Sparkline values={mem} max={memoryScale(mem)} label={`Memory use of ${name} over the last minute, now ${formatMemory(last.rssBytes)}`} color={theme.palette.secondary.main} />
        </Box>
      )}
    </Paper>
  );
}
