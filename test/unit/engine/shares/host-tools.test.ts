import { describe, expect, it } from 'vitest';
import { findVirtiofsd, hasSmbd, SMBD_PATH } from '../../../../src-main/engine/shares/host-tools.js';

describe('host tools for shares', () => {
  it('finds virtiofsd in Debian\'s qemu folder, the libexec folder or PATH, and says null when there is none (Debian 12 without it)', async () => {
    const only = (p: string) => async (q: string) => q === p;
    expect(await findVirtiofsd(only('/usr/lib/qemu/virtiofsd'), '/usr/bin')).toBe('/usr/lib/qemu/virtiofsd');
    expect(await findVirtiofsd(only('/usr/libexec/virtiofsd'), '/usr/bin')).toBe('/usr/libexec/virtiofsd');
    expect(await findVirtiofsd(only('/opt/bin/virtiofsd'), '/usr/bin:/opt/bin')).toBe('/opt/bin/virtiofsd');
    expect(await findVirtiofsd(async () => false, '/usr/bin:/bin')).toBeNull();
  });

  it('smbd: the path QEMU runs, present or not', async () => {
    expect(await hasSmbd(async (p) => p === SMBD_PATH)).toBe(true);
    expect(await hasSmbd(async () => false)).toBe(false);
  });
});
