import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { optionString, type OptionEntry } from './option-string.js';
import { sharesNeedSpawn } from './argv-shares.js';

/**
 * QEMU's seccomp filter (`-sandbox on`): a compromised QEMU, or a command line that asks for it
 * (`-incoming exec:…`, QMP `migrate exec:…`), cannot start programs, change its user or group ids,
 * use obsolete system calls or change CPU affinity/priority. A denied call kills QEMU with SIGSYS.
 *
 * What each feature needs, checked against QEMU 7.2 (test/integration/qemu):
 * - TCG (thread=multi), KVM, OVMF pflash, qcow2 blockdevs, VNC/QMP/serial unix sockets, the qemu-vdagent
 *   clipboard chardev, the `none` audio backend, internal snapshots, screendump: nothing denied is used.
 * - TPM: swtpm is started by the engine before QEMU; QEMU only connects to its socket.
 * - Reattach: the filter stays on the running QEMU; the engine only reconnects to QMP.
 * - Bridged networking (`-netdev bridge`) forks and runs the setuid qemu-bridge-helper. `-sandbox on` in any
 *   form sets no_new_privs on QEMU (libseccomp's default), so the helper would run without its setuid
 *   privileges and could not create the tap device (measured: NoNewPrivs 1 with `spawn=allow,
 *   elevateprivileges=allow` too). A bridged VM therefore runs without the filter; the fix would be the
 *   engine running the helper and handing QEMU the tap fd.
 * - An SMB shared folder (Windows guests, `-netdev user,smb=`): QEMU forks and runs samba's smbd when the guest
 *   first connects, so such a VM keeps the filter with `spawn=allow` (the other denials stay).
 */
export function sandboxArgs(vm: VmDocument): string[] {
  if (vm.network.mode === 'bridge') return [];
  const deny: OptionEntry[] = [
    ['obsolete', 'deny'],
    ['elevateprivileges', 'deny'],
    ['spawn', sharesNeedSpawn(vm) ? 'allow' : 'deny'],
    ['resourcecontrol', 'deny'],
  ];
  return ['-sandbox', optionString('on', deny)];
}
