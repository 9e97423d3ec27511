import { shareMethodOf } from '../../../src-shared/shares/share-guide.js';
import { posix } from 'node:path';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { ArgvError } from '../qemu/errors.js';
import { el, textEl, writeXml, XmlValueError, type XmlNode } from './xml-tree.js';

/** Marks domains Hangar wrote (its `<metadata>` element); a domain without it is "foreign": shown and run, settings read-only. */
export const HANGAR_XMLNS = 'https://hangar.invalid/xmlns/libvirt/1';

/** Where the domain's files are on the libvirt host (all absolute): the same role as `VmPaths` for `buildArgv`. */
export interface DomainPaths {
  /** Disk id → image path on the host (in the connection's storage pool, or as the document gave it when absolute). */
  disks: Readonly<Record<string, string>>;
  /** CD-ROM id → ISO path on the host, for drives whose document path is relative (absent: the document's path). */
  cdroms?: Readonly<Record<string, string>>;
  /** The serial console's log on the host: written even while no console client is connected (none: no log). */
  serialLog?: string;
  /**
   * The serial console's unix socket on the host (QEMU listens, `mode='bind'`): Hangar writes typed input there,
   * locally or through the connection's SSH forward. None: a pty (read-only for Hangar; `virsh console` needs a TTY).
   */
  serialSocket?: string;
  /** What the libvirt host's QEMU can do: KVM gives `type='kvm'`, else TCG (`type='qemu'`). */
  kvm: boolean;
}

