import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Snackbar from '@mui/material/Snackbar';

export type NoticeSeverity = 'success' | 'info' | 'warning' | 'error';

interface Notice {
  id: number;
  message: string;
  severity: NoticeSeverity;
}

interface Notifier {
  notify(message: string, severity?: NoticeSeverity): void;
}

const NotifierContext = createContext<Notifier>({ notify: () => undefined });

/** Short messages at the bottom of the window; errors stay until dismissed, others fade. */
export function NotifierProvider({ children }: { children: ReactNode }) {
  const [queue, setQueue] = useState<ReadonlyArray<Notice>>([]);
  const notify = useCallback((message: string, severity: NoticeSeverity = 'info') => {
    setQueue((q) => [...q, { id: Date.now() + Math.random(), message, severity }]);
  }, []);
  const value = useMemo(() => ({ notify }), [notify]);
  const current = queue[0];
  // Mounted from the first notice on (then each closes with its transition): not part of the first paint.
  const [used, setUsed] = useState(false);
  if (current !== undefined && !used) setUsed(true);
  const dismiss = () => setQueue((q) => q.slice(1));
  return (
    <NotifierContext.Provider value={value}>
      {children}
      {used && (
        <Snackbar
          key={current?.id}
          open={current !== undefined}
          autoHideDuration={current?.severity === 'error' ? null : 5000}
          onClose={(_e, reason) => {
            if (reason !== 'clickaway') dismiss();
          }}
          anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
        >
          {current ? (
            <Alert severity={current.severity} onClose={dismiss} variant="filled" sx={{ maxWidth: 640 }}>
              {current.message}
            </Alert>
          ) : undefined}
        </Snackbar>
      )}
    </NotifierContext.Provider>
  );
}

export function useNotify(): Notifier['notify'] {
  return useContext(NotifierContext).notify;
}
