import { describe, expect, it } from 'vitest';
import { backgroundLibraryOf } from '../../../src-main/cli/background-main.js';
import { selfLaunchCommand } from '../../../src-main/cli/engine-launcher.js';

describe('the background engine entry (out/main/background.js)', () => {
  it('takes exactly the arguments the launcher passes (bin/hangar.js picks it by the same shape)', () => {
    const { args } = selfLaunchCommand('/home/u/My Library');
    // bin/hangar.js sees what follows the script: the launcher's tail.
    expect(backgroundLibraryOf(args.slice(-3))).toBe('/home/u/My Library');
    expect(backgroundLibraryOf(['--library', '/x', '__background-engine', 'extra'])).toBeNull();
    expect(backgroundLibraryOf(['__background-engine'])).toBeNull();
    expect(backgroundLibraryOf(['--library', '/x', 'start'])).toBeNull();
  });
});
