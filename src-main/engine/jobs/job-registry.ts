import { randomUUID } from 'node:crypto';
import { EngineError, type VmEventBody } from '../../../src-shared/contract/index.js';

type JobEvent = Extract<VmEventBody, { type: 'vm.job' }>;

interface Entry {
  readonly vmId: string | null;
  /** null: a QMP job QEMU runs to its end (snapshots), which `job.cancel` cannot stop. */
  readonly controller: AbortController | null;
  readonly kind: JobEvent['kind'] | null;
}

/**
 * The engine's one registry of running jobs (disk convert/compact, clones, imports of existing disks,
 * archives, snapshots): ids are unique across every kind, so one `job.cancel` reaches any of them, and
 * "is any work under way?" is one question (`size`).
 */
export class JobRegistry {
  private readonly jobs = new Map<string, Entry>();

  /** Registers a cancellable job (a client-chosen id must be free) and returns its id and signal. */
  start(requested?: string, vmId: string | null = null): { jobId: string; signal: AbortSignal; done(): void } {
    const jobId = requested ?? randomUUID();
    if (this.jobs.has(jobId)) throw new EngineError('exists', `a job with id ${jobId} is already running`, { field: 'jobId' });
    const controller = new AbortController();
    const entry: Entry = { vmId, controller, kind: null };
    this.jobs.set(jobId, entry);
    return { jobId, signal: controller.signal, done: () => void (this.jobs.get(jobId) === entry && this.jobs.delete(jobId)) };
  }

  /**
   * Follows a job that announces itself only through its `vm.job` events (the snapshot service's QMP jobs):
   * registered at its first event, gone with its last. Other events pass untouched.
   */
  observe(vmId: string, body: VmEventBody): void {
    if (body.type !== 'vm.job') return;
    const known = this.jobs.get(body.jobId);
    if (body.status === 'concluded' || body.status === 'failed') {
      if (known && known.controller === null) this.jobs.delete(body.jobId);
      return;
    }
    if (!known) this.jobs.set(body.jobId, { vmId, controller: null, kind: body.kind });
  }

  cancel(jobId: string): void {
    const e = this.jobs.get(jobId);
    if (!e) throw new EngineError('not-found', `no running job ${jobId} (it may have finished already)`, { field: 'jobId' });
    if (!e.controller) throw new EngineError('invalid-state', `job ${jobId} (${e.kind}) cannot be cancelled: QEMU runs it to its end`, { field: 'jobId' });
    e.controller.abort(new DOMException('cancelled', 'AbortError'));
  }

  /** The ids of the jobs running on one machine. */
  forVm(vmId: string): string[] {
    return [...this.jobs].filter(([, e]) => e.vmId === vmId).map(([id]) => id);
  }

  get size(): number {
    return this.jobs.size;
  }
}
