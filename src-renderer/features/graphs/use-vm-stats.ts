import { useEffect, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { holdLease, type VisibilitySource } from '../../state/lease-subscription.js';
import { pushSample, type StatsSample } from './stats-model.js';

export type { VisibilitySource };

/**
 * The last minute of CPU and memory samples of one VM. Holds the engine's `vm.stats` subscription only
 * while mounted and the page is visible (the engine samples nothing otherwise), renewing it before its
 * lease lapses; unsubscribes when hidden and on unmount.
 */
export function useVmStats(api: HangarApi, vmId: string, visibility: VisibilitySource = document): StatsSample[] {
  const [samples, setSamples] = useState<StatsSample[]>([]);
  useEffect(() => {
    setSamples([]);
    const off = api.onEvent((e) => {
      if (e.type === 'vm.stats' && e.vmId === vmId) setSamples((s) => pushSample(s, { cpuPercent: e.cpuPercent, rssBytes: e.rssBytes, sampledAt: e.sampledAt }));
    });
    const release = holdLease(api, 'vm.stats', visibility);
    return () => {
      off();
      release();
    };
  }, [api, vmId, visibility]);
  return samples;
}
