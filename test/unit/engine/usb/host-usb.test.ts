import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canReadWrite, listHostUsb, udevRuleFor, type HostUsbSources } from '../../../../src-main/engine/usb/host-usb.js';
import { loadUsbIds, parseUsbIds } from '../../../../src-main/engine/usb/usb-ids.js';

const FIXTURES = new URL('../../../fixtures/usb-sysfs/', import.meta.url).pathname;
const USER = { uid: 1000, gids: [1000] };

let dev: string;
/** A recorded /dev/bus/usb: plain files carry the modes (the owner and group are this process's; groupName names them). */
beforeAll(async () => {
  dev = await mkdtemp(join(tmpdir(), 'hangar-usb-dev-'));
  const node = async (rel: string, mode: number): Promise<void> => {
    await mkdir(join(dev, rel, '..'), { recursive: true });
    await writeFile(join(dev, rel), '');
    await chmod(join(dev, rel), mode);
  };
  await node('001/004', 0o664); // Debian's default: group rw for the node's group, world read-only
  await node('001/005', 0o666);
  await node('001/007', 0o600); // root only: needs a udev rule
  // 002/002 (the unknown device) has no node at all.
});
afterAll(() => rm(dev, { recursive: true, force: true }));

function sources(over: Partial<HostUsbSources> = {}): HostUsbSources {
  return {
    sysfsRoot: join(FIXTURES, 'laptop'),
    devRoot: dev,
    usbIdsPaths: [join(FIXTURES, 'usb.ids')],
    identity: USER,
    groupName: async () => 'plugdev',
    ...over,
  };
}

describe('host USB devices from a recorded sysfs tree', () => {
  it('lists whole devices by port (no root hubs, no interfaces) with usb.ids names and the device strings', async () => {
    const list = await listHostUsb(sources());
    expect(list.map((d) => d.port)).toEqual(['1-2', '1-3', '1-3.1', '2-1']);
    const [receiver, hub, stick, unknown] = list;
    expect(receiver).toMatchObject({
      busnum: 1, devnum: 4, vendor: '046d', product: 'c52b', manufacturer: 'Logitech', productName: 'USB Receiver',
      vendorDbName: 'Logitech, Inc.', productDbName: 'Unifying Receiver', label: 'Logitech, Inc. Unifying Receiver', isHub: false,
    });
    expect(hub).toMatchObject({ vendor: '05e3', product: '0608', isHub: true, label: 'Genesys Logic, Inc. Hub', manufacturer: null });
    // Leading spaces in a device's own strings are kept (they are what it says); trailing ones and newlines go.
    expect(stick).toMatchObject({ port: '1-3.1', manufacturer: ' SanDisk', productName: ' Cruzer Blade', label: 'SanDisk Corp. Cruzer Blade' });
    expect(unknown).toMatchObject({ vendor: '1234', product: 'abcd', vendorDbName: null, productDbName: null, label: 'USB device 1234:abcd' });
  });

  it('judges each node: group read-write → join the group; root only → the exact udev rule; no node → missing', async () => {
    const list = await listHostUsb(sources());
    const byPort = Object.fromEntries(list.map((d) => [d.port, d.access]));
    expect(byPort['1-2']).toMatchObject({ status: 'denied', devNode: join(dev, '001/004'), joinGroup: 'plugdev', mode: expect.stringMatching(/^-rw-rw-r-- \S+:plugdev$/) });
    expect(byPort['1-2']!.fix).toMatch(/read-write for the group plugdev only: add yourself to it \(sudo adduser \$USER plugdev\)/);
    expect(byPort['1-3']).toMatchObject({ status: 'ok' });
    expect(byPort['1-3.1']).toMatchObject({
      status: 'denied',
      udevRule: 'SUBSYSTEM=="usb", ATTR{idVendor}=="0781", ATTR{idProduct}=="5567", MODE="0660", GROUP="plugdev"',
    });
    expect(byPort['1-3.1']!.fix).toContain('/etc/udev/rules.d/70-hangar-usb.rules');
    expect(byPort['1-3.1']!.fix).toContain('udevadm trigger');
    expect(byPort['2-1']).toEqual({ status: 'missing', devNode: join(dev, '002/002') });
  });

  it('a user in the node\'s group (or root) may open a group read-write node', async () => {
    const gid = process.getgid!();
    const inGroup = await listHostUsb(sources({ identity: { uid: 1000, gids: [gid] } }));
    expect(inGroup.find((d) => d.port === '1-2')!.access.status).toBe('ok');
    expect(inGroup.find((d) => d.port === '1-3.1')!.access.status).toBe('denied');
    const root = await listHostUsb(sources({ identity: { uid: 0, gids: [0] } }));
    expect(root.filter((d) => d.access.status === 'denied')).toEqual([]);
  });

  it('canReadWrite follows owner, then group, then others', () => {
    expect(canReadWrite({ mode: 0o600, uid: 1000, gid: 0 }, USER)).toBe(true);
    expect(canReadWrite({ mode: 0o660, uid: 5, gid: 1000 }, USER)).toBe(true);
    // The owner class decides for the owner even when others may write (as the kernel does).
    expect(canReadWrite({ mode: 0o066, uid: 1000, gid: 5 }, USER)).toBe(false);
    expect(canReadWrite({ mode: 0o664, uid: 0, gid: 46 }, USER)).toBe(false);
  });

  it('a host without a USB bus (no sysfs folder) has no devices, and no usb.ids leaves the device strings', async () => {
    expect(await listHostUsb(sources({ sysfsRoot: join(FIXTURES, 'no-such-bus') }))).toEqual([]);
    const plain = await listHostUsb(sources({ usbIdsPaths: [join(FIXTURES, 'missing.ids')] }));
    expect(plain[0]).toMatchObject({ vendorDbName: null, label: 'Logitech USB Receiver' });
  });

  it('udevRuleFor writes the rule for exactly one vendor:product', () => {
    expect(udevRuleFor('046d', 'c52b')).toBe('SUBSYSTEM=="usb", ATTR{idVendor}=="046d", ATTR{idProduct}=="c52b", MODE="0660", GROUP="plugdev"');
  });
});

describe('usb.ids', () => {
  it('reads vendors and products, skips interface lines and stops at the class tables', () => {
    const db = parseUsbIds('046d  Logitech, Inc.\n\tc52b  Unifying Receiver\n\t\t0000  iface\nC 09  Hub\n1234  not a vendor\n');
    expect(db.get('046d')?.products.get('c52b')).toBe('Unifying Receiver');
    expect(db.get('046d')?.products.size).toBe(1);
    expect(db.has('1234')).toBe(false);
  });

  it("Debian's database (the usb.ids package, scripts/setup.sh) names a root hub", async () => {
    const db = await loadUsbIds();
    expect(db, 'install usb.ids (npm run setup)').not.toBeNull();
    expect(db!.get('1d6b')?.name).toBe('Linux Foundation');
    expect(db!.get('1d6b')?.products.get('0002')).toBe('2.0 root hub');
  });
});
