import { startTransition, StrictMode, useLayoutEffect, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import type { HangarApi } from './bridge/hangar-api.js';
import type { FileDialogHost } from './bridge/file-dialog.js';
import { DisplayRoute } from './features/display/display-route.js';
import type { LibraryStore } from './state/library-store.js';
import type { SavedConnection } from './state/boot-connections.js';

/** Removes the boot's early list (early-list.ts) in the commit that puts the window's own rows in: no frame between. */
function EarlyListHandover({ early, children }: { early: HTMLElement | null; children: ReactNode }) {
  useLayoutEffect(() => early?.remove(), [early]);
  return children;
}

/**
 * Renders the window (React + MUI: the `first-paint` chunk). main.tsx loads this after it has asked the engine
 * for the library, so the list is usually in the store before this first render and appears in it.
 */
export interface MountOptions {
  /** The boot's saved libvirt connections, so the first render has the sidebar's rows where the early list left room. */
  savedConnections?: ReadonlyArray<SavedConnection> | null;
  /** The boot's early list (early-list.ts), removed in the first commit. */
  early?: HTMLElement | null;
}

export function mountUi(container: HTMLElement, api: HangarApi, store: LibraryStore, dialogs: FileDialogHost, { savedConnections, early = null }: MountOptions = {}): void {
  const root = createRoot(container);
  const tree = (
    <StrictMode>
      <EarlyListHandover early={early}>
        <DisplayRoute api={api}>
          <App api={api} dialogs={dialogs} store={store} savedConnections={savedConnections} />
        </DisplayRoute>
      </EarlyListHandover>
    </StrictMode>
  );
  // With the list in hand, one synchronous render paints it. Without it, render in slices (a transition), so the
  // connection's events are not held back until the whole window has rendered.
  if (store.getSnapshot().status === 'ready') root.render(tree);
  else startTransition(() => root.render(tree));
}
