import { setTimeout as delay } from 'node:timers/promises';
import { isQKeyCode, type QKeyCode } from './qcodes.js';
import type { QmpClient } from './qmp-client.js';
import { asCommands, type QmpCommands } from './qmp-commands.js';
import { QmpKeyError } from './qmp-errors.js';

/** A chord: keys pressed together, modifiers first (send-key presses in order and releases in reverse). */
export type KeyChord = ReadonlyArray<QKeyCode>;

/** Friendly names people type in combos, mapped to qcodes. Qcode names themselves are always accepted. */
const KEY_ALIASES: Readonly<Record<string, QKeyCode>> = {
  control: 'ctrl', ctl: 'ctrl', lctrl: 'ctrl', rctrl: 'ctrl_r',
  lalt: 'alt', ralt: 'alt_r', altgr: 'alt_r', option: 'alt',
  lshift: 'shift', rshift: 'shift_r',
  super: 'meta_l', win: 'meta_l', windows: 'meta_l', meta: 'meta_l', cmd: 'meta_l', command: 'meta_l',
  del: 'delete', ins: 'insert', escape: 'esc', enter: 'ret', return: 'ret', space: 'spc',
  bksp: 'backspace', pageup: 'pgup', pagedown: 'pgdn', capslock: 'caps_lock', numlock: 'num_lock',
  scrolllock: 'scroll_lock', prtsc: 'print', printscreen: 'print', break: 'pause',
};

/** US layout: characters typed without shift. */
const UNSHIFTED: Readonly<Record<string, QKeyCode>> = {
  '-': 'minus', '=': 'equal', '[': 'bracket_left', ']': 'bracket_right', ';': 'semicolon', "'": 'apostrophe',
  '`': 'grave_accent', '\\': 'backslash', ',': 'comma', '.': 'dot', '/': 'slash', ' ': 'spc', '\n': 'ret', '\t': 'tab',
};

/** US layout: characters typed with shift, by the key they sit on. */
const SHIFTED: Readonly<Record<string, QKeyCode>> = {
  '!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0',
  _: 'minus', '+': 'equal', '{': 'bracket_left', '}': 'bracket_right', ':': 'semicolon', '"': 'apostrophe',
  '~': 'grave_accent', '|': 'backslash', '<': 'comma', '>': 'dot', '?': 'slash',
};

/** One key name (qcode, alias, or a single character on the US layout) → qcode. */
export function parseKeyName(name: string): QKeyCode {
  const trimmed = name.trim();
  const lower = trimmed.toLowerCase();
  if (isQKeyCode(lower)) return lower;
  const alias = KEY_ALIASES[lower];
  if (alias) return alias;
  if (trimmed.length === 1) {
    const unshifted = UNSHIFTED[trimmed];
    if (unshifted) return unshifted;
  }
  throw new QmpKeyError(`unknown key "${name}"`);
}

/**
 * Parse a combo such as `ctrl-alt-delete`, `ctrl+alt+f1`, `alt-tab`, `sysrq` or `shift-a` into a chord.
 * Keys are separated by `-` or `+`; a `-` where a key name is expected is the minus key (`ctrl--`).
 */
export function parseKeyCombo(combo: string): KeyChord {
  const text = combo.trim();
  if (text === '') throw new QmpKeyError('empty key combo');
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const isSeparator = (ch === '-' || ch === '+') && current !== '';
    if (isSeparator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current === '') throw new QmpKeyError(`key combo "${combo}" ends with a separator`);
  parts.push(current);
  const chord = parts.map(parseKeyName);
  if (new Set(chord).size !== chord.length) throw new QmpKeyError(`key combo "${combo}" repeats a key`);
  return chord;
}

/** The chord that types one character on a US layout, or undefined if no key produces it. */
export function charToChord(ch: string): KeyChord | undefined {
  if (/^[a-z0-9]$/.test(ch)) return [ch as QKeyCode];
  if (/^[A-Z]$/.test(ch)) return ['shift', ch.toLowerCase() as QKeyCode];
  const unshifted = UNSHIFTED[ch];
  if (unshifted) return [unshifted];
  const shifted = SHIFTED[ch];
  if (shifted) return ['shift', shifted];
  return undefined;
}

/** Text → chords for a US-layout guest keyboard. `\r\n` and `\r` type Enter. Untypable characters throw. */
export function textToKeySequence(text: string): KeyChord[] {
  const chords: KeyChord[] = [];
  const chars = [...text]; // by code point, so an emoji is reported as one character
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i] as string;
    if (ch === '\r') {
      if (chars[i + 1] === '\n') i++;
      ch = '\n';
    }
    const chord = charToChord(ch);
    if (!chord) {
      const code = ch.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
      throw new QmpKeyError(`cannot type ${JSON.stringify(ch)} (U+${code}) at position ${i} on a US keyboard layout`);
    }
    chords.push(chord);
  }
  return chords;
}

export interface SendKeyOptions {
  /** How long QEMU holds the keys down (send-key `hold-time`, ms). */
  readonly holdTimeMs?: number;
  readonly timeoutMs?: number;
}

/** Press one chord, e.g. sendChord(client, parseKeyCombo('ctrl-alt-delete')). */
export async function sendChord(target: QmpClient | QmpCommands, chord: KeyChord, options: SendKeyOptions = {}): Promise<void> {
  await asCommands(target).execute(
    'send-key',
    {
      keys: chord.map((data) => ({ type: 'qcode' as const, data })),
      ...(options.holdTimeMs === undefined ? {} : { 'hold-time': options.holdTimeMs }),
    },
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
}

export function sendKeyCombo(target: QmpClient | QmpCommands, combo: string, options: SendKeyOptions = {}): Promise<void> {
  return sendChord(target, parseKeyCombo(combo), options);
}

export interface TypeTextOptions extends SendKeyOptions {
  /** Pause between characters, for guests that drop keys typed too fast. Default 0. */
  readonly delayMs?: number;
  readonly signal?: AbortSignal;
}

/** Type text into the guest, one send-key per character. The whole text is validated before anything is sent. */
export async function typeText(target: QmpClient | QmpCommands, text: string, options: TypeTextOptions = {}): Promise<void> {
  const chords = textToKeySequence(text);
  const { delayMs = 0, signal } = options;
  for (let i = 0; i < chords.length; i++) {
    signal?.throwIfAborted();
    if (i > 0 && delayMs > 0) await delay(delayMs, undefined, signal ? { signal } : {});
    await sendChord(target, chords[i] as KeyChord, options);
  }
}
