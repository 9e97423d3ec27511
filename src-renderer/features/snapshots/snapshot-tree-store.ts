import type { HangarApi } from '../../bridge/hangar-api.js';
import type { SnapshotTree } from '../../../src-shared/contract/index.js';
import { describeError } from '../../state/errors.js';

export interface SnapshotTreeView {
  tree: SnapshotTree | null;
  /** Why the tree could not be read (a sentence). */
  error: string | null;
}

/**
 * One VM's snapshot tree, shared by every view of it (the details section and the panel): fetched once, fetched
 * again when the engine says it changed (`vm.snapshots`) or the connection comes back. A change made here
 * (`change`) takes the tree from the engine's reply: the engine announces `vm.snapshots` just before that reply,
 * so the event a change of ours causes is not fetched for; one that came from elsewhere meanwhile still is.
 */
export class SnapshotTreeStore {
  private view: SnapshotTreeView = { tree: null, error: null };
  private readonly listeners = new Set<(view: SnapshotTreeView) => void>();
  private off: Array<() => void> = [];
  private request = 0;
  /** Our changes awaiting their reply, the `vm.snapshots` events seen meanwhile, and the changes that succeeded. */
  private inFlight = 0;
  private eventsMeanwhile = 0;
  private doneMeanwhile = 0;

  constructor(
    private readonly api: HangarApi,
    readonly vmId: string,
    private readonly onIdle: () => void,
  ) {}

  get current(): SnapshotTreeView {
    return this.view;
  }

  subscribe(listener: (view: SnapshotTreeView) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      for (const off of this.off.splice(0)) off();
      this.request++; // an answer still on its way is for nobody
      this.view = { tree: null, error: null };
      this.onIdle();
    };
  }

  /** Reads the tree from the engine. */
  fetch(): void {
    const mine = ++this.request;
    this.api.call('snapshot.list', { vm: this.vmId }).then(
      (tree) => {
        if (mine === this.request) this.set({ tree, error: null });
      },
      (err: unknown) => {
        if (mine === this.request) this.set({ ...this.view, error: describeError(err, 'read the snapshots') });
      },
    );
  }

  /** Runs a take/restore/delete/rename and puts the tree of its reply in place: one update, no list round trip. */
  async change<R extends { tree: SnapshotTree }>(call: () => Promise<R>): Promise<R> {
    this.inFlight++;
    try {
      const r = await call();
      this.doneMeanwhile++;
      this.request++; // an older list answer must not overwrite this one
      this.set({ tree: r.tree, error: null });
      return r;
    } finally {
      if (--this.inFlight === 0) {
        // More announcements than our own changes: someone else (the CLI) changed the tree too.
        const foreign = this.eventsMeanwhile > this.doneMeanwhile;
        this.eventsMeanwhile = 0;
        this.doneMeanwhile = 0;
        if (foreign) this.fetch();
      }
    }
  }

  private start(): void {
    this.fetch();
    this.off.push(
      this.api.onEvent((e) => {
        if (!('vmId' in e) || e.vmId !== this.vmId) return;
        if (e.type === 'vm.snapshots') {
          if (this.inFlight > 0) this.eventsMeanwhile++;
          else this.fetch();
        } else if (e.type === 'vm.removed') {
          this.request++;
          this.set({ tree: null, error: this.view.error });
        }
      }),
    );
    let lost = this.api.connection() !== 'open';
    this.off.push(
      this.api.onConnectionChange((s) => {
        if (s !== 'open') lost = true;
        else if (lost) {
          lost = false;
          this.fetch(); // events may have been missed meanwhile
        }
      }),
    );
  }

  private set(view: SnapshotTreeView): void {
    this.view = view;
    for (const l of [...this.listeners]) l(view);
  }
}

const stores = new WeakMap<HangarApi, Map<string, SnapshotTreeStore>>();

/** The store of `vmId`'s tree for this api (made on first use, dropped when its last view unsubscribes). */
export function snapshotTreeStore(api: HangarApi, vmId: string): SnapshotTreeStore {
  let byVm = stores.get(api);
  if (!byVm) stores.set(api, (byVm = new Map()));
  let store = byVm.get(vmId);
  if (!store) {
    const vms = byVm;
    store = new SnapshotTreeStore(api, vmId, () => {
      if (vms.get(vmId) === store) vms.delete(vmId);
    });
    byVm.set(vmId, store);
  }
  return store;
}
