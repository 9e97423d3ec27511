import { useSyncExternalStore } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';

/** What the engine last said about one CD drive (`vm.media`). */
export interface DriveStatus {
  /** The medium in the drive (null: empty), as of the last event. */
  path: string | null;
  trayOpen: boolean;
}

export type VmMedia = ReadonlyMap<string, DriveStatus>;

const EMPTY: VmMedia = new Map();

/**
 * Tray and medium state per VM and drive, from `vm.media` events (the document has the medium but not the
 * tray). One per HangarApi, subscribed on first use; a VM that stops forgets its trays (QEMU is gone).
 */
export class MediaTracker {
  private readonly byVm = new Map<string, VmMedia>();
  private readonly listeners = new Set<() => void>();

  constructor(api: HangarApi) {
    api.onEvent((e) => {
      if (!('vmId' in e)) return;
      if (e.type === 'vm.media') {
        const next = new Map(this.byVm.get(e.vmId) ?? EMPTY);
        next.set(e.drive, { path: e.path, trayOpen: e.trayOpen });
        this.set(e.vmId, next);
      } else if (e.type === 'vm.state' && (e.state.kind === 'stopped' || e.state.kind === 'crashed')) {
        if (this.byVm.has(e.vmId)) this.set(e.vmId, null);
      } else if (e.type === 'vm.removed') {
        if (this.byVm.has(e.vmId)) this.set(e.vmId, null);
      }
    });
  }

  get(vmId: string): VmMedia {
    return this.byVm.get(vmId) ?? EMPTY;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(vmId: string, media: VmMedia | null): void {
    if (media === null) this.byVm.delete(vmId);
    else this.byVm.set(vmId, media);
    for (const l of [...this.listeners]) l();
  }
}

const trackers = new WeakMap<HangarApi, MediaTracker>();

/** The tracker of this API (created, and subscribed to its events, on first use). */
export function mediaTrackerFor(api: HangarApi): MediaTracker {
  let t = trackers.get(api);
  if (!t) {
    t = new MediaTracker(api);
    trackers.set(api, t);
  }
  return t;
}

/** A VM's drives as the last `vm.media` events left them (empty map: no event yet). */
export function useVmMedia(api: HangarApi, vmId: string): VmMedia {
  const tracker = mediaTrackerFor(api);
  const get = () => tracker.get(vmId);
  return useSyncExternalStore(tracker.subscribe, get, get);
}

export const isoFileName = (p: string): string => p.split(/[\\/]/).pop() ?? p;
