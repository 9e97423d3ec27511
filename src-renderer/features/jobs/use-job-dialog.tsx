import { useState } from 'react';
import LinearProgress from '@mui/material/LinearProgress';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { describeError } from '../../state/errors.js';
import { useJobProgress, type JobProgress } from '../disks/use-job-progress.js';

export interface JobDialog {
  job: JobProgress;
  busy: boolean;
  error: string | null;
  setError: (error: string | null) => void;
  /** Runs `work` with a fresh job id; a failure becomes `error` ("Could not <what>…"). */
  run: (prefix: string, what: string, work: (jobId: string) => Promise<void>) => Promise<void>;
  /** Asks the engine to stop the running job. */
  cancel: () => void;
}

/** Busy/error state and progress of a dialog that runs one engine job (export, import, clone). */
export function useJobDialog(api: HangarApi): JobDialog {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const job = useJobProgress(api);
  const run = async (prefix: string, what: string, work: (jobId: string) => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work(job.begin(prefix));
    } catch (err) {
      setError(describeError(err, what));
    } finally {
      job.end();
      setBusy(false);
    }
  };
  const cancel = () => {
    if (job.running) void api.call('job.cancel', { jobId: job.running.jobId }).catch(() => undefined);
  };
  return { job, busy, error, setError, run, cancel };
}

/** The inline progress bar of a dialog's running job (nothing when idle). */
export function JobProgressBar({ dialog, label, mt }: { dialog: JobDialog; label: string; mt: number }) {
  const running = dialog.busy ? dialog.job.running : null;
  if (!running) return null;
  return <LinearProgress sx={{ mt }} variant={running.percent === null ? 'indeterminate' : 'determinate'} value={running.percent ?? 0} aria-label={label} />;
}
