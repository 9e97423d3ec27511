import { useSyncExternalStore } from 'react';
import type { ConnectionsSnapshot, ConnectionsStore } from './connections-store.js';

/** The connections snapshot, re-rendering when it changes. */
export function useConnections(store: ConnectionsStore): ConnectionsSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
