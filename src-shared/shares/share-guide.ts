import type { VmDocument, VmShare } from '../vm-document/schema.js';
import { recommendationFor } from '../os-catalog/recommend.js';
import type { ShareMethod } from '../os-catalog/types.js';

/** QEMU's user-network SMB server: one share, always named `qemu`, at the 4th address of 10.0.2.0/24. */
export const SMB_GUEST_PATH = '\\\\10.0.2.4\\qemu';

/** How this machine's shares reach the guest: its OS preset's method (Windows: SMB; everything else: 9p). */
export function shareMethodOf(doc: Pick<VmDocument, 'osId'>): ShareMethod {
  return recommendationFor(doc.osId).shareMethod;
}

/** What to type inside the guest to reach one share, per method (the UI and `hangar info`/`share list` show it). */
export function guestShareCommand(method: ShareMethod, share: Pick<VmShare, 'name' | 'readOnly'>): string {
  if (method === 'smb') return `net use Z: ${SMB_GUEST_PATH}`;
  const opts = `trans=virtio,version=9p2000.L${share.readOnly ? ',ro' : ''}`;
  return `sudo mkdir -p /mnt/${share.name} && sudo mount -t 9p -o ${opts} ${share.name} /mnt/${share.name}`;
}

/** One line for /etc/fstab (9p only), so the share is mounted at every boot. */
export function guestFstabLine(share: Pick<VmShare, 'name' | 'readOnly'>): string {
  return `${share.name} /mnt/${share.name} 9p trans=virtio,version=9p2000.L,nofail${share.readOnly ? ',ro' : ''} 0 0`;
}

/**
 * What the document's shares cannot be with this method, or null: QEMU's SMB server exports exactly one folder
 * (`smb=` takes one path per user network) and always writable (its generated smb.conf says `read only=no`), and it
 * needs the user network.
 */
export function shareMethodProblem(doc: Pick<VmDocument, 'osId' | 'shares' | 'network'>): string | null {
  if (doc.shares.length === 0 || shareMethodOf(doc) !== 'smb') return null;
  if (doc.network.mode !== 'user') return 'Windows guests reach shared folders over SMB through user networking (NAT); this machine\'s network is not user networking';
  if (doc.shares.length > 1) return `QEMU's SMB server shares one folder per machine (${SMB_GUEST_PATH}); remove all but one shared folder, or share a folder that holds the others`;
  if (doc.shares[0]!.readOnly) return `QEMU's SMB server cannot share a folder read-only ("${doc.shares[0]!.name}"); make it read-write, or use a 9p guest`;
  return null;
}
