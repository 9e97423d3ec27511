/**
 * QEMU 7.2's virtio-9p puts a migration blocker in place while the guest has a share mounted (v9fs_attach; removed
 * when the last fid is clunked at unmount), and snapshot-save is a migration to a file: a RAM snapshot or a saved
 * state of such a machine fails with "Migration is disabled when VirtFS export path '…' is mounted in the guest using
 * mount_tag '…'" (measured: test/integration/shares.test.ts), leaving the guest running. Unmounted shares block
 * nothing. Detaching a mounted share around the save is not safe (the guest's open files would vanish), so the save
 * is refused in words naming the share.
 */
const BLOCKER = /Migration is disabled when VirtFS export path '(.*)' is mounted in the guest using mount_tag '([^']*)'/;

/** The refusal for QEMU's 9p migration blocker, or null for any other failure. */
export function mountedShareWords(qemu: string): string | null {
  const m = BLOCKER.exec(qemu);
  if (!m) return null;
  const tag = m[2]!;
  return (
    `the guest has the shared folder "${tag}" (${m[1]}) mounted, and QEMU cannot save a machine's memory while a 9p share is mounted. ` +
    `Unmount the shared folders in the guest first (umount /mnt/${tag}, and any other share), or take a disk-only snapshot`
  );
}
