// Which presets get virtio-vga (the guest can follow the window: Linux's virtio_gpu) and which keep standard VGA.
import { describe, expect, it } from 'vitest';
import { OS_CATALOG, familyRecommendation, findCatalogEntry } from '../../../../src-shared/os-catalog/index.js';

describe('display presets', () => {
  it('every x86 Linux preset (server and desktop) and the Linux family default get virtio', () => {
    expect(findCatalogEntry('debian12')?.recommended.display).toBe('virtio');
    expect(familyRecommendation('linux').display).toBe('virtio');
    for (const e of OS_CATALOG.filter((x) => x.family === 'linux' && !x.arch)) expect(e.recommended.display, e.id).toBe('virtio');
  });

  it('Windows (no virtio-gpu driver in Microsoft\'s installer), the BSDs and unknown OSes keep standard VGA', () => {
    for (const e of OS_CATALOG.filter((x) => x.family !== 'linux')) expect(e.recommended.display, e.id).toBe('std');
    for (const f of ['windows', 'bsd', 'other'] as const) expect(familyRecommendation(f).display, f).toBe('std');
  });
});
