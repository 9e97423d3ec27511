import { createBridge, fileDialogs } from './bridge/create-bridge.js';
import { displayRouteVm } from './features/display/display-model.js';
import { LibraryStore } from './state/library-store.js';
import { askSavedConnections } from './state/boot-connections.js';
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

// The sidebar's libvirt connections sit above the list: the early list needs their number to put its rows where
// React will (their list is the stored names, answered as fast as the library's). A display page has no sidebar.
let savedConnections: Awaited<ReturnType<typeof askSavedConnections>> = null;
const connectionsAsked = displayPage ? Promise.resolve() : askSavedConnections(api).then((list) => void (savedConnections = list));

within(displayPage ? Promise.resolve() : Promise.all([store.settled(), connectionsAsked]).then(() => undefined), LIST_WAIT_MS)
  .then(async () => {
    const snapshot = store.getSnapshot();
    // Connections not known (not answered in time, or refused): no early list rather than one React would move.
    const conns = savedConnections;
    const early = !displayPage && snapshot.status === 'ready' && conns ? paintEarlyList(container, snapshot.vms, conns.length) : null;
    // Let that frame be painted before React's evaluation takes the main thread (rAF runs before the paint, a
    // task queued from it after).
    if (early) await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const { mountUi } = await import('./mount-ui.js');
    return { mountUi, early, conns };
  })
  .then(
    ({ mountUi, early, conns }) => mountUi(container, api, store, fileDialogs, { savedConnections: conns, early }),
    // E.g. the host went away between the page and its script: say so instead of a blank window.
    (err: unknown) => {
      container.textContent = `Hangar could not load its window (${(err as Error).message}). Reload the page to try again.`;
    },
  );
