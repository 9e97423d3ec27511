import { describe, expect, it } from 'vitest';
import { audioHint } from '../../../../src-renderer/features/settings/audio-hint.js';

describe('the Display page\'s sound line', () => {
  it('names the host output when QEMU plays there', () => {
    expect(audioHint({ backend: 'pa', label: 'PulseAudio', missing: null, install: null })).toMatch(/^Plays on this computer through PulseAudio/);
  });

  it('says what is missing and what to install when the host has no output', () => {
    const hint = audioHint({ backend: 'none', label: 'no host output', missing: 'this QEMU has no PulseAudio or PipeWire driver', install: 'sudo apt install qemu-system-gui' });
    expect(hint).toBe('No sound on this computer: this QEMU has no PulseAudio or PipeWire driver. Install: sudo apt install qemu-system-gui. The display streams the sound to its page.');
    expect(audioHint({ backend: 'none', label: 'no host output', missing: 'no sound server (PulseAudio or PipeWire) is running for this user', install: null })).not.toMatch(/Install/);
  });

  it('says nothing without host facts (an older engine)', () => {
    expect(audioHint(undefined)).toBeUndefined();
  });
});
