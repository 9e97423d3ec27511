/**
 * Copies text to the clipboard: the async Clipboard API where the page may use it, else a hidden textarea and
 * execCommand('copy') (insecure origins, e.g. `hangar serve --allow-remote` behind a proxy, have no
 * navigator.clipboard). Resolves false when neither worked; the caller then asks for Ctrl+C.
 */
export async function copyText(text: string, doc: Document = document): Promise<boolean> {
  const nav = doc.defaultView?.navigator;
  try {
    if (nav?.clipboard?.writeText) {
      await nav.clipboard.writeText(text);
      return true;
    }
  } catch {
    // denied (no user gesture, no permission): try the old way
  }
  const area = doc.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  doc.body.appendChild(area);
  try {
    area.select();
    return typeof doc.execCommand === 'function' && doc.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
