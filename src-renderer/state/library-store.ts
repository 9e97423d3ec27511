import type { HangarApi } from '../bridge/hangar-api.js';
import type { EngineEvent, VmEvent, VmSummary } from '../../src-shared/contract/index.js';
import type { VmRunState } from '../../src-shared/vm-state.js';
import { describeError } from './errors.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** One machine as the library window sees it. */
export interface LibraryVm extends VmSummary {
  /** When this session last saw the VM change (state or settings), ms since the epoch; 0 = not seen yet. */
  lastChanged: number;
}

export interface LibrarySnapshot {
  status: 'loading' | 'ready' | 'error';
  /** Why the list could not be loaded (a sentence, never a stack trace). */
  error: string | null;
  /** Machines in the engine's library order. */
  vms: ReadonlyArray<LibraryVm>;
  byId: ReadonlyMap<string, LibraryVm>;
  connection: ConnectionState;
}

/**
 * The VM list: `library.list` once, then kept live from engine events. Events carry a per-VM sequence
 * number; an event whose number is not newer than the last one applied for that VM is stale and ignored.
 * Events that arrive while the list loads are held and replayed on top of it (every event is idempotent
 * on a list that already reflects it). Plain TypeScript: React reads it through `useLibrary`.
 */
export class LibraryStore {
  private snapshot: LibrarySnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly lastSeq = new Map<string, number>();
  /** Bumped on every applied vm.state, so a slower vm.get cannot overwrite a newer state. */
  private readonly stateVersion = new Map<string, number>();
  private loading: Promise<void> | null = null;
  private held: Array<VmEvent> | null = null;
  private loadGeneration = 0;

  constructor(
    private readonly api: HangarApi,
    private readonly now: () => number = () => Date.now(),
    /** The libvirt connection whose machines this list shows (absent: This computer); events of others are not its own. */
    readonly connection?: string,
  ) {
    this.snapshot = { status: 'loading', error: null, vms: [], byId: new Map(), connection: api.connection() };
  }

