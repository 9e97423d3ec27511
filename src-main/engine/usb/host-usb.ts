import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { UsbAccess, UsbHostDevice } from '../../../src-shared/contract/usb.js';
import { loadUsbIds, USB_IDS_PATHS, type UsbIdsDb } from './usb-ids.js';

/** Where the host's USB devices are read from; injectable, since build machines have no USB bus (tests use recorded trees). */
export interface HostUsbSources {
  /** /sys/bus/usb/devices: one entry per device (`1-2.3`), root hub (`usb1`) and interface (`1-2.3:1.0`). */
  sysfsRoot: string;
  /** /dev/bus/usb: the device nodes QEMU's usb-host opens (`001/004`). */
  devRoot: string;
  usbIdsPaths: readonly string[];
  /** Whose access is judged: this process's user and groups. */
  identity: { uid: number; gids: readonly number[] };
  /** gid → group name (/etc/group). */
  groupName(gid: number): Promise<string>;
}

export const USB_PORT_NAME = /^[1-9][0-9]*-[0-9]+(\.[0-9]+)*$/;

/** The group Debian gives removable devices to; the udev rule hands the device to it. */
export const UDEV_GROUP = 'plugdev';

async function groupNameFromEtc(gid: number): Promise<string> {
  const text = await readFile('/etc/group', 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.split(':')[2] === String(gid));
  return line?.split(':')[0] || String(gid);
}

export function defaultUsbSources(env: NodeJS.ProcessEnv = process.env): HostUsbSources {
  return {
    // HANGAR_USB_SYSFS / HANGAR_USB_DEVROOT: recorded trees for tests and demos on machines without USB.
    sysfsRoot: env['HANGAR_USB_SYSFS'] || '/sys/bus/usb/devices',
    devRoot: env['HANGAR_USB_DEVROOT'] || '/dev/bus/usb',
    usbIdsPaths: env['HANGAR_USB_IDS'] ? [env['HANGAR_USB_IDS']] : USB_IDS_PATHS,
    identity: { uid: process.getuid?.() ?? 0, gids: process.getgroups?.() ?? [] },
    groupName: groupNameFromEtc,
  };
}

/** One sysfs attribute, trimmed; null when absent or unreadable (many devices have no product string). */
async function attr(dir: string, name: string): Promise<string | null> {
  const v = await readFile(join(dir, name), 'utf8').catch(() => null);
  return v === null ? null : v.replace(/\s+$/, '');
}

/** The exact udev rule that gives this vendor:product to plugdev, read-write (what QEMU's usb-host needs). */
export function udevRuleFor(vendor: string, product: string): string {
  return `SUBSYSTEM=="usb", ATTR{idVendor}=="${vendor}", ATTR{idProduct}=="${product}", MODE="0660", GROUP="${UDEV_GROUP}"`;
}

/** `crw-rw-r--` style permission bits. */
function modeString(mode: number): string {
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : '-';
  return s;
}

/** Read-write for `identity`, judged as the kernel would from owner, group and mode (root may open anything). */
export function canReadWrite(st: { mode: number; uid: number; gid: number }, identity: { uid: number; gids: readonly number[] }): boolean {
  if (identity.uid === 0) return true;
  if (st.uid === identity.uid) return (st.mode & 0o600) === 0o600;
  if (identity.gids.includes(st.gid)) return (st.mode & 0o060) === 0o060;
  return (st.mode & 0o006) === 0o006;
}

/** Whether the user can open the device's node, and the group to join or the udev rule to add when not. */
export async function usbAccess(dev: { busnum: number; devnum: number; vendor: string; product: string }, src: HostUsbSources): Promise<UsbAccess> {
  const rel = `${String(dev.busnum).padStart(3, '0')}/${String(dev.devnum).padStart(3, '0')}`;
  const devNode = join(src.devRoot, rel);
  const st = await stat(devNode).catch(() => null);
  if (!st) return { status: 'missing', devNode };
  const group = await src.groupName(st.gid);
  const owner = st.uid === 0 ? 'root' : String(st.uid);
  const mode = `${st.isCharacterDevice() ? 'c' : '-'}${modeString(st.mode)} ${owner}:${group}`;
  if (canReadWrite(st, src.identity)) return { status: 'ok', devNode, mode };
  const udevRule = udevRuleFor(dev.vendor, dev.product);
  // The node's group already has read-write: joining it is enough (no rule needed).
  if ((st.mode & 0o060) === 0o060 && group !== 'root') {
    return {
      status: 'denied', devNode, mode, joinGroup: group, udevRule,
      fix: `${devNode} is read-write for the group ${group} only: add yourself to it (sudo adduser $USER ${group}) and log in again`,
    };
  }
  return {
    status: 'denied', devNode, mode, joinGroup: UDEV_GROUP, udevRule,
    fix: `${devNode} (${mode}) is not read-write for you. Save this line as /etc/udev/rules.d/70-hangar-usb.rules: ${udevRule} ` +
      `then run sudo udevadm control --reload-rules && sudo udevadm trigger, add yourself to ${UDEV_GROUP} (sudo adduser $USER ${UDEV_GROUP}) and log in again`,
  };
}

function label(d: Pick<UsbHostDevice, 'vendor' | 'product' | 'manufacturer' | 'productName' | 'vendorDbName' | 'productDbName'>): string {
  const vendor = d.vendorDbName ?? d.manufacturer;
  const product = d.productDbName ?? d.productName;
  if (vendor && product) return `${vendor} ${product}`;
  return product ?? vendor ?? `USB device ${d.vendor}:${d.product}`;
}

/** One device directory, or null when it is not a whole device (a root hub, an interface, an entry without ids). */
async function readDevice(dir: string, port: string, ids: UsbIdsDb | null, src: HostUsbSources): Promise<UsbHostDevice | null> {
  const [vendor, product, busnum, devnum, manufacturer, productName, devClass] = await Promise.all(
    ['idVendor', 'idProduct', 'busnum', 'devnum', 'manufacturer', 'product', 'bDeviceClass'].map((n) => attr(dir, n)),
  );
  if (!vendor || !product || !/^[0-9a-f]{4}$/i.test(vendor) || !/^[0-9a-f]{4}$/i.test(product)) return null;
  const bus = Number(busnum);
  const num = Number(devnum);
  if (!Number.isInteger(bus) || !Number.isInteger(num) || bus < 1 || num < 1) return null;
  const v = vendor.toLowerCase();
  const p = product.toLowerCase();
  const entry = ids?.get(v);
  const partial = {
    port, busnum: bus, devnum: num, vendor: v, product: p,
    manufacturer: manufacturer || null, productName: productName || null,
    vendorDbName: entry?.name ?? null, productDbName: entry?.products.get(p) ?? null,
    isHub: devClass === '09',
  };
  return { ...partial, label: label(partial), access: await usbAccess(partial, src) };
}

/** The host's USB devices (not root hubs or interfaces), sorted by port. No USB bus (no sysfs folder): an empty list. */
export async function listHostUsb(src: HostUsbSources = defaultUsbSources()): Promise<UsbHostDevice[]> {
  const names = await readdir(src.sysfsRoot).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const ids = await loadUsbIds(src.usbIdsPaths);
  const devices = await Promise.all(names.filter((n) => USB_PORT_NAME.test(n)).map((n) => readDevice(join(src.sysfsRoot, n), n, ids, src)));
  const byPort = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
  return devices.filter((d): d is UsbHostDevice => d !== null).sort((a, b) => byPort(a.port, b.port));
}
