import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import type { InstallPhase } from '../../../src-shared/contract/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { useApi } from '../../state/api-context.js';
import { useNotify, type NoticeSeverity } from '../../components/notifier.js';
import { describeError } from '../../state/errors.js';
import { canChangeMedia } from '../media/media-section.js';

export { installBadge } from './install-badge.js';

/** What the user is told when the engine finished an install (the engine's own message is kept as detail). */
export function installedText(name: string | null): string {
  return `Installation finished${name ? ` on "${name}"` : ''}: the installation medium was removed and the machine now boots from its disk.`;
}

/**
 * Tells the user when an install finishes (`vm.install` phase `installed`), for any machine, whether the
 * engine finished it (the installer powered off or rebooted) or someone else did by hand.
 */
export function useInstallNotifications(api: HangarApi, notify: (message: string, severity?: NoticeSeverity) => void): void {
  useEffect(() => {
    let alive = true;
    const off = api.onEvent((e) => {
      if (!('vmId' in e) || e.type !== 'vm.install') return;
      // The engine stopped calling it an install (the guest powered off having written nothing): say why.
      if (e.phase === 'none') {
        if (e.message) notify(e.message, 'info');
        return;
      }
      if (e.phase !== 'installed') return;
      const vmId = e.vmId;
      api.call('vm.get', { vm: vmId }).then(
        (r) => {
          if (alive) notify(installedText(r.doc.name), 'success');
        },
        () => {
          if (alive) notify(installedText(null), 'success');
        },
      );
    });
    return () => {
      alive = false;
      off();
    };
  }, [api, notify]);
}

/** Mounts the notifications (render once, e.g. in the details pane, which is always there). */
export function InstallNotifications() {
  useInstallNotifications(useApi(), useNotify());
  return null;
}

/**
 * The details pane's notice while a machine installs its OS: what Hangar will do, and "Remove installation
 * medium" (install.finish) to do it now by hand.
 */
export function InstallNotice({ vm }: { vm: { id: string; name: string; state: VmRunState; install?: InstallPhase } }) {
  const api = useApi();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  if (vm.install !== 'installing') return null;
  const transient = !canChangeMedia(vm.state);
  const finish = async () => {
    setBusy(true);
    try {
      await api.call('install.finish', { vm: vm.id });
    } catch (err) {
      notify(describeError(err, `remove the installation medium of "${vm.name}"`), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Alert
      severity="info"
      role="status"
      aria-label="Installation"
      sx={{ mb: 1.5 }}
      action={
        <Button color="inherit" size="small" disabled={busy || transient} onClick={() => void finish()}>
          Remove installation medium
        </Button>
      }
    >
      Installing an operating system from the CD. When the installer powers off or reboots, Hangar removes the
      installation medium and boots from the disk. If the installer has finished, remove the medium yourself.
    </Alert>
  );
}
