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
 * Holds `<topic>.subscribe` while the page is visible, renewing before the lease lapses and retrying
 * when not connected; unsubscribes when hidden. Returns the release for an effect's cleanup.
 * `giveBackLate`: a lease granted after hiding/release is unsubscribed at once (else just ignored).
 */
export function holdLease(api: HangarApi, topic: LeaseTopic, visibility: VisibilitySource, giveBackLate = false): () => void {
  let alive = true;
  let subscribed = false;
  let renew: ReturnType<typeof setTimeout> | null = null;
  const stopRenew = () => {
    if (renew) clearTimeout(renew);
    renew = null;
  };
  const subscribe = () => {
    stopRenew();
    api.call(`${topic}.subscribe`, {}).then(
      (r) => {
        if (giveBackLate) subscribed = true;
        if (!alive || visibility.hidden) return giveBackLate ? unsubscribe() : undefined;
        subscribed = true;
        renew = setTimeout(subscribe, Math.max(1_000, r.leaseMs / 2));
      },
      () => {
        // Not connected: try again later.
        if (alive && !visibility.hidden) renew = setTimeout(subscribe, 5_000);
      },
    );
  };
  const unsubscribe = () => {
    stopRenew();
    if (!subscribed) return;
    subscribed = false;
    api.call(`${topic}.unsubscribe`, {}).catch(() => undefined);
  };
  const onVisibility = () => (visibility.hidden ? unsubscribe() : subscribe());
  visibility.addEventListener('visibilitychange', onVisibility);
  if (!visibility.hidden) subscribe();
  return () => {
    alive = false;
    visibility.removeEventListener('visibilitychange', onVisibility);
    unsubscribe();
  };
}
