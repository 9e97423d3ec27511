import { parseKeyCombo, textToKeySequence } from '../qmp/qmp-keys.js';
import type { QmpCommands } from '../qmp/qmp-commands.js';
import type { QKeyCode } from '../qmp/qcodes.js';

/** Keyboard input through QMP `send-key`: combos (ctrl-alt-delete) and text typed as key presses. */
export const keyHelpers = {
  comboToQcodes(combo: string): QKeyCode[] {
    return [...parseKeyCombo(combo)];
  },
  async typeText(qmp: QmpCommands, text: string): Promise<number> {
    // Validates the whole text before sending anything, so a bad character types nothing.
    const chords = textToKeySequence(text);
    for (const chord of chords) {
      await qmp.execute('send-key', { keys: chord.map((data) => ({ type: 'qcode', data })) });
    }
    return chords.length;
  },
};
