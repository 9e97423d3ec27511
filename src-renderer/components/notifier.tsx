import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Portal from '@mui/material/Portal';
import Snackbar from '@mui/material/Snackbar';
import Typography from '@mui/material/Typography';

export type NoticeSeverity = 'success' | 'info' | 'warning' | 'error';

export interface Notice {
  id: number;
  message: string;
  severity: NoticeSeverity;
}

interface Notifier {
  notify(message: string, severity?: NoticeSeverity): void;
}

const NotifierContext = createContext<Notifier>({ notify: () => undefined });
/** The window's own notifier, never a dialog's scope: for notices that outlive the dialog that raised them. */
const WindowNotifierContext = createContext<Notifier>({ notify: () => undefined });

/**
 * Where the snackbar must live to be heard: an open MUI modal marks every other child of <body> (the app's
 * root included) aria-hidden, and its dialog is aria-modal, so a notice outside the dialog element is never
 * announced. This finds the topmost modal that is not hidden itself and, in it, the dialog element (inside its
 * focus trap, so the notice's Close button is reached with Tab); null when no modal is open.
 */
export function topModalContainer(doc: Document = document): HTMLElement | null {
  const modals = [...doc.body.children].filter(
    (el): el is HTMLElement => el instanceof HTMLElement && el.classList.contains('MuiModal-root') && el.getAttribute('aria-hidden') !== 'true',
  );
  const top = modals[modals.length - 1];
  if (!top) return null;
  return top.querySelector<HTMLElement>('[role="dialog"], [role="alertdialog"]') ?? top;
}

/** topModalContainer(), kept current as modals open, close and hide one another. */
function useTopModalContainer(): HTMLElement | null {
  const [container, setContainer] = useState<HTMLElement | null>(() => (typeof document === 'undefined' ? null : topModalContainer()));
  useEffect(() => {
    const update = () => setContainer(topModalContainer());
    update();
    const observer = new MutationObserver((records) => {
      // Only <body>'s own children matter: modals mounting/unmounting, or being hidden by a newer one.
      if (records.some((r) => r.type === 'childList' ? r.target === document.body : (r.target as Element).parentElement === document.body)) update();
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-hidden'] });
    return () => observer.disconnect();
  }, []);
  return container;
}

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
    <WindowNotifierContext.Provider value={value}>
      <NotifierContext.Provider value={value}>
        {children}
        {used && <NoticeSnackbar current={current} dismiss={dismiss} />}
      </NotifierContext.Provider>
    </WindowNotifierContext.Provider>
  );
}

function NoticeSnackbar({ current, dismiss }: { current: Notice | undefined; dismiss: () => void }) {
  const container = useTopModalContainer();
  return (
    <Portal container={container} disablePortal={container === null}>
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
          // role="alert" (MUI's default): the snackbar is mounted with its text, and only an alert is read on insertion.
          <Alert severity={current.severity} onClose={dismiss} variant="filled" sx={{ maxWidth: 640 }}>
            {current.message}
          </Alert>
        ) : undefined}
      </Snackbar>
    </Portal>
  );
}

/** The notifier of the nearest dialog scope (its status line), else the window's. */
export function useNotify(): Notifier['notify'] {
  return useContext(NotifierContext).notify;
}

/** The window's notifier, for a notice that must outlive the dialog raising it (e.g. after OK closes it). */
export function useWindowNotify(): Notifier['notify'] {
  return useContext(WindowNotifierContext).notify;
}

/**
 * A dialog's own notices: results (success, info) go to the dialog's status line, announced where the user is;
 * errors and warnings to the window's snackbar, which shows them in the topmost modal (a dialog opened over
 * this one included), so they are never hidden behind it. `useNotify()` below `<NoticeScope>` does the same.
 */
export function useDialogNotices(): { notice: Notice | null; notify: Notifier['notify']; clear: () => void } {
  const [notice, setNotice] = useState<Notice | null>(null);
  const windowNotify = useWindowNotify();
  const notify = useCallback((message: string, severity: NoticeSeverity = 'info') => {
    if (severity === 'error' || severity === 'warning') windowNotify(message, severity);
    else setNotice({ id: Date.now() + Math.random(), message, severity });
  }, [windowNotify]);
  const clear = useCallback(() => setNotice(null), []);
  return { notice, notify, clear };
}

export function NoticeScope({ notify, children }: { notify: Notifier['notify']; children: ReactNode }) {
  const value = useMemo(() => ({ notify }), [notify]);
  return <NotifierContext.Provider value={value}>{children}</NotifierContext.Provider>;
}

/**
 * A dialog's status line: always in the DOM (a live region must exist before its text changes to be read),
 * `role="status"` for progress and results; an error shows as an alert with its own Close.
 */
export function DialogStatusLine({ text, notice, onDismiss }: { text?: string | null; notice: Notice | null; onDismiss: () => void }) {
  const error = notice && (notice.severity === 'error' || notice.severity === 'warning') ? notice : null;
  const line = text ?? (notice && !error ? notice.message : '');
  return (
    <>
      <Typography variant="caption" color="text.secondary" role="status" aria-live="polite" sx={{ display: 'block', minHeight: 20 }}>
        {line}
      </Typography>
      {error && (
        <Alert key={error.id} severity={error.severity} role="alert" onClose={onDismiss} sx={{ mb: 1 }}>
          {error.message}
        </Alert>
      )}
    </>
  );
}
