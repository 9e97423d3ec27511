import { useRef, useState } from 'react';
import Badge from '@mui/material/Badge';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import IconButton from '@mui/material/IconButton';
import LinearProgress from '@mui/material/LinearProgress';
import Popover from '@mui/material/Popover';
import Typography from '@mui/material/Typography';
import SyncIcon from '@mui/icons-material/Sync';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { useNotify } from '../../components/notifier.js';
import { canCancelJob, canResumeJob, jobKindLabel, jobStatusText, jobSubject, overallProgress, type JobEntry } from './jobs-model.js';
import { useJobs } from './use-jobs.js';

export interface JobsIndicatorProps {
  /** The VM's live name in the library; undefined when it is not there (the row then uses the name the job's events carry). */
  vmName: (vmId: string) => string | undefined;
}

/**
 * The library toolbar's "Jobs" button: a ring with the running jobs' progress and a count badge; it opens a
 * popover with each job (VM, what, percent, Cancel), and finished or failed ones for a while with their message.
 */
export function JobsIndicator({ vmName }: JobsIndicatorProps) {
  const api = useApi();
  const notify = useNotify();
  const { jobs, dismiss } = useJobs(api);
  const [open, setOpen] = useState(false);
  // Mounted from its first opening on (then it closes with its transition): not part of the first paint.
  const [used, setUsed] = useState(false);
  const anchor = useRef<HTMLButtonElement>(null);
  const nameOf = (job: JobEntry): string => jobSubject(job, vmName(job.vmId));
  const { running, failed, percent } = overallProgress(jobs);
  const summary =
    running > 0 ? `${running} ${running === 1 ? 'job' : 'jobs'} running${percent !== null ? `, ${Math.round(percent)} %` : ''}`
    : failed > 0 ? `${failed} ${failed === 1 ? 'job' : 'jobs'} failed`
    : 'No jobs running';
  return (
    <>
      <IconButton
        ref={anchor}
        aria-label="Jobs"
        title={summary}
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => {
          setUsed(true);
          setOpen(true);
        }}
        size="small"
      >
        <Badge badgeContent={running > 0 ? running : failed} color={running > 0 ? 'primary' : 'error'} invisible={running === 0 && failed === 0}>
          <Box sx={{ position: 'relative', display: 'inline-flex', width: 28, height: 28, alignItems: 'center', justifyContent: 'center' }}>
            {running > 0 && (
              <CircularProgress
                size={28}
                thickness={4}
                variant={percent !== null ? 'determinate' : 'indeterminate'}
                value={percent ?? undefined}
                aria-label="Jobs progress"
                sx={{ position: 'absolute', inset: 0 }}
              />
            )}
            <SyncIcon fontSize="small" />
          </Box>
        </Badge>
      </IconButton>
      {used && (
        <Popover
          open={open}
          anchorEl={anchor.current}
          onClose={() => setOpen(false)}
          anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
          transformOrigin={{ vertical: 'top', horizontal: 'right' }}
          slotProps={{ paper: { role: 'dialog', 'aria-label': 'Jobs', sx: { width: 380, maxHeight: 480, p: 1.5 } } }}
        >
          <Typography variant="subtitle2" component="h2" sx={{ mb: 1 }}>Jobs</Typography>
          {jobs.length === 0 ? (
            <Typography variant="body2" color="text.secondary">No jobs running. Disk, snapshot, clone, import and export jobs show here.</Typography>
          ) : (
            <Box component="ul" aria-label="Jobs" sx={{ listStyle: 'none', m: 0, p: 0, display: 'flex', flexDirection: 'column', gap: 1.5 }}>
              {[...jobs].reverse().map((job) => (
                <JobRow key={job.jobId} job={job} vmName={nameOf(job)} onCancel={() => cancel(job)} onResume={() => resume(job)} onDismiss={() => dismiss(job.jobId)} />
              ))}
            </Box>
          )}
        </Popover>
      )}
    </>
  );

  function resume(job: JobEntry): void {
    // Progress comes back as the job's own events; the answer (the verified file) is the download dialog's business.
    api.call('download.resume', { jobId: job.jobId }).catch((err: unknown) => {
      if ((err as { details?: { paused?: boolean } }).details?.paused) return; // paused again meanwhile
      notify(describeError(err, `resume the download of "${nameOf(job)}"`), 'error');
    });
  }

  function cancel(job: JobEntry): void {
    api.call('job.cancel', { jobId: job.jobId }).catch((err: unknown) => notify(describeError(err, `cancel ${jobKindLabel(job.kind, job.disk).toLowerCase()} of "${nameOf(job)}"`), 'error'));
  }
}

function JobRow({ job, vmName, onCancel, onResume, onDismiss }: { job: JobEntry; vmName: string; onCancel: () => void; onResume: () => void; onDismiss: () => void }) {
  const what = jobKindLabel(job.kind, job.disk);
  const failed = job.status === 'failed' && !job.cancelled;
  return (
    <Box component="li" aria-label={`${vmName}: ${what}`} sx={{ display: 'flex', flexDirection: 'column', gap: 0.5 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography variant="body2" noWrap sx={{ fontWeight: 500 }}>{vmName}</Typography>
          <Typography variant="caption" color="text.secondary">{what}</Typography>
        </Box>
        {canResumeJob(job) && <Button size="small" onClick={onResume} aria-label={`Resume ${what.toLowerCase()} of ${vmName}`}>Resume</Button>}
        {canCancelJob(job) ? (
          <Button size="small" onClick={onCancel} aria-label={`Cancel ${what.toLowerCase()} of ${vmName}`}>Cancel</Button>
        ) : job.status !== 'running' ? (
          <Button size="small" color="inherit" onClick={onDismiss} aria-label={`Dismiss ${what.toLowerCase()} of ${vmName}`}>Dismiss</Button>
        ) : null}
      </Box>
      {job.status === 'running' && (
        <LinearProgress
          variant={job.percent !== null ? 'determinate' : 'indeterminate'}
          value={job.percent ?? undefined}
          aria-label={`${what} of ${vmName}`}
        />
      )}
      <Typography variant="caption" role={failed ? 'alert' : undefined} color={failed ? 'error' : 'text.secondary'} sx={{ overflowWrap: 'anywhere' }}>
        {jobStatusText(job)}
      </Typography>
    </Box>
  );
}
