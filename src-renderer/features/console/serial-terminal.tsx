import { useEffect, useRef } from 'react';
import Box from '@mui/material/Box';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { useApi } from '../../state/api-context.js';
import { SerialConsoleSession, type ConsoleStatus } from './console-model.js';

/**
 * xterm.js on a VM's serial console: the backlog from logs/serial.log, then live output; what is typed goes to
 * the guest. Loaded on demand (xterm is large): only the console dialog imports it.
 */
export function SerialTerminal({ vmId, onStatus }: { vmId: string; onStatus?: (s: ConsoleStatus) => void }) {
  const api = useApi();
  const hostRef = useRef<HTMLDivElement>(null);
  const statusRef = useRef(onStatus);
  statusRef.current = onStatus;

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const term = new Terminal({ cursorBlink: true, scrollback: 10_000, fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace', fontSize: 14 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // not laid out yet (hidden or zero-sized): the next resize fits it
      }
    };
    refit();
    const session = new SerialConsoleSession(api, vmId, term, (s) => {
      term.options.disableStdin = s.kind === 'read-only';
      statusRef.current?.(s);
    });
    const input = term.onData((d) => session.input(d));
    void session.start();
    const resize = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(refit);
    resize?.observe(host);
    term.focus();
    return () => {
      resize?.disconnect();
      input.dispose();
      session.dispose();
      term.dispose();
    };
  }, [api, vmId]);

  return <Box ref={hostRef} role="region" aria-label="Serial console" sx={{ height: '100%', minHeight: 240, bgcolor: '#000', p: 0.5, boxSizing: 'border-box' }} />;
}
