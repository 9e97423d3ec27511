// `hangar set VM display=…`: the display device ("virtio" lets the guest follow the window), as the settings dialog's
// Display page sets it; a device that does not exist is refused naming the choices.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-shared/contract/index.js';
import { planSettings } from '../../../src-main/cli/set-keys.js';
import { sampleDocument } from '../shared/sample-document.js';

describe('hangar set display=', () => {
  it('switches the display device; the patch is the display section', () => {
    const doc = sampleDocument({ display: { device: 'std' } });
    expect(planSettings(doc, ['display=virtio'], '/').patch).toEqual({ display: { device: 'virtio' } });
    expect(planSettings(doc, ['display.device=virtio'], '/').patch).toEqual({ display: { device: 'virtio' } });
  });

  it('refuses an unknown device, listing the valid ones', () => {
    let error: unknown;
    try {
      planSettings(sampleDocument(), ['display=virtio-gpu'], '/');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).message).toBe('display: must be one of std, virtio, qxl, cirrus, ramfb, none (got "virtio-gpu")');
  });
});
