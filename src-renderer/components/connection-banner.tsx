import Alert from '@mui/material/Alert';
import type { ConnectionState } from '../state/library-store.js';

/** Shown above everything while the engine connection is not open. */
export function ConnectionBanner({ state }: { state: ConnectionState }) {
  if (state === 'open') return null;
  return state === 'connecting' ? (
    <Alert severity="info" square role="status" aria-label="Engine connection">
      Connecting to the Hangar engine… Machines keep running; the list updates once connected.
    </Alert>
  ) : (
    <Alert severity="warning" square role="alert" aria-label="Engine connection">
      Not connected to the Hangar engine. Running machines are not affected. Hangar reconnects on its own; if this stays,
      restart Hangar.
    </Alert>
  );
}
