import { EngineError } from '../../../src-shared/contract/index.js';

/**
 * A vm.start under way, from its pre-flight until it returns. Force off cancels it: the start stops at its next
 * step (before the TPM, before QEMU, before the guest runs) and undoes what it made, and Force off waits for that.
 */
export interface StartUnderWay {
  cancel(): void;
  /** Settles when the start has returned or thrown (and cleaned up). */
  readonly ended: Promise<void>;
}

export interface TrackedStart {
  /** Throws `invalid-state` + `cancelled: true` once the start was cancelled. */
  checkpoint(): void;
  readonly cancelled: () => boolean;
  end(): void;
}

export function trackStart(starts: Map<string, StartUnderWay>, vmId: string, vmName: string): TrackedStart {
  const abort = new AbortController();
  let end!: () => void;
  const entry: StartUnderWay = { cancel: () => abort.abort(), ended: new Promise<void>((resolve) => (end = resolve)) };
  starts.set(vmId, entry);
  return {
    checkpoint() {
      if (abort.signal.aborted) throw new EngineError('invalid-state', `the start of "${vmName}" was cancelled: it was forced off`, { cancelled: true });
    },
    cancelled: () => abort.signal.aborted,
    end() {
      if (starts.get(vmId) === entry) starts.delete(vmId);
      end();
    },
  };
}

/** Cancels the start under way for `vmId`, if any, and waits until it has ended; false when there was none. */
export async function cancelStart(starts: ReadonlyMap<string, StartUnderWay>, vmId: string): Promise<boolean> {
  const start = starts.get(vmId);
  if (!start) return false;
  start.cancel();
  await start.ended;
  return true;
}
