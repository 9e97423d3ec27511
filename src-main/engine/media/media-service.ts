import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EngineError, type MediaResult, type RecentIso, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { VmDocument, VmPatch } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import type { BlockDeviceInfo, BlockInfo, QmpCommands } from '../qmp/qmp-commands.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { refuseNonIso } from '../storage/path-guard.js';
import { RecentIsos } from './recent-isos.js';

/** The slice of a VmSession media changes need. */
export interface MediaSession {
  readonly state: VmRunState;
  readonly qmp: QmpCommands;
}

/** The slice of the engine media changes need (the Engine satisfies it). */
export interface MediaHost {
  readonly libraryDir: string;
  readonly store: {
    load(ref: string): Promise<LoadedVm>;
    update(id: string, patch: VmPatch | ((doc: VmDocument) => VmPatch)): Promise<VmDocument>;
  };
  readonly sessions: ReadonlyMap<string, MediaSession>;
  emit(vmId: string, body: VmEventBody): void;
}

/** The part of a `query-block` entry a drive's status is read from. */
type QueryBlockEntry = Partial<Pick<BlockInfo, 'device' | 'qdev' | 'tray_open' | 'locked'>> & { readonly inserted?: Partial<Pick<BlockDeviceInfo, 'file'>> };

/** What QEMU says a drive holds, from `query-block`. */
export function driveStatus(entries: ReadonlyArray<QueryBlockEntry>, drive: string): { path: string | null; trayOpen: boolean; locked: boolean } | null {
  if (!Array.isArray(entries)) return null;
  const e = entries.find((x) => x.qdev === drive || (x.qdev ?? '').split('/').includes(drive) || (x.device !== '' && x.device === drive));
  if (!e) return null;
  return { path: e.inserted?.file ?? null, trayOpen: e.tray_open === true, locked: e.locked === true };
}

/** The CD drive a command means: the one named, or the VM's first. */
export function pickDrive(doc: VmDocument, drive: string | undefined): string {
  if (doc.cdroms.length === 0) {
    throw new EngineError('invalid-state', `"${doc.name}" has no CD drive; add one in its settings first`, { field: 'cdroms' });
  }
  if (drive === undefined) return doc.cdroms[0]!.id;
  if (!doc.cdroms.some((c) => c.id === drive)) {
    throw new EngineError('not-found', `"${doc.name}" has no CD drive "${drive}" (it has ${doc.cdroms.map((c) => c.id).join(', ')})`, { field: 'drive' });
  }
  return drive;
}

/** The document patch that puts `path` (null: nothing) into `drive`. */
export function mediumPatch(doc: VmDocument, drive: string, path: string | null): VmPatch {
  return { cdroms: doc.cdroms.map((c) => (c.id === drive ? { ...c, path } : c)) };
}

/** An ISO path from a client: absolute, an existing regular file. */
export async function checkIsoFile(path: string): Promise<string> {
  const abs = resolve(path);
  let s;
  try {
    s = await stat(abs);
  } catch {
    throw new EngineError('not-found', `ISO not found: ${abs}`, { path: abs });
  }
  if (!s.isFile()) throw new EngineError('invalid-args', `the ISO is not a file: ${abs}`, { path: abs });
  await refuseNonIso(abs);
  return abs;
}

/** QEMU's answer when the guest holds the tray shut (eject/change with force:false sends the guest a request). */
function isTrayLocked(err: unknown): boolean {
  return /is locked and force was not specified/i.test(String((err as { desc?: unknown })?.desc ?? (err as Error)?.message ?? ''));
}

const LIVE_STATES: ReadonlyArray<VmRunState['kind']> = ['running', 'paused'];
const OFFLINE_STATES: ReadonlyArray<VmRunState['kind']> = ['stopped', 'crashed'];

/**
 * Removable media: insert, eject and swap ISOs by the CD-ROM's device id, live through QMP while QEMU runs
 * and as a document patch while it is stopped; the document is updated either way so the change persists.
 * Tray movements (`DEVICE_TRAY_MOVED`) become `vm.media` events.
 */
