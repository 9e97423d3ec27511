import { createBridge, fileDialogs } from './bridge/create-bridge.js';
import { displayRouteVm } from './features/display/display-model.js';
import { LibraryStore } from './state/library-store.js';

// First paint (issue 5): this entry is small and has no React. It opens the engine connection and asks for the
// library while the browser is still fetching and compiling React + MUI (mount-ui.tsx: its chunks are preloaded by
// index.html), so the list is usually in the store when the window first renders, and one render shows it.
const container = document.getElementById('root');
if (!container) throw new Error('#root missing from index.html');
const api = createBridge();
const store = new LibraryStore(api);
store.start();

/**
 * How long the window waits for a list that is on its way, once it could render. An empty window first would cost
 * a second full render when the list lands a moment later; a slow engine still gets a "Loading" window this soon.
 */
const LIST_GRACE_MS = 200;

function listOrGrace(): Promise<void> {
  if (displayRouteVm(window.location.hash) !== null) return Promise.resolve(); // a display page shows no list
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, LIST_GRACE_MS);
    void store.settled().then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

import('./mount-ui.js').then(
  async ({ mountUi }) => {
    await listOrGrace();
    mountUi(container, api, store, fileDialogs);
  },
  // E.g. the host went away between the page and its script: say so instead of a blank window.
  (err: unknown) => {
    container.textContent = `Hangar could not load its window (${(err as Error).message}). Reload the page to try again.`;
  },
);
