import { useEffect, useState } from 'react';
import type { HangarApi } from '../bridge/hangar-api.js';
import type { GuestAgentInfo } from '../../src-shared/contract/index.js';

/** What the guest agent of one VM says: read with vm.get, then kept current by vm.guestAgent events. */
export function useGuestAgent(api: HangarApi, vmId: string | null): GuestAgentInfo | null {
  const [info, setInfo] = useState<GuestAgentInfo | null>(null);
  useEffect(() => {
    setInfo(null);
    if (vmId === null) return;
    let alive = true;
    let fromEvent = false;
    api.call('vm.get', { vm: vmId }).then(
      (r) => { if (alive && !fromEvent) setInfo(r.guestAgent ?? null); },
      () => undefined, // the details pane reports a machine it cannot read
    );
    const off = api.onEvent((e) => {
      if (!('vmId' in e) || e.vmId !== vmId || e.type !== 'vm.guestAgent') return;
      fromEvent = true;
      setInfo(e.info);
    });
    return () => {
      alive = false;
      off();
    };
  }, [api, vmId]);
  return info;
}
