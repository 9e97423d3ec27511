import { createBridge, fileDialogs } from './bridge/create-bridge.js';
import { displayRouteVm } from './features/display/display-model.js';
import { LibraryStore } from './state/library-store.js';

// First paint (issue 5): this entry is small and has no React. It opens the engine connection and asks for the
// library first; meanwhile the browser fetches and compiles React + MUI (mount-ui.tsx: its chunks are preloaded by
// index.html). The window is rendered once the list is in the store, so one render shows it.
const container = document.getElementById('root');
if (!container) throw new Error('#root missing from index.html');
const api = createBridge();
const store = new LibraryStore(api);
store.start();

/**
 * How long the window waits for the engine connection before it loads React anyway. Running React's module code
 * is one long task: started first, it would hold back the connection's open event and so the request for the list.
 */
const CONNECT_WAIT_MS = 300;
/**
 * How long the window waits for a list that is on its way, once it could render. An empty window first would cost
 * a second full render when the list lands a moment later; a slow engine still gets a "Loading" window this soon.
 */
const LIST_GRACE_MS = 200;

/** `p`, or `ms` milliseconds, whichever comes first. */
function within(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// A display page (#/display/<vm>) shows no list: it renders at once.
const displayPage = displayRouteVm(window.location.hash) !== null;

within(displayPage ? Promise.resolve() : store.connectionSettled(), CONNECT_WAIT_MS)
  .then(() => import('./mount-ui.js'))
  .then(
    async ({ mountUi }) => {
      if (!displayPage) await within(store.settled(), LIST_GRACE_MS);
      mountUi(container, api, store, fileDialogs);
    },
    // E.g. the host went away between the page and its script: say so instead of a blank window.
    (err: unknown) => {
      container.textContent = `Hangar could not load its window (${(err as Error).message}). Reload the page to try again.`;
    },
  );
