import type { HangarApi } from '../bridge/hangar-api.js';

/** Something with `hidden` and visibility events (the document; a fake in tests). */
export interface VisibilitySource {
  readonly hidden: boolean;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** Engine feeds held by a renewable lease. */
export type LeaseTopic = 'vm.stats' | 'vm.thumbnails';

/**
 * One engine lease (`<topic>.subscribe`) for all holders in a page: the engine keeps one lease per window, not
 * per holder, so separate subscriptions would undo each other (one holder's late unsubscribe ending the lease
 * another had just taken). Subscribed while someone holds it and the page is visible, renewed before it lapses,
 * retried while not connected; a grant that arrives once nobody wants it any more is given back at once.
 */
class SharedLease {
  private holders = 0;
  private subscribed = false;
  private asking = false;
  /** What each holder has in view (thumbnails of the visible rows); undefined: everything. */
  private readonly scopes = new Map<symbol, readonly string[] | undefined>();
  /** The scope the engine was last given, as a key; a different one is sent at once. */
  private sentScope: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onVisibility = () => this.sync();

  constructor(
    private readonly api: HangarApi,
    private readonly topic: LeaseTopic,
    private readonly visibility: VisibilitySource,
  ) {}

  hold(key: symbol, scope: readonly string[] | undefined): void {
    this.scopes.set(key, scope);
    if (this.holders++ === 0) this.visibility.addEventListener('visibilitychange', this.onVisibility);
    this.sync();
  }

  release(key: symbol): void {
    this.scopes.delete(key);
    if (--this.holders === 0) this.visibility.removeEventListener('visibilitychange', this.onVisibility);
    this.sync();
  }

  setScope(key: symbol, scope: readonly string[] | undefined): void {
    if (!this.scopes.has(key)) return;
    this.scopes.set(key, scope);
    this.sync();
  }

  /** The union of the holders' scopes (undefined if any wants everything). */
  private scope(): string[] | undefined {
    const all = new Set<string>();
    for (const s of this.scopes.values()) {
      if (s === undefined) return undefined;
      for (const id of s) all.add(id);
    }
    return [...all].sort();
  }

  private wanted(): boolean {
    return this.holders > 0 && !this.visibility.hidden;
  }

  /** Brings the engine's side in line with `wanted()`; an answer still awaited decides when it comes. */
  private sync(): void {
    if (this.asking) return;
    if (this.wanted()) {
      const scopeChanged = this.subscribed && this.sentScope !== JSON.stringify(this.scope() ?? null);
      if ((!this.subscribed && this.timer === null) || scopeChanged) this.subscribe();
      return;
    }
    this.stopTimer();
    if (!this.subscribed) return;
    this.subscribed = false;
    this.api.call(`${this.topic}.unsubscribe`, {}).catch(() => undefined);
  }

  private subscribe(): void {
    this.stopTimer();
    this.asking = true;
    const scope = this.topic === 'vm.thumbnails' ? this.scope() : undefined;
    this.sentScope = JSON.stringify(scope ?? null);
    const request = this.topic === 'vm.thumbnails' && scope !== undefined ? this.api.call('vm.thumbnails.subscribe', { vms: scope }) : this.api.call(`${this.topic}.subscribe`, {});
    request.then(
      (r) => {
        this.asking = false;
        this.subscribed = true;
        if (this.wanted()) {
          this.timer = setTimeout(() => this.subscribe(), Math.max(1_000, r.leaseMs / 2));
          this.sync(); // the rows in view may have changed while asking
        } else this.sync();
      },
      () => {
        this.asking = false;
        // Not connected: try again later.
        if (this.wanted()) this.timer = setTimeout(() => this.subscribe(), 5_000);
        else this.sync();
      },
    );
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

const leases = new WeakMap<HangarApi, WeakMap<VisibilitySource, Map<LeaseTopic, SharedLease>>>();

/** A holder's handle: its release, and (thumbnails) the VMs it now has in view. */
export interface LeaseHold {
  (): void;
  setScope(scope: readonly string[] | undefined): void;
}

/**
 * Holds the page's `<topic>` lease until the returned release is called (an effect's cleanup). `scope`: the VMs
 * this holder has in view (thumbnails); the engine is given the union of every holder's, and a change at once.
 */
export function holdLease(api: HangarApi, topic: LeaseTopic, visibility: VisibilitySource, scope?: readonly string[]): LeaseHold {
  let byPage = leases.get(api);
  if (!byPage) leases.set(api, (byPage = new WeakMap()));
  let byTopic = byPage.get(visibility);
  if (!byTopic) byPage.set(visibility, (byTopic = new Map()));
  let lease = byTopic.get(topic);
  if (!lease) byTopic.set(topic, (lease = new SharedLease(api, topic, visibility)));
  const key = Symbol(topic);
  lease.hold(key, scope);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    lease.release(key);
  };
  return Object.assign(release, { setScope: (next: readonly string[] | undefined) => lease.setScope(key, next) });
}
