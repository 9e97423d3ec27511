import { randomUUID } from 'node:crypto';
import { EngineError, type VmEventBody } from '../../../src-shared/contract/index.js';
import { DROP_CHUNK_BYTES, MAX_DROP_BYTES, sanitizeDropName, shareMethodOf } from '../../../src-shared/shares/index.js';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import type { GuestAgentService } from './guest-agent-service.js';

/** qemu-ga takes base64 in one JSON message per write: 48 KiB of file each keeps messages small for a slow port. */
const AGENT_WRITE_BYTES = 48 * 1024;
/** A drop nobody finishes (a closed browser tab) is closed and forgotten after this long without a chunk. */
const IDLE_MS = 60_000;

interface Drop {
  readonly id: string;
  readonly vmId: string;
  readonly jobId: string;
  readonly guestPath: string;
  readonly size: number;
  readonly handle: number;
  written: number;
  percent: number;
  timer: NodeJS.Timeout;
  /** One chunk at a time, in order. */
  busy: Promise<unknown>;
}

export interface FileDropDeps {
  readonly agent: Pick<GuestAgentService, 'command'>;
  readonly emit: (vmId: string, body: VmEventBody) => void;
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Folders a dropped file may land in, best first: the logged-in user's Downloads, then a folder every guest has. */
function candidateFolders(doc: Pick<VmDocument, 'osId'>, users: string[]): string[] {
  if (shareMethodOf(doc) === 'smb') return ['C:\\Users\\Public\\Downloads', 'C:\\Windows\\Temp'];
  const safeUsers = users.filter((u) => /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(u));
  return [...safeUsers.flatMap((u) => (u === 'root' ? ['/root/Downloads'] : [`/home/${u}/Downloads`])), '/tmp'];
}

/**
 * Files dropped on the display, copied into the guest through its guest agent (guest-file-open/write/close):
 * a name sanitised on the way in, never an existing file overwritten ("name (1).ext"), 1 GiB at most (refused
 * before any byte moves), progress as a `vm.job` of kind file-drop.
 */
export class FileDropService {
  private readonly drops = new Map<string, Drop>();

  constructor(private readonly deps: FileDropDeps) {}

  async begin(vm: { id: string; name: string; doc: Pick<VmDocument, 'osId' | 'guestAgent'> }, running: boolean, name: string, size: number): Promise<{ dropId: string; jobId: string; guestPath: string }> {
    if (size > MAX_DROP_BYTES) {
      throw new EngineError('invalid-args', `${name.slice(0, 200)} is ${formatBytes(size)}; files dropped into a guest may be at most ${formatBytes(MAX_DROP_BYTES)} (the guest agent copies them over a serial port). Share a folder for big files`, { size, max: MAX_DROP_BYTES });
    }
    const clean = sanitizeDropName(name);
    if (clean === null) throw new EngineError('invalid-args', `"${name.slice(0, 200)}" leaves no usable file name in the guest`);
    if (!running) throw new EngineError('invalid-state', `"${vm.name}" is not running; start it to drop files into it`);
    if (!vm.doc.guestAgent) throw new EngineError('invalid-state', `"${vm.name}" has no guest agent channel: turn it on in Settings → Display, and install qemu-guest-agent in the guest, to drop files into it`);
    const users = await this.deps.agent.command(vm.id, 'guest-get-users', undefined).then((r) => r.map((u) => u.user), () => []);
    const { path, handle } = await this.openFree(vm.id, candidateFolders(vm.doc, users), clean, shareMethodOf(vm.doc) === 'smb' ? '\\' : '/');
    const id = `drop-${randomUUID()}`;
    const jobId = `hangar-${id.slice(0, 13)}`;
    const drop: Drop = { id, vmId: vm.id, jobId, guestPath: path, size, handle, written: 0, percent: 0, busy: Promise.resolve(), timer: setTimeout(() => void this.abort(id, 'no data for a minute'), IDLE_MS) };
    this.drops.set(id, drop);
    this.job(drop, { status: 'running', percent: 0 });
    return { dropId: id, jobId, guestPath: path };
  }

