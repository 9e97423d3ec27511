import { describe, expect, it } from 'vitest';
import { mountedShareWords } from '../../../../src-main/engine/shares/share-snapshots.js';

describe('mountedShareWords', () => {
  it('turns QEMU 7.2\'s 9p migration blocker into words naming the share, and leaves other errors alone', () => {
    const words = mountedShareWords("Migration is disabled when VirtFS export path '/home/ada/Projects' is mounted in the guest using mount_tag 'work'");
    expect(words).toMatch(/^the guest has the shared folder "work" \(\/home\/ada\/Projects\) mounted/);
    expect(words).toMatch(/umount \/mnt\/work/);
    expect(words).not.toMatch(/Migration|VirtFS/);
    expect(mountedShareWords('Device has no snapshot support')).toBeNull();
  });
});
