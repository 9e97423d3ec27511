import { lazy, Suspense } from 'react';
import type { HangarApi } from './bridge/hangar-api.js';
import type { FileDialogHost } from './bridge/file-dialog.js';
import { HangarRoot } from './hangar-root.js';
import type { LibraryStore } from './state/library-store.js';
import type { SavedConnection } from './state/boot-connections.js';

// Loaded after the first paint; it picks up a request made before it mounted (host.current()).
const FileBrowserDialog = lazy(() => import('./bridge/file-browser-dialog.js').then((m) => ({ default: m.FileBrowserDialog })));

/** The renderer's root: the library window, plus the in-app file browser where no native dialog exists. */
export function App({ api, dialogs, store, savedConnections }: { api: HangarApi; dialogs?: FileDialogHost; store?: LibraryStore; savedConnections?: ReadonlyArray<SavedConnection> | null }) {
  return (
    <HangarRoot api={api} store={store} savedConnections={savedConnections}>
      {dialogs && (
        <Suspense fallback={null}>
          <FileBrowserDialog api={api} host={dialogs} />
        </Suspense>
      )}
    </HangarRoot>
  );
}