export class MediaService {
  readonly recent: RecentIsos;
  /** vmId → drive → the medium QEMU holds (as far as this engine knows). */
  private readonly known = new Map<string, Map<string, string | null>>();
  /** vmId:drive → the medium an insert in flight is putting in (reported when the tray closes). */
  private readonly pending = new Map<string, string | null>();

  constructor(private readonly host: MediaHost) {
    this.recent = new RecentIsos(host.libraryDir);
  }

  /** Follows a session's tray events; called when a session starts or is reattached. */
  watch(vm: { id: string; doc: VmDocument }, session: MediaSession): void {
    this.known.set(vm.id, new Map(vm.doc.cdroms.map((c) => [c.id, c.path])));
    session.qmp.onEvent((e) => {
      if (e.event !== 'DEVICE_TRAY_MOVED') return;
      const drive = String(e.data?.['id'] ?? '') || String(e.data?.['device'] ?? '');
      if (!drive) return;
      const trayOpen = e.data?.['tray-open'] === true;
      const key = `${vm.id}:${drive}`;
      const known = this.known.get(vm.id)?.get(drive) ?? null;
      const path = !trayOpen && this.pending.has(key) ? this.pending.get(key)! : known;
      this.host.emit(vm.id, { type: 'vm.media', drive, path, trayOpen });
    });
  }

  async insert(ref: string, opts: { drive?: string; path: string; force?: boolean }): Promise<MediaResult> {
    const vm = await this.host.store.load(ref);
    const drive = pickDrive(vm.doc, opts.drive);
    // A browser host's folder roots are checked before this, with every other path (file-browser.ts), so nothing
    // is said about a file outside them.
    const path = await checkIsoFile(opts.path);
    const result = await this.change(vm, drive, path, opts.force ?? true);
    await this.recent.add(path);
    return result;
  }

  async eject(ref: string, opts: { drive?: string; force?: boolean }): Promise<MediaResult> {
    const vm = await this.host.store.load(ref);
    const drive = pickDrive(vm.doc, opts.drive);
    return this.change(vm, drive, null, opts.force ?? true);
  }

  /**
   * Empties `drive` as part of another flow (the install finish): live when a session runs, always in
   * the document. Returns the result like eject does.
   */
  async removeMedium(vm: LoadedVm, drive: string): Promise<MediaResult> {
    return this.change(vm, drive, null, true);
  }

  list(): Promise<RecentIso[]> {
    return this.recent.list();
  }

  private async change(vm: LoadedVm, drive: string, path: string | null, force: boolean): Promise<MediaResult> {
    const session = this.host.sessions.get(vm.id);
    const kind = session?.state.kind ?? 'stopped';
    let live = false;
    let trayOpen = false;
    if (session && LIVE_STATES.includes(kind)) {
      const key = `${vm.id}:${drive}`;
      this.pending.set(key, path);
      try {
        if (path === null) await session.qmp.execute('eject', { id: drive, force });
        else await session.qmp.execute('blockdev-change-medium', { id: drive, filename: path, format: 'raw', 'read-only-mode': 'read-only', force });
      } catch (err) {
        if (isTrayLocked(err)) {
          throw new EngineError(
            'invalid-state',
            `the guest has locked the tray of ${drive}; it was asked to eject. Try again once the guest has opened the tray, or force it`,
            { drive, reason: 'tray-locked' },
          );
        }
        throw err;
      } finally {
        this.pending.delete(key);
      }
      this.known.get(vm.id)?.set(drive, path);
      live = true;
      const status = driveStatus(await session.qmp.execute('query-block').catch(() => []), drive);
      trayOpen = status?.trayOpen ?? path === null;
    } else if (session && !OFFLINE_STATES.includes(kind)) {
      throw new EngineError('invalid-state', `cannot change the media of "${vm.name}" while it is ${kind}; wait until it is running or stopped`);
    }
    await this.host.store.update(vm.id, (doc) => mediumPatch(doc, drive, path));
    this.host.emit(vm.id, { type: 'vm.changed' });
    this.host.emit(vm.id, { type: 'vm.media', drive, path, trayOpen });
    return { drive, path, live, trayOpen };
  }
}
