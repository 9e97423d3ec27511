import { useEffect, useState } from 'react';
import type { HangarApi } from '../bridge/hangar-api.js';
import type { VmDocument } from '../../src-shared/vm-document/index.js';
import { describeError } from './errors.js';

export interface VmDetails {
  doc: VmDocument | null;
  bundleDir: string | null;
  error: string | null;
  loading: boolean;
}

/** The full document of one VM (for the details pane), refetched when the engine says it changed. */
export function useVmDetails(api: HangarApi, vmId: string | null): VmDetails {
  const [details, setDetails] = useState<VmDetails>({ doc: null, bundleDir: null, error: null, loading: vmId !== null });
  useEffect(() => {
    if (vmId === null) {
      setDetails({ doc: null, bundleDir: null, error: null, loading: false });
      return;
    }
    let alive = true;
    let request = 0;
    const fetch = () => {
      const mine = ++request;
      api.call('vm.get', { vm: vmId }).then(
        (r) => {
          if (alive && mine === request) setDetails({ doc: r.doc, bundleDir: r.bundleDir, error: null, loading: false });
        },
        (err: unknown) => {
          if (alive && mine === request) setDetails({ doc: null, bundleDir: null, error: describeError(err, 'read this machine'), loading: false });
        },
      );
    };
    setDetails((d) => ({ ...d, loading: true }));
    fetch();
    const off = api.onEvent((e) => {
      if ('vmId' in e && e.vmId === vmId && e.type === 'vm.changed') fetch();
    });
    return () => {
      alive = false;
      off();
    };
  }, [api, vmId]);
  return details;
}
