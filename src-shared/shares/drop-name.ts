/** The largest file a drop copies into a guest: the agent moves it in base64 over a serial port (a few MB/s). */
export const MAX_DROP_BYTES = 1024 * 1024 * 1024;
/** Bytes per `file.drop.chunk` (base64 on the wire: a third more); the browser host sends them one at a time. */
export const DROP_CHUNK_BYTES = 256 * 1024;

/**
 * Characters a guest file name never gets: path separators of both systems, control characters and the
 * bidirectional overrides that make a name read differently, and what Windows refuses in names.
 */
const UNSAFE = /[/\\\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]/g;

/**
 * The name a dropped file gets in the guest: only its last part, unsafe characters as "_", no leading dots (no
 * hidden file, no `..`), at most 200 UTF-16 units (keeping the extension). Null when nothing usable is left.
 */
export function sanitizeDropName(name: string): string | null {
  const last = name.split(/[/\\]/).pop() ?? '';
  let clean = last.replace(UNSAFE, '_').replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (clean.length > 200) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = clean.slice(0, 200 - ext.length) + ext;
  }
  return clean === '' || /^_+$/.test(clean) ? null : clean;
}
