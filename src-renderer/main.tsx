import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createBridge, fileDialogs } from './bridge/create-bridge.js';
import { DisplayRoute } from './features/display/display-route.js';

const container = document.getElementById('root');
if (!container) throw new Error('#root missing from index.html');
const api = createBridge();
createRoot(container).render(
  <StrictMode>
    <DisplayRoute api={api}>
      <App api={api} dialogs={fileDialogs} />
    </DisplayRoute>
  </StrictMode>,
);
