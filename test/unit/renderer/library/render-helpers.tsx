import type { ReactElement } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ThemeProvider } from '@mui/material/styles';
import type { HangarApi } from '../../../../src-renderer/bridge/hangar-api.js';
import { ApiProvider } from '../../../../src-renderer/state/api-context.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { NotifierProvider } from '../../../../src-renderer/components/notifier.js';
import { hangarTheme } from '../../../../src-renderer/theme.js';

/**
 * jsdom has no layout: give every element a 600×320 box so the virtualized list renders a window of
 * rows (as a real 600 px list would), and a matchMedia for MUI's useMediaQuery.
 */
export function installLayoutStubs(): void {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 320 });
  if (!window.matchMedia) {
    window.matchMedia = ((query: string) => ({
      matches: false, media: query, onchange: null,
      addEventListener: () => undefined, removeEventListener: () => undefined,
      addListener: () => undefined, removeListener: () => undefined, dispatchEvent: () => false,
    })) as unknown as typeof window.matchMedia;
  }
}

/** Renders a component with what HangarRoot gives it: theme, API context, notifications. */
export function renderWithApi(element: ReactElement, api: HangarApi) {
  return render(
    <ThemeProvider theme={hangarTheme('light')}>
      <ApiProvider api={api}>
        <NotifierProvider>{element}</NotifierProvider>
      </ApiProvider>
    </ThemeProvider>,
  );
}

/** Renders the library window over `api` and waits for its list and first load. */
export async function renderLibrary(api: HangarApi) {
  const store = new LibraryStore(api);
  store.start();
  const user = userEvent.setup();
  renderWithApi(<LibraryWindow store={store} />, api);
  const list = await screen.findByRole('listbox', { name: 'Virtual machines' });
  await store.whenLoaded();
  return { store, user, list };
}
