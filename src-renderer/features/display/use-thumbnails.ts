import { useEffect, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';

/** `data:` URL of a base64 PNG. */
export const pngDataUrl = (pngBase64: string): string => `data:image/png;base64,${pngBase64}`;

/** Something with `hidden` and visibility events (the document; a fake in tests). */
export interface VisibilitySource {
  readonly hidden: boolean;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/**
 * Live thumbnails of running VMs, by VM id (PNG data URLs), for the library. Subscribes to the engine's
 * `vm.thumbnail` events only while the page is visible (the engine takes no screenshots otherwise),
 * renewing the subscription before its lease lapses.
 */
export function useVmThumbnails(api: HangarApi, visibility: VisibilitySource = document): ReadonlyMap<string, string> {
  const [thumbs, setThumbs] = useState<ReadonlyMap<string, string>>(() => new Map());
  useEffect(() => {
    let alive = true;
    let renew: ReturnType<typeof setTimeout> | null = null;
    let subscribed = false;
    const stopRenew = () => {
      if (renew) clearTimeout(renew);
      renew = null;
    };
    const subscribe = () => {
      stopRenew();
      api.call('vm.thumbnails.subscribe', {}).then(
        (r) => {
          if (!alive || visibility.hidden) return;
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
      api.call('vm.thumbnails.unsubscribe', {}).catch(() => undefined);
    };
    const onVisibility = () => (visibility.hidden ? unsubscribe() : subscribe());
    const off = api.onEvent((e) => {
      if (e.type === 'vm.thumbnail') setThumbs((m) => new Map(m).set(e.vmId, pngDataUrl(e.pngBase64)));
      else if (e.type === 'vm.removed') {
        setThumbs((m) => {
          if (!m.has(e.vmId)) return m;
          const next = new Map(m);
          next.delete(e.vmId);
          return next;
        });
      }
    });
    visibility.addEventListener('visibilitychange', onVisibility);
    if (!visibility.hidden) subscribe();
    return () => {
      alive = false;
      off();
      visibility.removeEventListener('visibilitychange', onVisibility);
      unsubscribe();
    };
  }, [api, visibility]);
  return thumbs;
}

/** The newest thumbnail of one VM (live, or kept in its bundle after it stopped), or null. */
export async function fetchThumbnail(api: HangarApi, vmId: string): Promise<string | null> {
  const r = await api.call('vm.thumbnail', { vm: vmId });
  return r.pngBase64 ? pngDataUrl(r.pngBase64) : null;
}
