/** Can this user open a host USB device's node (/dev/bus/usb/BBB/DDD), and if not, what fixes it. */
export interface UsbAccess {
  /** `ok`: read-write for this user; `denied`: the node's owner, group and mode keep this user out; `missing`: no node. */
  status: 'ok' | 'denied' | 'missing';
  devNode: string;
  /** e.g. `crw-rw-r-- root:plugdev` (absent when missing). */
  mode?: string;
  /** When denied: the group that has read-write access and that this user is not in (joining it is the fix). */
  joinGroup?: string;
  /** When denied: the udev rule that gives the device to the plugdev group, read-write. */
  udevRule?: string;
  /** When denied: the whole fix in words a person can follow. */
  fix?: string;
}

/** A device on the host's USB bus, from sysfs (/sys/bus/usb/devices). Root hubs and interfaces are left out. */
export interface UsbHostDevice {
  /** sysfs name = physical port, `1-2.3` (bus 1, port 2, then port 3 of the hub there). */
  port: string;
  busnum: number;
  devnum: number;
  /** Four lowercase hex digits each. */
  vendor: string;
  product: string;
  /** The device's own strings (may be absent). */
  manufacturer: string | null;
  productName: string | null;
  /** From the usb.ids database (absent when it does not know the id or is not installed). */
  vendorDbName: string | null;
  productDbName: string | null;
  /** A name to show: the database's, else the device's own, else the ids. */
  label: string;
  /** bDeviceClass 09: a hub (passing one through takes everything behind it). */
  isHub: boolean;
  access: UsbAccess;
}

/** A USB device of a machine: a stick (a disk image) or a host device (a rule, or attached by hand while running). */
export interface UsbAttachment {
  /** The QEMU device id: `usb0` for sticks, `host-046d-c52b` / `host-port-1-2-3` for host devices. */
  id: string;
  kind: 'image' | 'host';
  /** Sticks: the image path; host devices: `046d:c52b` or `port 1-2.3`. */
  source: string;
  readOnly?: boolean;
  /** Kept in the document (a stick, a rule), so it is there at every start; false: attached only until the machine stops. */
  saved: boolean;
  /** Plugged into the running machine now. */
  live: boolean;
}
