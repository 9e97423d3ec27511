import { EngineError, type VmEventBody } from '../../../src-shared/contract/index.js';
import { qemuText } from '../qmp/qmp-errors.js';
import type { VmSession } from '../session/vm-session.js';
import { jobEvents, type JobEvents } from './job-events.js';
import { mountedShareWords } from '../shares/share-snapshots.js';
import { liveJobFailure, plainLoadError, poweredOffAfterLoad, unchangedAfterLoad, type SnapshotJobKind } from './snapshot-words.js';

/** The slice of a VmSession snapshots need: its state, its QMP face (screendump, image lists) and its snapshot jobs. */
export type SnapshotSession = Pick<VmSession, 'state' | 'qmp' | 'saveSnapshot' | 'loadSnapshot' | 'loadAtStart' | 'deleteSnapshot' | 'snapshotDisks'> &
  Partial<Pick<VmSession, 'hasClipboardChannel'>>;

/** The machine a live job runs on: its id (events) and name (messages). */
interface Machine {
  readonly id: string;
  readonly name: string;
}

/**
 * The live (QMP) side of snapshots: the session's jobs (which own the run-state changes around them) with
 * `vm.job` events, and failures as EngineErrors in QEMU's words, reported the moment QEMU fails.
 */
export class LiveSnapshots {
  constructor(
    private readonly emit: (vmId: string, body: VmEventBody) => void,
    private readonly jobTimeoutMs: number,
  ) {}

  /** With RAM: snapshot-save over every target; the first device stores the RAM state. */
  save(vm: Machine, session: SnapshotSession, snapshotId: string, tag: string, devices: string[]): Promise<void> {
    return this.job(vm, 'snapshot-take', snapshotId, (job, opts) => session.saveSnapshot({ 'job-id': job.jobId, tag, vmstate: devices[0]!, devices }, opts), (q) => mountedShareWords(q) ?? q);
  }

  /** Disks only, while running: one atomic transaction (the guest keeps running: crash-consistent). */
  async saveDisks(vm: Machine, session: SnapshotSession, snapshotId: string, tag: string, devices: string[]): Promise<void> {
    const job = jobEvents(this.emit, vm.id, `hangar-take-${snapshotId.slice(0, 8)}`, 'snapshot-take', snapshotId);
    job.running(0);
    try {
      await session.snapshotDisks(devices, tag);
    } catch (err) {
      const message = `QEMU could not take a disk snapshot of "${vm.name}": ${qemuText(err)}`;
      job.failed(message);
      throw new EngineError('qemu-failed', message);
    }
    job.concluded();
  }

  /**
   * snapshot-load. Resolves when the machine runs the snapshot; otherwise rejects with what became of it in
   * `details.state`, and `changed`: whether QEMU had put the snapshot's disks back (it then was powered off).
   */
  async load(vm: Machine, session: SnapshotSession, snapshotId: string, tag: string, devices: string[]): Promise<void> {
    const outcome = await this.job(vm, 'snapshot-restore', snapshotId, (job, opts) => session.loadSnapshot({ 'job-id': job.jobId, tag, vmstate: devices[0]!, devices }, opts), plainLoadError);
    if (outcome.ok) return;
    const { code, message } = outcome.error as EngineError;
    if (outcome.after === 'unchanged') throw new LoadFailed(new EngineError(code, unchangedAfterLoad(message, vm.name, outcome.state), { state: outcome.state }), false);
    if (outcome.after === 'gone') throw new LoadFailed(new EngineError(code, message, { state: 'stopped' }), true);
    throw new LoadFailed(new EngineError(code, poweredOffAfterLoad(message, vm.name), { state: 'stopped' }), true);
  }

  /**
   * The RAM state of a snapshot restored while the machine was stopped, loaded while QEMU waits at -S. A failure
   * is reported (vm.job failed, `warn`) and the machine reset, so it cold-boots from the restored disks.
   */
  async loadAtStart(vm: Machine, session: SnapshotSession, job: JobEvents, node: { name: string }, tag: string, devices: string[], warn: (message: string) => void): Promise<void> {
    try {
      await session.loadAtStart({ 'job-id': job.jobId, tag, vmstate: devices[0]!, devices }, { timeoutMs: this.jobTimeoutMs });
      job.concluded();
    } catch (err) {
      const message = `could not resume the RAM state of snapshot "${node.name}" (${plainLoadError(qemuText(err))}); "${vm.name}" starts from its restored disks instead`;
      job.failed(message);
      warn(message);
      // A half-loaded machine must not run: reset it so the boot is a clean cold boot.
      await session.qmp.execute('system_reset').catch(() => undefined);
    }
  }

  /** snapshot-delete on the images that hold the tag. */
  delete(vm: Machine, session: SnapshotSession, snapshotId: string, tag: string, devices: string[]): Promise<void> {
    return this.job(vm, 'snapshot-delete', snapshotId, (job, opts) => session.deleteSnapshot({ 'job-id': job.jobId, tag, devices }, opts));
  }

  /** Runs one session job with its events; a failure is worded (and reported) before the session reads the state back. */
  private async job<T>(
    vm: Machine,
    kind: SnapshotJobKind,
    snapshotId: string,
    run: (job: JobEvents, opts: { timeoutMs: number; onFailure: (err: unknown) => Error }) => Promise<T>,
    words: (qemu: string) => string = (q) => q,
  ): Promise<T> {
    const job = jobEvents(this.emit, vm.id, `hangar-${kind.slice('snapshot-'.length)}-${snapshotId.slice(0, 8)}-${Date.now().toString(36)}`, kind, snapshotId);
    job.running(0);
    let failed = false;
    const result = await run(job, {
      timeoutMs: this.jobTimeoutMs,
      onFailure: (err) => {
        failed = true;
        const message = liveJobFailure(kind, vm.name, words(qemuText(err)));
        job.failed(message);
        return new EngineError((err as Error).name === 'QmpTimeoutError' ? 'timeout' : 'qemu-failed', message);
      },
    });
    if (!failed) job.concluded();
    return result;
  }
}

/** A live restore that failed: the error for the client, and whether the disks are now the snapshot's. */
export class LoadFailed extends Error {
  constructor(
    readonly error: EngineError,
    readonly disksChanged: boolean,
  ) {
    super(error.message);
    this.name = 'LoadFailed';
  }
}
