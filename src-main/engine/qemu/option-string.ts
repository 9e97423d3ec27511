/**
 * The one place that builds QEMU `key=value,...` option strings. QEMU's option parsers
 * (QemuOpts and keyval) treat `,` as a separator and `,,` as a literal comma, so every value
 * doubles its commas here; nothing else in argv may concatenate options by hand.
 */

export type OptionValue = string | number | boolean;
/** `undefined` entries are dropped, so optional settings can be written inline. */
export type OptionEntry = readonly [key: string, value: OptionValue | undefined];

export class OptionValueError extends Error {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
    this.name = 'OptionValueError';
  }
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Doubles commas; refuses characters QEMU's parsers cannot carry (a newline would also corrupt logs). */
export function escapeOptionValue(value: OptionValue, key = '(value)'): string {
  const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
  if (text.includes('\0')) throw new OptionValueError(`option "${key}" contains a NUL character`, key);
  if (/[\n\r]/.test(text)) throw new OptionValueError(`option "${key}" contains a line break`, key);
  return text.replaceAll(',', ',,');
}

/**
 * `optionString('virtio-blk-pci', [['id', 'disk0'], ['bootindex', 1]])` → `virtio-blk-pci,id=disk0,bootindex=1`.
 * The head (a driver name or an implied value like `unix:/path`) is escaped like a value; keys may repeat
 * (`hostfwd=` does), and booleans become `on`/`off`.
 */
export function optionString(head: OptionValue | null, entries: readonly OptionEntry[] = []): string {
  const parts: string[] = [];
  if (head !== null) {
    if (head === '') throw new OptionValueError('option head is empty', '(head)');
    parts.push(escapeOptionValue(head, '(head)'));
  }
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    if (!KEY.test(key)) throw new OptionValueError(`"${key}" is not a valid option key`, key);
    parts.push(`${key}=${escapeOptionValue(value, key)}`);
  }
  if (parts.length === 0) throw new OptionValueError('option string is empty', '(head)');
  return parts.join(',');
}
