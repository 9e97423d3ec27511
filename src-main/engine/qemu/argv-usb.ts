import type { VmDocument, VmUsbImage, VmUsbRule } from '../../../src-shared/vm-document/index.js';
import { blockdevPair, chainNodes, resolveInBundle } from './argv-storage.js';
import type { ImageChain } from './argv-types.js';
import { optionString, type OptionEntry } from './option-string.js';

/** The xHCI controller's bus, which every USB device of a machine is plugged into. */
export const USB_BUS = 'xhci.0';

/** Does the machine get the xHCI controller (a USB pointer or keyboard, a stick or a host device rule)? */
export function hasUsbController(vm: Pick<VmDocument, 'input' | 'usb'>): boolean {
  return vm.input.pointer === 'usb-tablet' || vm.input.keyboard === 'usb-kbd' || vm.usb.images.length > 0 || vm.usb.rules.length > 0;
}

/** The QEMU device id a host-device rule gets (`host-046d-c52b`, `host-port-1-2-3`): stable, so detach and events name it. */
export function hostDeviceId(rule: VmUsbRule): string {
  return 'port' in rule ? `host-port-${rule.port.replace(/\./g, '-')}` : `host-${rule.vendor}-${rule.product}`;
}

/**
 * usb-host's properties for a rule. vendor:product in QEMU's 0x form; a port as hostbus + hostport (QEMU
 * matches the port path after the bus, `2.3` of sysfs's `1-2.3`). QEMU keeps the device waiting until it
 * appears and attaches it when plugged (its libusb auto-check), so a rule needs no engine-side hotplug.
 */
export function usbHostProps(rule: VmUsbRule): OptionEntry[] {
  if ('port' in rule) {
    const [bus, port] = rule.port.split('-') as [string, string];
    return [['hostbus', Number(bus)], ['hostport', port]];
  }
  return [['vendorid', `0x${rule.vendor}`], ['productid', `0x${rule.product}`]];
}

/** The same as QMP `device_add` arguments: JSON numbers for the integer properties (QMP takes no "0x046d" strings there). */
export function usbHostDeviceAdd(rule: VmUsbRule): { driver: string; id: string; bus: string; [property: string]: string | number } {
  const out = { driver: 'usb-host', id: hostDeviceId(rule), bus: USB_BUS };
  if ('port' in rule) {
    const [bus, port] = rule.port.split('-') as [string, string];
    return { ...out, hostbus: Number(bus), hostport: port };
  }
  return { ...out, vendorid: parseInt(rule.vendor, 16), productid: parseInt(rule.product, 16) };
}

/** A stick's block nodes: its checked chain when the start checked one, else a plain file + format pair. */
export function usbImageNodes(image: VmUsbImage, bundleDir: string, chain: ImageChain | undefined): string[] {
  const opts = { readOnly: image.readOnly, discard: false };
  return chain ? chainNodes(image.id, chain, opts) : blockdevPair(image.id, resolveInBundle(bundleDir, image.path), image.format, opts);
}

/** usb-storage on the xHCI bus, `removable` so guests treat it as a stick they may eject. */
export function usbStorageDevice(image: Pick<VmUsbImage, 'id'>): string {
  return optionString('usb-storage', [['id', image.id], ['drive', image.id], ['bus', USB_BUS], ['removable', true]]);
}

/** USB sticks and host devices at start; the controller comes from inputArgs (hasUsbController). */
export function usbArgs(vm: VmDocument, bundleDir: string, chains: Readonly<Record<string, ImageChain>> = {}): string[] {
  const out: string[] = [];
  for (const image of vm.usb.images) out.push(...usbImageNodes(image, bundleDir, chains[image.id]), '-device', usbStorageDevice(image));
  for (const rule of vm.usb.rules) out.push('-device', optionString('usb-host', [['id', hostDeviceId(rule)], ['bus', USB_BUS], ...usbHostProps(rule)]));
  return out;
}
