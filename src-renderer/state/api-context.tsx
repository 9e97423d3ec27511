import { createContext, useContext, type ReactNode } from 'react';
import type { HangarApi } from '../bridge/hangar-api.js';

const ApiContext = createContext<HangarApi | null>(null);

/** Gives every component below it the one HangarApi (the bridge in the app, the fake in tests). */
export function ApiProvider({ api, children }: { api: HangarApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): HangarApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi() needs an <ApiProvider> above it');
  return api;
}
