import { useEffect, useState } from 'react';
import type { ClientPolicy } from '../../../src-shared/contract/index.js';
import { useApi } from '../../state/api-context.js';

/**
 * Whether this connection may change extra QEMU arguments: the browser host says so in `engine.hello` (read-only
 * unless `hangar serve --allow-extra-args`); editable until it has answered (the host refuses changes either way).
 */
export function useExtraArgsPolicy(): ClientPolicy['extraArgs'] {
  const api = useApi();
  const [policy, setPolicy] = useState<ClientPolicy['extraArgs']>({ editable: true });
  useEffect(() => {
    let alive = true;
    api.call('engine.hello', { client: 'hangar-settings' }).then(
      (r) => alive && r.policy && setPolicy(r.policy.extraArgs),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [api]);
  return policy;
}
