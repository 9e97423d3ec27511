import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import Box from '@mui/material/Box';
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { ApiProvider } from '../../state/api-context.js';
import { hangarTheme } from '../../theme.js';
import { onConnection } from '../../state/scoped-api.js';
import { displayRouteHash, displayRouteTarget, displayRouteVm } from './display-model.js';

// Loaded on demand: the display view carries noVNC, which the library's first paint does not need.
const DisplayView = lazy(() => import('./display-view.js').then((m) => ({ default: m.DisplayView })));

/** The VM named by the `#/display/<vmId>` hash, following hash changes. */
export function useDisplayRoute(): string | null {
  const [vmId, setVmId] = useState(() => displayRouteVm(window.location.hash));
  useEffect(() => {
    const onChange = () => setVmId(displayRouteVm(window.location.hash));
    window.addEventListener('hashchange', onChange);
    onChange(); // a hash change between the first render and this subscription would be missed otherwise
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return vmId;
}

/** Shows a VM's display on its own page (a tab, or a window opened at that address); `connection` for a libvirt machine. */
export function openDisplayRoute(vmId: string, connection?: string): void {
  window.location.hash = displayRouteHash(vmId, connection);
}

/** The libvirt connection the display route names, if any (its page's calls then go to that connection). */
function useDisplayConnection(): string | undefined {
  const [connection, setConnection] = useState(() => displayRouteTarget(window.location.hash)?.connection);
  useEffect(() => {
    const onChange = () => setConnection(displayRouteTarget(window.location.hash)?.connection);
    window.addEventListener('hashchange', onChange);
    onChange();
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return connection;
}

/** Back to the library: drops the display hash. */
export function closeDisplayRoute(): void {
  history.replaceState(null, '', window.location.pathname + window.location.search);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/**
 * `#/display/<vmId>` shows that VM's display full-page; any other address shows `children` (the library).
 * "Close display" goes back to the library; the VM keeps running.
 */
export function DisplayRoute({ api, children }: { api: HangarApi; children: ReactNode }) {
  const vmId = useDisplayRoute();
  const connection = useDisplayConnection();
  const pageApi = useMemo(() => (connection === undefined ? api : onConnection(api, connection)), [api, connection]);
  if (!vmId) return <>{children}</>;
  return <DisplayPage api={pageApi} vmId={vmId} />;
}

/** The full-page display, in its own dark theme (made only here: the library's first paint does not build it). */
function DisplayPage({ api, vmId }: { api: HangarApi; vmId: string }) {
  const theme = useMemo(() => hangarTheme('dark'), []);
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <ApiProvider api={api}>
        <Box sx={{ height: '100vh' }}>
          <Suspense fallback={null}>
            <DisplayView key={vmId} vmId={vmId} onClose={closeDisplayRoute} />
          </Suspense>
        </Box>
      </ApiProvider>
    </ThemeProvider>
  );
}
