import { randomUUID } from 'node:crypto';
import { EngineError } from '../../../src-shared/contract/index.js';

/** Running disk jobs by id, each with the controller that cancels it. */
export class DiskJobs {
  private readonly jobs = new Map<string, AbortController>();

  /** Registers a job (a client-chosen id must be free) and returns its id and signal. */
  start(requested?: string): { jobId: string; signal: AbortSignal; done(): void } {
    const jobId = requested ?? randomUUID();
    if (this.jobs.has(jobId)) throw new EngineError('exists', `a job with id ${jobId} is already running`, { field: 'jobId' });
    const controller = new AbortController();
    this.jobs.set(jobId, controller);
    return { jobId, signal: controller.signal, done: () => void this.jobs.delete(jobId) };
  }

  cancel(jobId: string): void {
    const c = this.jobs.get(jobId);
    if (!c) throw new EngineError('not-found', `no running job ${jobId} (it may have finished already)`, { field: 'jobId' });
    c.abort(new DOMException('cancelled', 'AbortError'));
  }

  get size(): number {
    return this.jobs.size;
  }
}

/** Calls `emit` when the whole-number percentage changes (qemu-img reports hundredths). */
export function progressThrottle(emit: (percent: number) => void): (p: { percent: number }) => void {
  let last = -1;
  return ({ percent }) => {
    const whole = Math.floor(percent);
    if (whole !== last) {
      last = whole;
      emit(whole);
    }
  };
}
