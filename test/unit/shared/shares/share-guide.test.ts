import { describe, expect, it } from 'vitest';
import { guestFstabLine, guestShareCommand, shareMethodOf, shareMethodProblem } from '../../../../src-shared/shares/index.js';

const user = { mode: 'user' as const, model: 'e1000e' as const, mac: '52:54:00:12:34:56', forwards: [] };
const share = (name: string, readOnly = false) => ({ name, path: `/home/ada/${name}`, readOnly });

describe('share guide', () => {
  it('picks the method from the OS preset: Windows SMB, Linux, BSD and unknown systems 9p', () => {
    expect(shareMethodOf({ osId: 'win11' })).toBe('smb');
    expect(shareMethodOf({ osId: 'debian12' })).toBe('9p');
    expect(shareMethodOf({ osId: 'generic' })).toBe('9p');
    expect(shareMethodOf({ osId: 'not-in-catalog' })).toBe('9p');
  });

  it('tells the exact command inside the guest', () => {
    expect(guestShareCommand('9p', share('work'))).toBe('sudo mkdir -p /mnt/work && sudo mount -t 9p -o trans=virtio,version=9p2000.L work /mnt/work');
    expect(guestShareCommand('9p', share('docs', true))).toBe('sudo mkdir -p /mnt/docs && sudo mount -t 9p -o trans=virtio,version=9p2000.L,ro docs /mnt/docs');
    expect(guestShareCommand('smb', share('work'))).toBe('net use Z: \\\\10.0.2.4\\qemu');
    expect(guestFstabLine(share('work'))).toBe('work /mnt/work 9p trans=virtio,version=9p2000.L,nofail 0 0');
  });

  it('SMB: one writable share on user networking; 9p has no such limits', () => {
    expect(shareMethodProblem({ osId: 'win11', network: user, shares: [share('a')] })).toBeNull();
    expect(shareMethodProblem({ osId: 'win11', network: user, shares: [share('a'), share('b')] })).toMatch(/shares one folder per machine/);
    expect(shareMethodProblem({ osId: 'win11', network: user, shares: [share('a', true)] })).toMatch(/cannot share a folder read-only \("a"\)/);
    expect(shareMethodProblem({ osId: 'win11', network: { mode: 'none' }, shares: [share('a')] })).toMatch(/through user networking/);
    expect(shareMethodProblem({ osId: 'debian12', network: { mode: 'none' }, shares: [share('a'), share('b', true)] })).toBeNull();
  });
});
