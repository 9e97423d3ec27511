import { parseKeyCombo, textToKeySequence } from '../qmp/qmp-keys.js';
import type { QmpLink } from './qmp-link.js';

/** Keyboard input through QMP `send-key`: combos (ctrl-alt-delete) and text typed as key presses. */
export const keyHelpers = {
  comboToQcodes(combo: string): string[] {
    return [...parseKeyCombo(combo)];
  },
  async typeText(qmp: QmpLink, text: string): Promise<number> {
    // Validates the whole text before sending anything, so a bad character types nothing.
    const chords = textToKeySequence(text);
    for (const chord of chords) {
      await qmp.execute('send-key', { keys: chord.map((data) => ({ type: 'qcode', data })) });
    }
    return chords.length;
  },
};