  /** Subscribes to events and the connection, loads the list; returns the function that stops it all. */
  start(): () => void {
    const offEvent = this.api.onEvent((e) => this.handleEvent(e));
    const offConn = this.api.onConnectionChange((state) => {
      const was = this.snapshot.connection;
      this.set({ connection: state });
      // After a reconnect the engine may have restarted (sequence numbers start again): reload.
      if (state === 'open' && was !== 'open') void this.reload();
    });
    // While connecting, the 'open' transition above loads the list: loading now too would ask twice.
    this.set({ connection: this.api.connection() });
    if (this.api.connection() === 'open') void this.reload();
    return () => {
      offEvent();
      offConn();
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): LibrarySnapshot => this.snapshot;

  reload(): Promise<void> {
    const generation = ++this.loadGeneration;
    this.held = [];
    const run = (async () => {
      if (this.snapshot.vms.length === 0) this.set({ status: 'loading', error: null });
      try {
        const list = await this.api.call('library.list', {});
        if (generation !== this.loadGeneration) return;
        this.lastSeq.clear();
        const prev = this.snapshot.byId;
        const vms = list.map((vm) => ({ ...vm, lastChanged: prev.get(vm.id)?.lastChanged ?? 0 }));
        this.setVms(vms, { status: 'ready', error: null });
        const held = this.held ?? [];
        this.held = null;
        for (const e of held) this.applyVmEvent(e);
      } catch (err) {
        if (generation !== this.loadGeneration) return;
        this.held = null;
        this.set({ status: 'error', error: describeError(err, 'load the library') });
      }
    })();
    this.loading = run;
    return run;
  }

  /**
   * Resolves once the first list has been answered (loaded or failed), or the engine connection has closed:
   * unlike whenLoaded(), it also covers the time before the connection opens.
   */
  settled(): Promise<void> {
    return this.until((s) => s.status !== 'loading' || s.connection === 'closed');
  }

  /** Resolves once the engine connection is no longer being made: open (the list has been asked for) or closed. */
  connectionSettled(): Promise<void> {
    return this.until((s) => s.connection !== 'connecting');
  }

  private until(done: (s: LibrarySnapshot) => boolean): Promise<void> {
    if (done(this.snapshot)) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.subscribe(() => {
        if (!done(this.snapshot)) return;
        off();
        resolve();
      });
    });
  }

  /** Resolves once the current load (if any) has finished. */
  async whenLoaded(): Promise<void> {
    await this.loading;
  }

  /** Sets a VM's state right away from a command's result (events may follow; they carry the same state). */
  noteState(vmId: string, state: VmRunState): void {
    const vm = this.snapshot.byId.get(vmId);
    if (!vm || JSON.stringify(vm.state) === JSON.stringify(state)) return;
    this.bump(vmId);
    this.replace({ ...vm, state, lastChanged: this.now() });
  }

  /** Sets a VM's tags right away from `vm.tags.set`'s result (its vm.changed event does not carry them). */
  noteTags(vmId: string, tags: ReadonlyArray<string>): void {
    const vm = this.snapshot.byId.get(vmId);
    if (!vm) return;
    this.replace({ ...vm, tags: [...tags] });
  }

  private handleEvent(event: VmEvent | EngineEvent): void {
    if (!('vmId' in event) || event.connection !== this.connection) return;
    if (this.held) {
      this.held.push(event);
      return;
    }
    this.applyVmEvent(event);
  }

  private applyVmEvent(event: VmEvent): void {
    const last = this.lastSeq.get(event.vmId);
    if (last !== undefined && event.seq <= last) return; // stale or duplicate
    this.lastSeq.set(event.vmId, event.seq);
    const vm = this.snapshot.byId.get(event.vmId);
    switch (event.type) {
      case 'vm.state':
        this.bump(event.vmId);
        if (vm) this.replace({ ...vm, state: event.state, lastChanged: this.now() });
        else void this.fetchOne(event.vmId, event.vmId);
        return;
      case 'vm.added':
        if (!vm) {
          const placeholder: LibraryVm = { id: event.vmId, name: event.name, osId: 'generic', bundleDir: '', state: { kind: 'stopped' }, lastChanged: this.now(), ...this.onConnection() };
          this.setVms([...this.snapshot.vms, placeholder]);
        }
        void this.fetchOne(event.vmId, event.name);
        return;
      case 'vm.removed':
        if (vm) this.setVms(this.snapshot.vms.filter((v) => v.id !== event.vmId));
        return;
      case 'vm.changed':
        if (vm) this.replace({ ...vm, lastChanged: this.now() });
        void this.fetchOne(event.vmId, vm?.name ?? event.vmId);
        return;
      case 'vm.install':
        // The install flow moved on (library shows "Installing…" while installing).
        if (vm) {
          const { install: _was, ...rest } = vm;
          this.replace(event.phase === 'none' ? { ...rest, lastChanged: this.now() } : { ...vm, install: event.phase, lastChanged: this.now() });
        }
        return;
      case 'vm.snapshots':
        // A libvirt revert may leave the domain in another state than its lifecycle events last said: read it.
        if (this.connection !== undefined && vm) void this.fetchOne(event.vmId, vm.name);
        return;
      case 'vm.media':
      case 'vm.serial':
      case 'vm.guest':
      case 'vm.shutdown-timeout':
      case 'vm.job':
      case 'vm.thumbnail':
      case 'vm.stats':
      case 'vm.guestAgent':
        return;
      default: {
        const never: never = event;
        void never;
      }
    }
  }

  /** Refreshes one VM's name, OS and folder (and its state, unless a newer vm.state arrived meanwhile). */
  private async fetchOne(vmId: string, fallbackName: string): Promise<void> {
    const version = this.stateVersion.get(vmId) ?? 0;
    try {
      const got = await this.api.call('vm.get', { vm: vmId });
      const current = this.snapshot.byId.get(vmId);
      const base: LibraryVm = current ?? { id: vmId, name: fallbackName, osId: 'generic', bundleDir: '', state: got.state, lastChanged: this.now(), ...this.onConnection() };
      if (!current && this.lastSeqIsRemoval(vmId)) return;
      const state = (this.stateVersion.get(vmId) ?? 0) === version ? got.state : base.state;
      const next: LibraryVm = { ...base, name: got.doc.name, osId: got.doc.osId, bundleDir: got.bundleDir, state, ...(got.tags ? { tags: got.tags } : {}) };
      if (current) this.replace(next);
      else this.setVms([...this.snapshot.vms, next]);
    } catch {
      // The VM may have gone meanwhile (a vm.removed follows); the list stays as it is.
    }
  }

  /** What a machine this list learns of by event carries: its connection, as library.list's summaries do. */
  private onConnection(): { connection?: string } {
    return this.connection === undefined ? {} : { connection: this.connection };
  }

  private readonly removed = new Set<string>();
  private lastSeqIsRemoval(vmId: string): boolean {
    return this.removed.has(vmId);
  }

  private bump(vmId: string): void {
    this.stateVersion.set(vmId, (this.stateVersion.get(vmId) ?? 0) + 1);
  }

  private replace(vm: LibraryVm): void {
    this.setVms(this.snapshot.vms.map((v) => (v.id === vm.id ? vm : v)));
  }

  private setVms(vms: ReadonlyArray<LibraryVm>, extra: Partial<LibrarySnapshot> = {}): void {
    const byId = new Map(vms.map((v) => [v.id, v]));
    for (const id of this.snapshot.byId.keys()) if (!byId.has(id)) this.removed.add(id);
    for (const id of byId.keys()) this.removed.delete(id);
    this.set({ ...extra, vms, byId });
  }

  private set(patch: Partial<LibrarySnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }
}
