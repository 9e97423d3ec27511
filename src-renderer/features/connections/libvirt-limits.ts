import type { LibraryVm } from '../../state/library-store.js';

/**
 * What the window cannot do for a machine on a libvirt connection, each with the reason its disabled control shows
 * (the engine refuses the same commands with `unsupported`: LIBVIRT_CANNOT in src-main/engine/libvirt/libvirt-backend.ts).
 */
export const LIBVIRT_LIMITS = {
  settings: 'libvirt keeps this machine\'s settings in its domain XML: change them with virsh edit',
  startDisposable: 'libvirt cannot start a machine without saving changes',
  saveState: 'Saving the machine state outside libvirt is not something Hangar does on a libvirt connection',
  discardState: 'libvirt machines have no Hangar saved state',
  addExisting: 'A Hangar machine folder goes to This computer: choose it in Connections first',
  importArchive: 'Importing an archive goes to This computer: choose it in Connections first',
  clone: 'Cloning a libvirt machine: use virt-clone on its host',
  export: 'Exporting a libvirt machine: virsh dumpxml and its disks (docs/libvirt.md)',
  tags: 'Tags are for Hangar\'s own machines',
  snapshotRename: 'libvirt cannot rename a snapshot',
} as const;

export type LibvirtLimit = keyof typeof LIBVIRT_LIMITS;

/** The reason a control is off for this selection because of libvirt, or null when it does not apply. */
export function libvirtReason(selected: ReadonlyArray<Pick<LibraryVm, 'connection'>>, limit: LibvirtLimit): string | null {
  return selected.some((vm) => vm.connection !== undefined) ? LIBVIRT_LIMITS[limit] : null;
}