/** Domain names: what libvirt and a shell-less argv take without surprises (no `/`, no leading `-`, no control characters). */
export function domainNameFor(vm: Pick<VmDocument, 'name' | 'id'>): string {
  const slug = vm.name.normalize('NFKD').replace(/[^A-Za-z0-9_.+-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 60);
  return slug && !/^\d+$/.test(slug) ? slug : `hangar-${vm.id.slice(0, 8)}`;
}

const NIC: Record<string, string> = { 'virtio-net-pci': 'virtio', e1000: 'e1000', e1000e: 'e1000e', rtl8139: 'rtl8139' };
const VIDEO: Record<string, string> = { std: 'vga', virtio: 'virtio', qxl: 'qxl', cirrus: 'cirrus', ramfb: 'ramfb', none: 'none' };

/** Hands out target names per bus in document order (disks, then CD-ROMs), as libvirt's controllers number them. */
class Targets {
  private readonly next: Record<string, number> = {};
  name(bus: string, field: string, machine: string): string {
    const prefix = bus === 'virtio' ? 'vd' : bus === 'ide' ? 'hd' : 'sd';
    if (bus === 'ide' && !/^pc($|-i440fx)/.test(machine)) throw new ArgvError(field, 'the ide bus needs an i440fx ("pc") machine; use sata on q35 and other machines');
    // sata and scsi share the sdX names in libvirt.
    const key = prefix;
    const n = (this.next[key] = (this.next[key] ?? -1) + 1);
    if (n >= 26) throw new ArgvError(field, `too many ${bus} devices`);
    return `${prefix}${String.fromCharCode(97 + n)}`;
  }
}

function bootOf(vm: VmDocument, id: string): XmlNode | null {
  const i = vm.bootOrder.indexOf(id);
  return i >= 0 ? el('boot', { order: i + 1 }) : null;
}

function diskPath(vm: VmDocument, paths: DomainPaths, i: number): string {
  const d = vm.disks[i]!;
  const p = paths.disks[d.id] ?? d.path;
  if (!posix.isAbsolute(p)) throw new ArgvError(`disks[${i}].path`, 'a disk on a libvirt connection needs an absolute path on that host (or a volume in its storage pool)');
  return p;
}

function storage(vm: VmDocument, paths: DomainPaths): XmlNode[] {
  const targets = new Targets();
  const out: XmlNode[] = [];
  vm.disks.forEach((d, i) => {
    if (d.bus === 'nvme') throw new ArgvError(`disks[${i}].bus`, 'libvirt 9 has no NVMe disk bus; use virtio or sata on a libvirt connection');
    out.push(
      el('disk', { type: 'file', device: 'disk' },
        el('driver', { name: 'qemu', type: d.format, discard: d.discard && !d.readOnly ? 'unmap' : undefined, detect_zeroes: d.discard && !d.readOnly ? 'unmap' : undefined }),
        el('source', { file: diskPath(vm, paths, i) }),
        el('target', { dev: targets.name(d.bus, `disks[${i}].bus`, vm.machine), bus: d.bus }),
        d.readOnly && el('readonly'),
        bootOf(vm, d.id),
        // A user alias (libvirt keeps `ua-` names): the document's device id, so media and snapshot verbs find the drive.
        el('alias', { name: `ua-${d.id}` }),
      ),
    );
  });
  vm.cdroms.forEach((c, i) => {
    const iso = c.path === null ? null : (paths.cdroms?.[c.id] ?? c.path);
    if (iso !== null && !posix.isAbsolute(iso)) throw new ArgvError(`cdroms[${i}].path`, 'an ISO on a libvirt connection needs an absolute path on that host');
    out.push(
      el('disk', { type: 'file', device: 'cdrom' },
        el('driver', { name: 'qemu', type: 'raw' }),
        iso !== null && el('source', { file: iso }),
        el('target', { dev: targets.name(c.bus, `cdroms[${i}].bus`, vm.machine), bus: c.bus }),
        el('readonly'),
        bootOf(vm, c.id),
        el('alias', { name: `ua-${c.id}` }),
      ),
    );
  });
  if ([...vm.disks, ...vm.cdroms].some((d) => d.bus === 'scsi')) out.push(el('controller', { type: 'scsi', index: 0, model: 'virtio-scsi' }));
  return out;
}

function network(vm: VmDocument): XmlNode[] {
  const net = vm.network;
  switch (net.mode) {
    case 'none':
      return [];
    case 'user':
      if (net.forwards.length > 0) throw new ArgvError('network.forwards', 'libvirt 9 forwards host ports only with the passt backend; remove the port forwards or use a libvirt network');
      return [el('interface', { type: 'user' }, el('mac', { address: net.mac }), el('model', { type: NIC[net.model] }), el('alias', { name: 'ua-nic0' }))];
    case 'bridge':
      return [el('interface', { type: 'bridge' }, el('mac', { address: net.mac }), el('source', { bridge: net.bridge }), el('model', { type: NIC[net.model] }), el('alias', { name: 'ua-nic0' }))];
  }
}

function input(vm: VmDocument): XmlNode[] {
  const { pointer, keyboard } = vm.input;
  const pc = vm.arch === 'x86_64';
  if (!pc && (pointer === 'ps2-mouse' || keyboard === 'ps2')) throw new ArgvError(pointer === 'ps2-mouse' ? 'input.pointer' : 'input.keyboard', `this machine (${vm.machine}) has no PS/2 controller; use USB or virtio input`);
  const usb = pointer === 'usb-tablet' || keyboard === 'usb-kbd' || vm.usb.rules.length > 0;
  return [
    usb ? el('controller', { type: 'usb', index: 0, model: 'qemu-xhci' }) : el('controller', { type: 'usb', index: 0, model: 'none' }),
    keyboard === 'ps2' ? el('input', { type: 'keyboard', bus: 'ps2' }) : el('input', { type: 'keyboard', bus: keyboard === 'usb-kbd' ? 'usb' : 'virtio' }),
    pointer === 'none' ? null : pointer === 'ps2-mouse' ? el('input', { type: 'mouse', bus: 'ps2' }) : el('input', { type: 'tablet', bus: pointer === 'usb-tablet' ? 'usb' : 'virtio' }),
  ].filter((x): x is XmlNode => x !== null);
}

/** Host USB rules as libvirt hostdevs (optional at start, as QEMU's usb-host waits for the device); sticks are not mapped yet. */
function usbDevices(vm: VmDocument): XmlNode[] {
  if (vm.usb.images.length > 0) throw new ArgvError('usb.images', 'USB sticks are not available on a libvirt connection yet; attach the image as a disk');
  return vm.usb.rules.map((r, i) => {
    if (!('vendor' in r)) throw new ArgvError(`usb.rules[${i}]`, 'libvirt picks a host USB device by vendor:product (or bus and device number), not by port');
    return el('hostdev', { mode: 'subsystem', type: 'usb', managed: 'yes' },
      el('source', { startupPolicy: 'optional' }, el('vendor', { id: `0x${r.vendor}` }), el('product', { id: `0x${r.product}` })));
  });
}

/** Shared folders as libvirt's 9p filesystems (mapped: the guest cannot plant host setuid files or links); SMB is QEMU's user network's own. */
function shares(vm: VmDocument): XmlNode[] {
  if (vm.shares.length > 0 && shareMethodOf(vm) === 'smb') throw new ArgvError('shares', 'SMB shared folders (Windows guests) come from QEMU\'s user networking, which a libvirt domain does not have; share the folder from the host instead');
  return vm.shares.map((sh) =>
    el('filesystem', { type: 'mount', accessmode: 'mapped' }, el('source', { dir: sh.path }), el('target', { dir: sh.name }), sh.readOnly && el('readonly')));
}

function display(vm: VmDocument): XmlNode[] {
  const device = vm.display.device;
  if (vm.arch !== 'x86_64' && (device === 'std' || device === 'qxl' || device === 'cirrus')) throw new ArgvError('display.device', `"${device}" is a PC VGA device; use "virtio" or "ramfb" on ${vm.arch}`);
  return [
    // VNC on a unix socket libvirt chooses on its host: never a TCP port opened to the network.
    device === 'none' ? null : el('graphics', { type: 'vnc' }, el('listen', { type: 'socket' })),
    el('video', {}, el('model', { type: VIDEO[device] })),
  ].filter((x): x is XmlNode => x !== null);
}

function audio(vm: VmDocument): XmlNode[] {
  switch (vm.audio.device) {
    case 'none':
      return [];
    case 'intel-hda':
      return [el('sound', { model: 'ich6' }, el('codec', { type: 'duplex' }), el('audio', { id: 1 })), el('audio', { id: 1, type: 'none' })];
    case 'ac97':
      return [el('sound', { model: 'ac97' }, el('audio', { id: 1 })), el('audio', { id: 1, type: 'none' })];
  }
}

function os(vm: VmDocument): XmlNode {
  if (vm.arch === 'riscv64') throw new ArgvError('arch', 'riscv64 machines are not supported on libvirt connections yet (Hangar boots them with OpenSBI and U-Boot)');
  if (vm.firmware.type === 'bios' && vm.arch !== 'x86_64') throw new ArgvError('firmware.type', `${vm.arch} machines boot with UEFI only`);
  const uefi = vm.firmware.type === 'uefi';
  return el('os', { firmware: uefi ? 'efi' : undefined },
    textEl('type', 'hvm', { arch: vm.arch, machine: vm.machine }),
    // libvirt picks the firmware from the same QEMU descriptors Hangar reads (/usr/share/qemu/firmware), by these features.
    uefi && el('firmware', {},
      el('feature', { enabled: vm.firmware.secureBoot ? 'yes' : 'no', name: 'secure-boot' }),
      el('feature', { enabled: vm.firmware.secureBoot ? 'yes' : 'no', name: 'enrolled-keys' }),
    ),
    uefi && vm.firmware.secureBoot && el('loader', { secure: 'yes' }),
  );
}

function cpu(vm: VmDocument, kvm: boolean): XmlNode {
  if (vm.cpu.model === 'host') {
    if (!kvm) throw new ArgvError('cpu.model', '"host" needs KVM on the libvirt host; use "max"');
    return el('cpu', { mode: 'host-passthrough' });
  }
  if (vm.cpu.model === 'max') return el('cpu', { mode: 'maximum' });
  return el('cpu', { mode: 'custom', match: 'exact' }, textEl('model', vm.cpu.model, { fallback: 'forbid' }));
}

/**
 * The libvirt domain XML for a VM document: the same presets as `buildArgv` (firmware, TPM, devices, disk bus,
 * NIC), written by an XML library. Pure: no I/O. Throws ArgvError naming the document field libvirt cannot take.
 */
export function domainXml(vm: VmDocument, paths: DomainPaths): string {
  const x86 = vm.arch === 'x86_64';
  const root = el('domain', { type: paths.kvm ? 'kvm' : 'qemu' },
    textEl('name', domainNameFor(vm)),
    textEl('uuid', vm.id),
    textEl('title', vm.name.slice(0, 200)),
    vm.description !== '' && textEl('description', vm.description),
    el('metadata', {}, el('hangar:vm', { 'xmlns:hangar': HANGAR_XMLNS, osId: vm.osId })),
    textEl('memory', String(vm.memoryMiB), { unit: 'MiB' }),
    textEl('vcpu', String(vm.cpu.count)),
    os(vm),
    el('features', {},
      el('acpi'),
      x86 && el('apic'),
      vm.firmware.secureBoot && el('smm', { state: 'on' }),
      !x86 && el('gic', { version: 3 }),
    ),
    cpu(vm, paths.kvm),
    el('clock', { offset: 'utc' }),
    textEl('on_poweroff', 'destroy'),
    textEl('on_reboot', 'restart'),
    textEl('on_crash', 'destroy'),
    el('devices', {},
      ...storage(vm, paths),
      ...network(vm),
      // A unix socket Hangar types into (a pty needs a terminal on the host), and a log QEMU writes even while nobody is attached.
      paths.serialSocket !== undefined
        ? el('serial', { type: 'unix' }, el('source', { mode: 'bind', path: paths.serialSocket }), paths.serialLog !== undefined && el('log', { file: paths.serialLog, append: 'on' }), el('target', { port: 0 }))
        : el('serial', { type: 'pty' }, paths.serialLog !== undefined && el('log', { file: paths.serialLog, append: 'on' }), el('target', { port: 0 })),
      ...input(vm),
      ...display(vm),
      ...audio(vm),
      vm.clipboard !== 'off' && el('channel', { type: 'qemu-vdagent' }, el('source', {}, el('clipboard', { copypaste: 'yes' })), el('target', { type: 'virtio', name: 'com.redhat.spice.0' })),
      // The QEMU guest agent's port: libvirt picks the socket and uses it for `virsh shutdown --mode agent` and fs-freeze.
      vm.guestAgent && el('channel', { type: 'unix' }, el('target', { type: 'virtio', name: 'org.qemu.guest_agent.0' })),
      ...usbDevices(vm),
      ...shares(vm),
      vm.firmware.tpm && el('tpm', { model: 'tpm-tis' }, el('backend', { type: 'emulator', version: '2.0' })),
      el('memballoon', { model: 'none' }),
    ),
    vm.extraArgs.length > 0 && el('qemu:commandline', {}, ...vm.extraArgs.map((a) => el('qemu:arg', { value: a }))),
  );
  // libvirt reads <qemu:commandline> only with its namespace declared on the root.
  const ns: Record<string, string> = vm.extraArgs.length > 0 ? { qemu: 'http://libvirt.org/schemas/domain/qemu/1.0' } : {};
  try {
    return writeXml(root, ns);
  } catch (err) {
    if (err instanceof XmlValueError) throw new ArgvError('(document)', err.message);
    throw err;
  }
}