  async chunk(dropId: string, offset: number, data: string): Promise<{ written: number }> {
    const drop = this.get(dropId);
    const run = drop.busy.then(async () => {
      const bytes = Buffer.from(data, 'base64');
      if (offset !== drop.written) throw new EngineError('invalid-args', `chunk at ${offset}, but ${drop.written} bytes were written so far (send them in order)`);
      if (bytes.length > DROP_CHUNK_BYTES) throw new EngineError('invalid-args', `a chunk may be at most ${DROP_CHUNK_BYTES} bytes`);
      if (drop.written + bytes.length > drop.size) throw new EngineError('invalid-args', `more bytes than the ${drop.size} announced`);
      drop.timer.refresh();
      for (let at = 0; at < bytes.length; at += AGENT_WRITE_BYTES) {
        const part = bytes.subarray(at, at + AGENT_WRITE_BYTES);
        const r = await this.deps.agent.command(drop.vmId, 'guest-file-write', { handle: drop.handle, 'buf-b64': part.toString('base64') }, 30_000);
        if (r.count !== part.length) throw new EngineError('io', `the guest agent wrote ${r.count} of ${part.length} bytes (is the guest's disk full?)`);
        drop.written += part.length;
      }
      const percent = drop.size === 0 ? 100 : Math.floor((drop.written / drop.size) * 100);
      if (percent !== drop.percent) this.job(drop, { status: 'running', percent: (drop.percent = percent) });
      return { written: drop.written };
    });
    drop.busy = run.catch(() => undefined);
    return run.catch(async (err: unknown) => {
      await this.abort(dropId, (err as Error).message);
      throw err;
    });
  }

  async end(dropId: string): Promise<{ guestPath: string; bytes: number }> {
    const drop = this.get(dropId);
    await drop.busy;
    if (drop.written !== drop.size) {
      await this.abort(dropId, `only ${drop.written} of ${drop.size} bytes arrived`);
      throw new EngineError('invalid-args', `the drop ended after ${drop.written} of ${drop.size} bytes; nothing was kept`);
    }
    this.forget(drop);
    await this.deps.agent.command(drop.vmId, 'guest-file-close', { handle: drop.handle });
    this.job(drop, { status: 'concluded', percent: 100 });
    return { guestPath: drop.guestPath, bytes: drop.written };
  }

  async cancel(dropId: string): Promise<void> {
    this.get(dropId);
    await this.abort(dropId, 'cancelled', true);
  }

  private get(dropId: string): Drop {
    const drop = this.drops.get(dropId);
    if (!drop) throw new EngineError('not-found', `no file drop ${dropId} is under way (it ended, or was idle for a minute)`);
    return drop;
  }

  private forget(drop: Drop): void {
    clearTimeout(drop.timer);
    this.drops.delete(drop.id);
  }

  /** Closes the handle and truncates the partial file (the agent cannot delete; an empty file is what is left). */
  private async abort(dropId: string, why: string, cancelled = false): Promise<void> {
    const drop = this.drops.get(dropId);
    if (!drop) return;
    this.forget(drop);
    await this.deps.agent.command(drop.vmId, 'guest-file-close', { handle: drop.handle }).catch(() => undefined);
    await this.deps.agent.command(drop.vmId, 'guest-file-open', { path: drop.guestPath, mode: 'w' })
      .then((h) => this.deps.agent.command(drop.vmId, 'guest-file-close', { handle: h }))
      .catch(() => undefined);
    this.job(drop, { status: 'failed', error: why, ...(cancelled ? { cancelled: true } : {}) });
    this.deps.log('warn', `a file dropped into the guest (${drop.guestPath}) was not completed: ${why}`);
  }

  /** Opens the first free "name", "name (1)"... in the first folder the agent can write. */
  private async openFree(vmId: string, folders: string[], name: string, sep: string): Promise<{ path: string; handle: number }> {
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let lastError = '';
    for (const folder of folders) {
      for (let n = 0; n < 100; n++) {
        const path = `${folder}${sep}${n === 0 ? name : `${stem} (${n})${ext}`}`;
        const existing = await this.deps.agent.command(vmId, 'guest-file-open', { path, mode: 'r' }).catch(() => null);
        if (existing !== null) {
          await this.deps.agent.command(vmId, 'guest-file-close', { handle: existing }).catch(() => undefined);
          continue;
        }
        try {
          return { path, handle: await this.deps.agent.command(vmId, 'guest-file-open', { path, mode: 'w' }) };
        } catch (err) {
          lastError = (err as Error).message;
          break; // this folder is missing or not writable: the next one
        }
      }
    }
    throw new EngineError('io', `the guest agent could not create the file in ${folders.join(', ')}: ${lastError}`);
  }

  private job(drop: Drop, body: { status: 'running' | 'concluded' | 'failed'; percent?: number; error?: string; cancelled?: boolean }): void {
    this.deps.emit(drop.vmId, { type: 'vm.job', jobId: drop.jobId, kind: 'file-drop', subject: drop.guestPath, ...body });
  }
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 === 0 ? 0 : 1)} GiB` : `${Math.ceil(n / 1024 ** 2)} MiB`;
}
