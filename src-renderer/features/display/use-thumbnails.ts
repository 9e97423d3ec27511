import { useEffect, useRef, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { holdLease, type LeaseHold, type VisibilitySource } from '../../state/lease-subscription.js';

/** `data:` URL of a base64 PNG. */
export const pngDataUrl = (pngBase64: string): string => `data:image/png;base64,${pngBase64}`;

export type { VisibilitySource };

/**
 * Live thumbnails of running VMs, by VM id (PNG data URLs), for the library. Subscribes to the engine's
 * `vm.thumbnail` events only while the page is visible (the engine takes no screenshots otherwise),
 * renewing the subscription before its lease lapses. `inView`: the VMs whose rows are on screen (ids), so the
 * engine looks at those screens only; absent: every running VM.
 */
export function useVmThumbnails(api: HangarApi, visibility: VisibilitySource = document, inView?: readonly string[]): ReadonlyMap<string, string> {
  const [thumbs, setThumbs] = useState<ReadonlyMap<string, string>>(() => new Map());
  const hold = useRef<LeaseHold | null>(null);
  const inViewRef = useRef(inView);
  inViewRef.current = inView;
  const inViewKey = inView === undefined ? null : inView.join('\n');
  useEffect(() => {
    hold.current?.setScope(inViewRef.current);
  }, [inViewKey]);
  useEffect(() => {
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
    const release = (hold.current = holdLease(api, 'vm.thumbnails', visibility, inViewRef.current));
    return () => {
      off();
      hold.current = null;
      release();
    };
  }, [api, visibility]);
  return thumbs;
}

/** The newest thumbnail of one VM (live, or kept in its bundle after it stopped), or null. */
export async function fetchThumbnail(api: HangarApi, vmId: string): Promise<string | null> {
  const r = await api.call('vm.thumbnail', { vm: vmId });
  return r.pngBase64 ? pngDataUrl(r.pngBase64) : null;
}
