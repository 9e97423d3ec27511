import { describe, expect, it } from 'vitest';
import { defaultShareName, formatShares, shareInfoLines } from '../../../src-main/cli/share-verb.js';

describe('hangar share', () => {
  it('names a share after its folder in the schema\'s alphabet', () => {
    expect(defaultShareName('/home/ada/Projects')).toBe('Projects');
    expect(defaultShareName('/home/ada/My Photos, 2024/')).toBe('My-Photos-2024');
    expect(defaultShareName('/home/ada/.hidden')).toBe('hidden');
    expect(defaultShareName('/home/ada/✈✈')).toBe('share');
    expect(defaultShareName(`/x/${'a'.repeat(40)}`)).toHaveLength(31);
  });

  it('lists shares with the command to type inside the guest (hangar share list, hangar info)', () => {
    const doc = { osId: 'debian12', shares: [{ name: 'work', path: '/home/ada/work', readOnly: true }] };
    expect(formatShares(doc)).toBe('work  /home/ada/work  (read-only, 9p)\n  in the guest: sudo mkdir -p /mnt/work && sudo mount -t 9p -o trans=virtio,version=9p2000.L,ro work /mnt/work\n');
    expect(formatShares({ osId: 'debian12', shares: [] })).toBe('No shared folders.\n');
    expect(shareInfoLines({ osId: 'win11', shares: [{ name: 'w', path: '/home/ada/w', readOnly: false }] })).toEqual([['Share w', '/home/ada/w; in the guest: net use Z: \\\\10.0.2.4\\qemu']]);
  });
});
