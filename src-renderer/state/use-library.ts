import { useSyncExternalStore } from 'react';
import type { LibrarySnapshot, LibraryStore } from './library-store.js';

/** The library snapshot, re-rendering when it changes (the store itself is plain TypeScript, loaded before React). */
export function useLibrary(store: LibraryStore): LibrarySnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
