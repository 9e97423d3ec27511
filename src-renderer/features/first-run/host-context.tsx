import { createContext, useContext, type ReactNode } from 'react';
import type { HostSummary } from '../../../src-shared/contract/index.js';

const HostContext = createContext<HostSummary | null>(null);

/** The host summary the first-run gate read (null until it has one, or outside the gate). */
export function HostProvider({ host, children }: { host: HostSummary | null; children: ReactNode }) {
  return <HostContext.Provider value={host}>{children}</HostContext.Provider>;
}

export function useHostSummary(): HostSummary | null {
  return useContext(HostContext);
}
