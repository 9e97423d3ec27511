// The renderer's origin. Pure (no electron) so the checks can be unit-tested.
export const APP_SCHEME = 'app';
export const APP_HOST = 'hangar';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/**
 * True when `url` belongs to our app:// origin. Compares scheme and host explicitly: Node's WHATWG URL
 * reports origin "null" for non-special schemes such as app:, so `origin ===` comparisons don't work.
 */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}
