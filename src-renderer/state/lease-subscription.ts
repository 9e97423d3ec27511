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
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onVisibility = () => this.sync();

  constructor(
    private readonly api: HangarApi,
    private readonly topic: LeaseTopic,
    private readonly visibility: VisibilitySource,
  ) {}

  hold(): void {
    if (this.holders++ === 0) this.visibility.addEventListener('visibilitychange', this.onVisibility);
    this.sync();
  }

  release(): void {
    if (--this.holders === 0) this.visibility.removeEventListener('visibilitychange', this.onVisibility);
    this.sync();
  }

  private wanted(): boolean {
    return this.holders > 0 && !this.visibility.hidden;
  }

  /** Brings the engine's side in line with `wanted()`; an answer still awaited decides when it comes. */
  private sync(): void {
    if (this.asking) return;
    if (this.wanted()) {
      if (!this.subscribed && this.timer === null) this.subscribe();
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
    this.api.call(`${this.topic}.subscribe`, {}).then(
      (r) => {
        this.asking = false;
        this.subscribed = true;
        if (this.wanted()) this.timer = setTimeout(() => this.subscribe(), Math.max(1_000, r.leaseMs / 2));
        else this.sync();
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

/** Holds the page's `<topic>` lease until the returned release is called (an effect's cleanup). */
export function holdLease(api: HangarApi, topic: LeaseTopic, visibility: VisibilitySource): () => void {
  let byPage = leases.get(api);
  if (!byPage) leases.set(api, (byPage = new WeakMap()));
  let byTopic = byPage.get(visibility);
  if (!byTopic) byPage.set(visibility, (byTopic = new Map()));
  let lease = byTopic.get(topic);
  if (!lease) byTopic.set(topic, (lease = new SharedLease(api, topic, visibility)));
  lease.hold();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    lease.release();
  };
}
