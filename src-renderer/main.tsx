import { createBridge, fileDialogs } from './bridge/create-bridge.js';
import { displayRouteVm } from './features/display/display-model.js';
import { LibraryStore } from './state/library-store.js';
import { paintEarlyList } from './early-list.js';

// First paint (issues 5 and 20): this entry is small and has no React. It opens the engine connection and asks for
// the library first; meanwhile the browser fetches React + MUI (mount-ui.tsx: its chunks are preloaded by
// index.html). When the list arrives, its rows in view are written as plain DOM at once (early-list.ts), and only
// then is React evaluated: running that module code is one long task that would otherwise hold back the list's
// answer. The window's first render then shows the same rows and replaces the early ones in the same frame.
const container = document.getElementById('root');
if (!container) throw new Error('#root missing from index.html');
const api = createBridge();
const store = new LibraryStore(api);
store.start();

/**
 * How long the window waits for the library list before it loads React anyway (a slow or absent engine still gets
 * its "Loading" or connection state this soon). The list normally comes well within it.
 */
const LIST_WAIT_MS = 800;

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

within(displayPage ? Promise.resolve() : store.settled(), LIST_WAIT_MS)
  .then(async () => {
    const snapshot = store.getSnapshot();
    const early = !displayPage && snapshot.status === 'ready' ? paintEarlyList(container, snapshot.vms) : null;
    // Let that frame be painted before React's evaluation takes the main thread (rAF runs before the paint, a
    // task queued from it after).
    if (early) await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const { mountUi } = await import('./mount-ui.js');
    return { mountUi, early };
  })
  .then(
    ({ mountUi, early }) => mountUi(container, api, store, fileDialogs, early),
    // E.g. the host went away between the page and its script: say so instead of a blank window.
    (err: unknown) => {
      container.textContent = `Hangar could not load its window (${(err as Error).message}). Reload the page to try again.`;
    },
  );
