import { describe, expect, it } from 'vitest';
import { backgroundLibraryOf } from '../../../src-main/cli/background-main.js';
import { selfLaunchCommand } from '../../../src-main/cli/engine-launcher.js';
import { BACKGROUND_ENGINE_VERB } from '../../../src-main/engine/storage/engine-handover.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('the background engine entry (out/main/background.js)', () => {
  it('takes exactly the arguments the launcher passes (bin/hangar.js picks it by the same shape)', () => {
    const { args } = selfLaunchCommand('/home/u/My Library');
    // bin/hangar.js sees what follows the script: the launcher's tail.
    expect(backgroundLibraryOf(args.slice(-3))).toBe('/home/u/My Library');
    expect(backgroundLibraryOf(['--library', '/x', '__background-engine', 'extra'])).toBeNull();
    expect(backgroundLibraryOf(['__background-engine'])).toBeNull();
    expect(backgroundLibraryOf(['--library', '/x', 'start'])).toBeNull();
    // bin/hangar.js is plain JS outside the build: its own copy of the verb must stay the engine's.
    const shim = readFileSync(join(import.meta.dirname, '../../../bin/hangar.js'), 'utf8');
    expect(shim).toContain(`args[2] === '${BACKGROUND_ENGINE_VERB}'`);
  });
});
