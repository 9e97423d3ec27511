/** Folder names must stay well under every OS limit even with the id and suffix added. */
export const MAX_SLUG_LENGTH = 40;
export const BUNDLE_SUFFIX = '.hangar';
export const SHORT_ID_LENGTH = 8;

/** Latin letters NFKD does not decompose; everything else outside [a-z0-9] becomes a separator. */
const EXTRA_LATIN: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', þ: 'th', ı: 'i', ħ: 'h', ŋ: 'ng',
};

// Device names Windows reserves with or without an extension; a bare slug could be used on its own elsewhere.
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/;

/** A portable, lowercase `[a-z0-9-]` rendering of a display name; "vm" when nothing usable is left. */
export function slugify(name: string): string {
  let s = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  s = s.replace(/[^a-z0-9]/g, (ch) => EXTRA_LATIN[ch] ?? '-');
  s = s.replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (s.length > MAX_SLUG_LENGTH) s = s.slice(0, MAX_SLUG_LENGTH).replace(/-+$/, '');
  if (s === '') return 'vm';
  if (WINDOWS_RESERVED.test(s)) return `vm-${s}`;
  return s;
}

/** Hex digits of the id, lowercase, without dashes. */
export function idHex(id: string): string {
  const hex = id.toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{8,}$/.test(hex)) throw new Error(`not a VM id (expected a uuid): ${JSON.stringify(id)}`);
  return hex;
}

export function shortId(id: string): string {
  return idHex(id).slice(0, SHORT_ID_LENGTH);
}

/**
 * `<slug>-<first 8 hex of the id>.hangar`. Everything is lowercase, so names differing only in case
 * cannot collide on a case-insensitive file system; the id keeps them apart. `idLength` lets the store
 * use more of the id in the rare case two ids share their first 8 hex digits.
 */
export function bundleFolderName(name: string, id: string, idLength = SHORT_ID_LENGTH): string {
  return `${slugify(name)}-${idHex(id).slice(0, idLength)}${BUNDLE_SUFFIX}`;
}

export const SAFE_BUNDLE_FOLDER = /^[a-z0-9]+(-[a-z0-9]+)*-[0-9a-f]{8,32}\.hangar$/;
