import { basename, resolve } from 'node:path';
import { EngineError, type CommandArgs, type CommandResult, type VmEventBody } from '../../../src-shared/contract/index.js';
import { isActive } from '../../../src-shared/vm-state.js';
import type { EngineContext } from '../engine-context.js';
import { createQemuImg, type ImageFormat } from '../storage/qemu-img.js';
import type { JobRegistry } from '../jobs/job-registry.js';
import { runWithJobEvents, type JobEmit } from '../jobs/job-events.js';
import { exportBundle } from './export-bundle.js';
import { importBundle } from './import-bundle.js';

type JobEvent = Extract<VmEventBody, { type: 'vm.job' }>;

/** vm.export / vm.import: bundle archives with `vm.job` progress, cancelled by `job.cancel` like disk jobs. */
export class ArchiveService {
  private readonly img = createQemuImg();

  constructor(
    private readonly engine: Pick<EngineContext, 'libraryDir' | 'store' | 'stateOf' | 'emit' | 'assertOpen'>,
    private readonly jobs: JobRegistry,
  ) {}

  /** Runs one job in the engine's job registry, so that one `job.cancel` reaches every kind. */
  private async job<T>(
    vmId: string | null,
    kind: JobEvent['kind'],
    requested: string | undefined,
    work: (jobId: string, signal: AbortSignal, progress: (p: { percent: number }) => void) => Promise<T>,
    subject?: () => string,
  ): Promise<T> {
    const job = this.jobs.start(requested, vmId);
    const emit: JobEmit = (body) => {
      const s = subject?.();
      this.engine.emit(vmId ?? job.jobId, { type: 'vm.job', jobId: job.jobId, kind, ...(s !== undefined ? { subject: s } : {}), ...body });
    };
    const cancelled = (jobId: string) =>
      new EngineError('invalid-state', `the ${kind === 'vm-export' ? 'export was cancelled; no archive was written' : 'import was cancelled; nothing was added to the library'}`, { cancelled: true, jobId });
    return runWithJobEvents(job, emit, cancelled, work);
  }

  async export(a: CommandArgs<'vm.export'>): Promise<CommandResult<'vm.export'>> {
    this.engine.assertOpen();
    const vm = await this.engine.store.load(a.vm);
    const state = this.engine.stateOf(vm.id);
    if (isActive(state)) throw new EngineError('invalid-state', `cannot export "${vm.name}" while it is ${state.kind}; shut it down first`);
    // A second export, or a start or change meanwhile (the archive would catch disks mid-write), is refused by
    // the engine's machine lock (machine-ops/).
    const target = resolve(a.path);
    return this.job(vm.id, 'vm-export', a.jobId, async (jobId, signal, onProgress) => {
      const { bytes } = await exportBundle({
        bundleDir: vm.bundleDir,
        doc: vm.doc,
        target,
        overwrite: a.overwrite === true,
        signal,
        onProgress,
        backingChain: (p) => this.img.backingChain(p),
      });
      return { jobId, path: target, bytes };
    });
  }

  async import(a: CommandArgs<'vm.import'>): Promise<CommandResult<'vm.import'>> {
    this.engine.assertOpen();
    const archive = resolve(a.path);
    // The VM has no id until its archive is read: the job's events carry the job id as their vmId, and the
    // machine's name as their subject (the archive's file name until its vm.json has been read).
    let subject = a.name ?? archiveLabel(archive);
    const r = await this.job(null, 'vm-import', a.jobId, async (jobId, signal, onProgress) => {
      const got = await importBundle({
        archive,
        libraryDir: this.engine.libraryDir,
        ...(a.name !== undefined ? { name: a.name } : {}),
        signal,
        onProgress,
        onName: (name) => {
          subject = name;
        },
        takenIds: async () => new Set((await this.engine.store.list()).map((e) => e.id).filter((id): id is string => id !== null)),
        takenNames: async () => (await this.engine.store.list()).flatMap((e) => (e.name !== null ? [{ id: e.id ?? e.bundleDir, name: e.name }] : [])),
        imageInfo: (p, format) => this.img.info(p, { format: format as ImageFormat }),
        register: async (dir) => {
          try {
            await this.engine.store.addExisting(dir);
          } catch (err) {
            // A library listing meanwhile may have found the new folder by itself.
            const e = (await this.engine.store.list()).find((x) => x.bundleDir === dir);
            if (!e) throw err;
          }
        },
      });
      return { jobId, ...got };
    }, () => subject);
    this.engine.emit(r.id, { type: 'vm.added', name: r.doc.name });
    return r;
  }
}

/** An archive's file name without its archive extension: what the user picked, until the machine's own name is known. */
function archiveLabel(path: string): string {
  const file = basename(path);
  return file.replace(/\.(tar\.gz|tgz|tar)$/i, '') || file;
}
