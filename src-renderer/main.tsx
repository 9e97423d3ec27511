import { startTransition, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createBridge, fileDialogs } from './bridge/create-bridge.js';
import { DisplayRoute } from './features/display/display-route.js';
import { LibraryStore } from './state/library-store.js';

const container = document.getElementById('root');
if (!container) throw new Error('#root missing from index.html');
const api = createBridge();
// First paint (issue 5): the list is asked for as soon as the engine connection opens, and the first render is a
// transition (rendered in slices), so the connection's open event is not held back until the whole window rendered.
const store = new LibraryStore(api);
store.start();
const root = createRoot(container);
startTransition(() =>
  root.render(
    <StrictMode>
      <DisplayRoute api={api}>
        <App api={api} dialogs={fileDialogs} store={store} />
      </DisplayRoute>
    </StrictMode>,
  ),
);
