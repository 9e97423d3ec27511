import { lazy, Suspense, useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { HostSummary } from '../../../src-shared/contract/index.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { firstRunNeed } from './first-run-model.js';
import { HostProvider } from './host-context.js';

// Loaded only when needed: the gate itself (and its decision) stays in the main bundle.
const FirstRunScreen = lazy(() => import('./first-run-screen.js').then((m) => ({ default: m.FirstRunScreen })));

/**
 * Wraps the library window: asks `host.info` once the engine is connected, and shows the first-run screen
 * instead of its children while QEMU or the UEFI firmware is missing. "Check again" asks with
 * `refresh: true` (the engine probes anew). Until the first answer, and when the engine cannot be asked,
 * the children render (they show the connection state themselves).
 */
export function FirstRunGate({ children }: { children: ReactNode }) {
  const api = useApi();
  const [host, setHost] = useState<HostSummary | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [continued, setContinued] = useState(false);
  const generation = useRef(0);

  const check = useCallback(
    async (refresh: boolean) => {
      const gen = ++generation.current;
      setChecking(true);
      try {
        const h = await api.call('host.info', refresh ? { refresh: true } : {});
        if (gen !== generation.current) return;
        setHost(h);
        setError(null);
      } catch (err) {
        if (gen !== generation.current) return;
        setError(describeError(err, 'check this computer for QEMU'));
      } finally {
        if (gen === generation.current) setChecking(false);
      }
    },
    [api],
  );

  useEffect(() => {
    if (api.connection() === 'open') void check(false);
    const off = api.onConnectionChange((state) => {
      if (state === 'open') void check(false);
    });
    return () => {
      off();
      generation.current++;
    };
  }, [api, check]);

  const need = host ? firstRunNeed(host) : null;
  if (host && need && !(need.canContinue && continued)) {
    return (
      <Suspense fallback={null}>
        <FirstRunScreen host={host} checking={checking} error={error} onCheckAgain={() => void check(true)} onContinue={() => setContinued(true)} />
      </Suspense>
    );
  }
  return <HostProvider host={host}>{children}</HostProvider>;
}
