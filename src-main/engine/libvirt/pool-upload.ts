import { spawn } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { mkdtemp, open, realpath, rm, type FileHandle } from 'node:fs/promises';
import { Socket } from 'node:net';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { EngineError, volumeNameSchema, type CommandArgs, type CommandResult, type VmEventBody } from '../../../src-shared/contract/index.js';
import { IsoError, readIsoInfo, type ByteSource } from '../iso/iso9660.js';
import type { JobRegistry } from '../jobs/job-registry.js';
import { refuseSystemFile } from '../storage/path-guard.js';
import { effectiveUri, explainVirshFailure } from './virsh.js';

type JobEvent = Extract<VmEventBody, { type: 'vm.job' }>;

/** The slice of a libvirt connection an upload uses: its name (for messages), URI and virsh runner. */
export interface UploadConnection {
  readonly name: string;
  readonly uri: string;
  run(args: readonly string[], timeoutMs?: number): Promise<string>;
}

export interface PoolUploadDeps {
  env: NodeJS.ProcessEnv;
  /** A private folder (0700): the FIFO virsh reads the bytes from is made in it. */
  tempDir: string;
  jobs: Pick<JobRegistry, 'start' | 'cancel'>;
  /** A job's events, as coming from the connection the upload goes to (the job id is their vmId, as for downloads). */
  emit(jobId: string, body: VmEventBody, connection: string): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** Bytes read from the file per write into the FIFO. */
const CHUNK = 1024 * 1024;
/** After the last byte (or a cancel), how long virsh may take to finish the stream before it is killed. */
const FINISH_TIMEOUT_MS = 120_000;

/**
 * The local file to upload, opened: checked like an ISO put in a drive (not a system file, a regular file: a FIFO
 * or device is refused before anything reads it, since O_NONBLOCK keeps the open from waiting on a FIFO's writer),
 * and ISO 9660 as read from the descriptor that is then sent, so what was checked is what goes.
 */
export async function openLocalIso(path: string): Promise<{ fh: FileHandle; real: string; size: number }> {
  if (!isAbsolute(path)) throw new EngineError('invalid-args', `pool.upload: path: give an absolute path (got "${path}")`, { field: 'path' });
  const abs = resolve(path);
  await refuseSystemFile(abs, 'ISO to upload');
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    throw new EngineError('not-found', `ISO not found: ${abs}`, { path: abs });
  }
  const fh = await open(real, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw new EngineError('io', `cannot open ${abs}: ${err.code ?? err.message}`, { path: abs });
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new EngineError('invalid-args', `${abs} is not a regular file (a FIFO, device or folder); Hangar uploads ISO image files only`, { path: abs });
    const src: ByteSource = {
      size: st.size,
      async read(offset, length) {
        const buf = new Uint8Array(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        return buf.subarray(0, bytesRead);
      },
    };
    try {
      await readIsoInfo(src);
    } catch (err) {
      if (err instanceof IsoError) throw new EngineError('invalid-args', `${abs} is not an ISO 9660 image (${err.message.replace(/^not an ISO 9660 image: /, '')}); only ISOs are uploaded to a pool`, { path: abs });
      throw err;
    }
    return { fh, real, size: st.size };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The volume's name: given, or the file's own; either way a plain file name (volumeNameSchema). */
export function volumeNameFor(path: string, given: string | undefined): string {
  const name = given ?? basename(path);
  const ok = volumeNameSchema.safeParse(name);
  if (!ok.success) {
    const why = ok.error.issues[0]?.message ?? 'invalid';
    throw new EngineError('invalid-args', given === undefined ? `pool.upload: the file's name "${name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}" cannot name a volume (${why}): give one with --name` : `pool.upload: name: ${why}`, { field: 'name' });
  }
  return name;
}

/** Makes a FIFO (Node has no mkfifo): coreutils' mkfifo, argv only, a path Hangar chose in its private folder. */
function mkfifo(path: string): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn('mkfifo', ['-m', '600', '--', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e) => rej(new EngineError('io', `cannot run mkfifo: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? res() : rej(new EngineError('io', `mkfifo failed: ${err.trim()}`))));
  });
}

/** Progress events: one per whole percent (capped at 99 until libvirt has the last byte), with the speed of the last second or more. */
export function uploadProgress(total: number, emit: (p: { percent: number; bytesPerSecond?: number }) => void, now: () => number = Date.now): (sent: number) => void {
  let last = -1;
  let mark = { at: now(), bytes: 0 };
  let speed: number | undefined;
  return (sent) => {
    const t = now();
    if (t - mark.at >= 1000) {
      speed = Math.round(((sent - mark.bytes) * 1000) / (t - mark.at));
      mark = { at: t, bytes: sent };
    }
    const percent = Math.min(99, total === 0 ? 99 : Math.floor((sent * 100) / total));
    if (percent === last) return;
    last = percent;
    emit({ percent, ...(speed !== undefined ? { bytesPerSecond: speed } : {}) });
  };
}

/**
 * ISO uploads into libvirt storage pools: `virsh vol-create-as` (raw, the file's size, never over an existing
 * volume), then one `virsh vol-upload` that streams the bytes through libvirt's own connection (over SSH too).
 * virsh reads them from a FIFO this engine writes, so the progress counts bytes virsh has taken (the FIFO holds
 * at most 64 KiB), over one connection for the whole file (`--offset/--length` chunks would log in once per
 * chunk). A cancel ends the FIFO early (virsh then finishes a short stream cleanly) and deletes the volume; so
 * does a failure. Jobs are the engine's (one `job.cancel` reaches them, and the engine stays up while they run).
 */
export class PoolUploads {
  /** Job ids of running uploads: `job.cancel` sent on a connection reaches these only. */
  private readonly running = new Set<string>();

  constructor(private readonly deps: PoolUploadDeps) {}

  owns(jobId: string): boolean {
    return this.running.has(jobId);
  }

  cancel(jobId: string): void {
    if (!this.running.has(jobId)) throw new EngineError('not-found', `no running upload ${jobId} on this connection (it may have finished already)`, { field: 'jobId' });
    this.deps.jobs.cancel(jobId);
  }

  /** The engine is closing: every upload stops (and deletes its volume) rather than leave a virsh writing. */
  cancelAll(): void {
    for (const id of this.running) this.deps.jobs.cancel(id);
  }

  async upload(conn: UploadConnection, a: CommandArgs<'pool.upload'>): Promise<CommandResult<'pool.upload'>> {
    const name = volumeNameFor(a.path, a.name);
    const pool = a.pool ?? 'default';
    const file = await openLocalIso(a.path);
    let job: ReturnType<PoolUploadDeps['jobs']['start']>;
    try {
      job = this.deps.jobs.start(a.jobId, null);
    } catch (err) {
      await file.fh.close();
      throw err;
    }
    const { jobId, signal } = job;
    this.running.add(jobId);
    const subject = `${name} → ${conn.name}/${pool}`;
    const emit = (body: Pick<JobEvent, 'status'> & Partial<JobEvent>): void => this.deps.emit(jobId, { type: 'vm.job', jobId, kind: 'pool-upload', subject, ...body }, conn.name);
    emit({ status: 'running', percent: 0 });
    let created = false;
    try {
      const pools = (await conn.run(['pool-list', '--name'])).split('\n').map((l) => l.trim()).filter(Boolean);
      if (!pools.includes(pool)) {
        throw new EngineError('not-found', `no active storage pool "${pool}" on connection "${conn.name}" (${pools.length > 0 ? `its pools: ${pools.join(', ')}` : 'it has no active pool'})`, { field: 'pool' });
      }
      await conn.run(['vol-create-as', `--pool=${pool}`, `--name=${name}`, `--capacity=${file.size}`, '--allocation=0', '--format=raw']).catch((err: EngineError) => {
        const text = `${err.message} ${String((err.details as { stderr?: unknown } | undefined)?.stderr ?? '')}`;
        if (/already in use|already exists|exists already|File exists/i.test(text)) {
          throw new EngineError('exists', `pool "${pool}" on connection "${conn.name}" has a volume "${name}" already; Hangar does not overwrite it: choose another name (--name), or delete that one first (virsh vol-delete --pool ${pool} ${name})`, { field: 'name' });
        }
        throw err;
      });
      created = true;
      const path = (await conn.run(['vol-path', `--pool=${pool}`, `--vol=${name}`])).trim();
      if (signal.aborted) throw signal.reason;
      await this.stream(conn, pool, name, file, signal, uploadProgress(file.size, (p) => emit({ status: 'running', ...p })));
      emit({ status: 'concluded', percent: 100 });
      this.deps.log('info', `uploaded ${file.real} (${file.size} bytes) to ${subject}`);
      return { jobId, pool, name, path, bytes: file.size };
    } catch (err) {
      const cancelled = signal.aborted;
      let note = '';
      if (created) {
        note = await conn.run(['vol-delete', `--pool=${pool}`, `--vol=${name}`]).then(
          () => `; the half-written volume "${name}" was deleted`,
          (e: Error) => `; the half-written volume "${name}" could not be deleted (${e.message}): delete it with virsh vol-delete --pool ${pool} ${name}`,
        );
      }
      if (cancelled) {
        emit({ status: 'failed', error: `cancelled${note}`, cancelled: true });
        throw new EngineError('invalid-state', `upload of ${name} to "${conn.name}" cancelled${note}`, { cancelled: true, jobId });
      }
      const e = err instanceof EngineError ? err : new EngineError('io', (err as Error).message);
      const failed = note ? new EngineError(e.code, `${e.message}${note}`, e.details) : e;
      emit({ status: 'failed', error: failed.message });
      throw failed;
    } finally {
      this.running.delete(jobId);
      job.done();
      await file.fh.close().catch(() => undefined);
    }
  }

  /** One `virsh vol-upload` fed through a FIFO; resolves when virsh has finished the stream (libvirt has every byte). */
  private async stream(conn: UploadConnection, pool: string, name: string, file: { fh: FileHandle; size: number }, signal: AbortSignal, progress: (sent: number) => void): Promise<void> {
    const dir = await mkdtemp(join(this.deps.tempDir, 'upload-'));
    const fifo = join(dir, 'iso');
    let pipe: Socket | null = null;
    try {
      await mkfifo(fifo);
      const child = spawn('virsh', ['-q', '-c', effectiveUri(conn.uri, this.deps.env), 'vol-upload', `--pool=${pool}`, `--vol=${name}`, `--file=${fifo}`], {
        env: { ...this.deps.env, LC_ALL: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<EngineError | null>((res) => {
        child.on('error', (e) => res(new EngineError('io', `cannot run virsh: ${e.message}`)));
        child.on('close', (code) => res(code === 0 ? null : explainVirshFailure(conn.uri, stderr)));
      });
      // Read-write and non-blocking: opening never waits for virsh to open its end (it may fail first), and the
      // writes go through the event loop, so a virsh that dies leaves no thread blocked on a full FIFO.
      // A plain descriptor (not a FileHandle, whose collection would close it under the socket); it never blocks.
      const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
      pipe = new Socket({ fd, readable: false, writable: true });
      pipe.on('error', () => undefined);
      const stopped = new Promise<'stopped'>((res) => {
        if (signal.aborted) res('stopped');
        signal.addEventListener('abort', () => res('stopped'), { once: true });
        void exited.then(() => res('stopped'));
      });
      let sent = 0;
      const buf = Buffer.alloc(CHUNK);
      while (sent < file.size && !signal.aborted) {
        const { bytesRead } = await file.fh.read(buf, 0, Math.min(CHUNK, file.size - sent), sent);
        if (bytesRead === 0) break;
        // A copy: the buffer is read into again while the socket may still hold this chunk.
        const more = pipe.write(Buffer.from(buf.subarray(0, bytesRead)));
        if (!more && (await Promise.race([new Promise<'drained'>((res) => pipe!.once('drain', () => res('drained'))), stopped])) === 'stopped') break;
        sent += bytesRead;
        progress(sent);
      }
      // End of the bytes (all of them, or a cancel's early end): virsh finishes the stream and exits.
      pipe.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), FINISH_TIMEOUT_MS);
      const failure = await exited.finally(() => clearTimeout(timer));
      if (signal.aborted) throw signal.reason;
      if (failure) throw failure;
      if (sent !== file.size) throw new EngineError('io', `the file ended after ${sent} of ${file.size} bytes (was it cut short while uploading?)`);
    } finally {
      pipe?.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  }
}
