import { useEffect, useMemo, useState, type ReactNode } from 'react';
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import useMediaQuery from '@mui/material/useMediaQuery';
import type { HangarApi } from './bridge/hangar-api.js';
import type { AppPrefs } from '../src-shared/contract/index.js';
import { ApiProvider } from './state/api-context.js';
import { LibraryStore } from './state/library-store.js';
import type { SavedConnection } from './state/boot-connections.js';
import { NotifierProvider } from './components/notifier.js';
import { LibraryWindow } from './features/library/library-window.js';
import { FirstRunGate } from './features/first-run/first-run-gate.js';
import { hangarTheme, resolveThemeMode } from './theme.js';

/**
 * The renderer's root: theme (the pref, or the OS via prefers-color-scheme), the API context, the first-run
 * gate (QEMU or UEFI firmware missing), the library window and its dialogs. The host (App.tsx) mounts it with the bridge's HangarApi; `children` render inside
 * the theme and API context (e.g. the browser host's in-app file dialog).
 */
export function HangarRoot({ api, store: given, savedConnections, children }: { api: HangarApi; store?: LibraryStore; savedConnections?: ReadonlyArray<SavedConnection> | null; children?: ReactNode }) {
  const osDark = useMediaQuery('(prefers-color-scheme: dark)', { noSsr: true });
  const [themePref, setThemePref] = useState<AppPrefs['theme']>('system');
  useEffect(() => {
    let alive = true;
    api.app('prefs:get', undefined).then(
      (p) => alive && setThemePref(p.theme),
      () => undefined, // no prefs (e.g. a host without them): follow the OS
    );
    return () => {
      alive = false;
    };
  }, [api]);
  const theme = useMemo(() => hangarTheme(resolveThemeMode(themePref, osDark)), [themePref, osDark]);
  // main.tsx makes and starts the store before the first render, so `library.list` is asked for while it runs.
  const own = useMemo(() => (given ? null : new LibraryStore(api)), [api, given]);
  useEffect(() => own?.start(), [own]);
  const store = given ?? own!;
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <ApiProvider api={api}>
        <NotifierProvider>
          <FirstRunGate>
            <LibraryWindow store={store} savedConnections={savedConnections} />
          </FirstRunGate>
          {children}
        </NotifierProvider>
      </ApiProvider>
    </ThemeProvider>
  );
}
