import { readFile } from 'node:fs/promises';

/** Where Debian's packages put the usb.ids database (usb.ids: /usr/share/misc; hwdata: /usr/share/hwdata). */
export const USB_IDS_PATHS = ['/usr/share/misc/usb.ids', '/usr/share/hwdata/usb.ids', '/var/lib/usbutils/usb.ids'] as const;

/** vendor id → its name and its products' names (ids lowercase, as sysfs writes them). */
export type UsbIdsDb = ReadonlyMap<string, { name: string; products: ReadonlyMap<string, string> }>;

/**
 * Parses usb.ids: `vvvv  Vendor` lines with tab-indented `pppp  Product` lines below; interface lines (two tabs)
 * are skipped, and the vendor list ends where the class tables begin (`C 00  …`).
 */
export function parseUsbIds(text: string): UsbIdsDb {
  const db = new Map<string, { name: string; products: Map<string, string> }>();
  let vendor: { name: string; products: Map<string, string> } | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const v = /^([0-9a-fA-F]{4}) {2}(.+)$/.exec(line);
    if (v) {
      vendor = { name: v[2]!.trim(), products: new Map() };
      db.set(v[1]!.toLowerCase(), vendor);
      continue;
    }
    const p = /^\t([0-9a-fA-F]{4}) {2}(.+)$/.exec(line);
    if (p) {
      vendor?.products.set(p[1]!.toLowerCase(), p[2]!.trim());
      continue;
    }
    if (line.startsWith('\t')) continue;
    // Any other unindented line (`C 09  Hub`, `AT …`, `HID …`) starts the tables after the vendors.
    break;
  }
  return db;
}

const cache = new Map<string, Promise<UsbIdsDb | null>>();

/** The first usb.ids found (parsed once per path), or null when none is installed: names are then the device's own strings. */
export function loadUsbIds(paths: readonly string[] = USB_IDS_PATHS): Promise<UsbIdsDb | null> {
  const key = paths.join('\0');
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      for (const path of paths) {
        const text = await readFile(path, 'latin1').catch(() => null);
        if (text !== null) return parseUsbIds(text);
      }
      return null;
    })();
    cache.set(key, p);
  }
  return p;
}
