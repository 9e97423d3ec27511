import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { shareMethodOf } from '../../../src-shared/shares/index.js';
import { optionString, type OptionEntry } from './option-string.js';

/**
 * Shared folders over virtio-9p (QEMU's own server; no host daemon): one `-fsdev local` + `virtio-9p-pci` per
 * share, the share's name as the guest's mount tag. `mapped-xattr` keeps the guest's owners, modes, symlinks and
 * device nodes in extended attributes, so what a guest creates is a plain owner-only file on the host (a guest
 * cannot plant a symlink or a setuid file the host user later trips on).
 */
export function shareDeviceArgs(vm: VmDocument): string[] {
  if (vm.shares.length === 0 || shareMethodOf(vm) !== '9p') return [];
  return vm.shares.flatMap((s, i) => [
    '-fsdev', optionString('local', [['id', `fsdev${i}`], ['path', s.path], ['security_model', 'mapped-xattr'], ['readonly', s.readOnly ? true : undefined]]),
    '-device', optionString('virtio-9p-pci', [['id', `share${i}`], ['fsdev', `fsdev${i}`], ['mount_tag', s.name]]),
  ]);
}

/** The user network's `smb=` option: QEMU starts samba's smbd on the one folder a Windows guest shares (share-guide.ts). */
export function smbNetdevOption(vm: VmDocument): OptionEntry[] {
  const first = vm.shares[0];
  if (first === undefined || shareMethodOf(vm) !== 'smb' || vm.network.mode !== 'user') return [];
  return [['smb', first.path]];
}

/** QEMU forks smbd for an SMB share, which `-sandbox spawn=deny` would kill it for (argv-sandbox.ts). */
export function sharesNeedSpawn(vm: VmDocument): boolean {
  return smbNetdevOption(vm).length > 0;
}
