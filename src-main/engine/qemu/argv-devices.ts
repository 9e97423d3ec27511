import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { ArgvError } from './errors.js';
import type { MachineFamily } from './machine-family.js';
import { hasUsbController } from './argv-usb.js';
import { optionString } from './option-string.js';
import { smbNetdevOption } from './argv-shares.js';

export function networkArgs(vm: VmDocument): string[] {
  const net = vm.network;
  switch (net.mode) {
    case 'none':
      return [];
    case 'user': {
      const forwards = net.forwards.map((f) => ['hostfwd', `${f.protocol}:${f.hostAddress}:${f.hostPort}-:${f.guestPort}`] as const);
      return ['-netdev', optionString('user', [['id', 'net0'], ...forwards, ...smbNetdevOption(vm)]), '-device', optionString(net.model, [['id', 'nic0'], ['netdev', 'net0'], ['mac', net.mac]])];
    }
    case 'bridge':
      // Runs QEMU's setuid qemu-bridge-helper; the bridge must be allowed in /etc/qemu/bridge.conf.
      return ['-netdev', optionString('bridge', [['id', 'net0'], ['br', net.bridge]]), '-device', optionString(net.model, [['id', 'nic0'], ['netdev', 'net0'], ['mac', net.mac]])];
  }
}

export function displayArgs(vm: VmDocument, family: MachineFamily): string[] {
  const arm = vm.arch !== 'x86_64';
  const device = vm.display.device;
  const dev = (name: string): string[] => ['-device', optionString(name, [['id', 'video0']])];
  switch (device) {
    case 'none':
      return [];
    case 'ramfb':
      return dev('ramfb');
    case 'virtio':
      return dev(arm ? 'virtio-gpu-pci' : 'virtio-vga');
    case 'std':
    case 'qxl':
    case 'cirrus':
      if (arm || family === 'virt') throw new ArgvError('display.device', `"${device}" is a PC VGA device; use "virtio" or "ramfb" on ${vm.arch}`);
      return dev(device === 'std' ? 'VGA' : device === 'qxl' ? 'qxl-vga' : 'cirrus-vga');
  }
}

/** USB devices share one xHCI controller, emitted once and only when something needs it. */
export function inputArgs(vm: VmDocument, family: MachineFamily): string[] {
  const { pointer, keyboard } = vm.input;
  const hasPs2 = family === 'q35' || family === 'i440fx';
  const out: string[] = hasUsbController(vm) ? ['-device', optionString('qemu-xhci', [['id', 'xhci']])] : [];
  switch (keyboard) {
    case 'ps2':
      // The i8042 controller is built into PC machines (even with -nodefaults): nothing to add.
      if (!hasPs2) throw new ArgvError('input.keyboard', `this machine (${vm.machine}) has no PS/2 controller; use usb-kbd or virtio-keyboard`);
      break;
    case 'usb-kbd':
      out.push('-device', optionString('usb-kbd', [['id', 'kbd0'], ['bus', 'xhci.0']]));
      break;
    case 'virtio-keyboard':
      out.push('-device', optionString('virtio-keyboard-pci', [['id', 'kbd0']]));
      break;
  }
  switch (pointer) {
    case 'none':
      break;
    case 'ps2-mouse':
      if (!hasPs2) throw new ArgvError('input.pointer', `this machine (${vm.machine}) has no PS/2 controller; use usb-tablet or virtio-tablet`);
      break;
    case 'usb-tablet':
      out.push('-device', optionString('usb-tablet', [['id', 'tablet0'], ['bus', 'xhci.0']]));
      break;
    case 'virtio-tablet':
      out.push('-device', optionString('virtio-tablet-pci', [['id', 'tablet0']]));
      break;
  }
  return out;
}

/**
 * The sound card plays to `backend` (the host probe's choice: the host's sound server, or `none`). The same
 * audiodev is the VNC server's (`vncAudioOption`), so a display client can also take the sound over VNC.
 */
export function audioArgs(vm: VmDocument, backend: string): string[] {
  const audiodev = ['-audiodev', optionString(backend, [['id', 'audio0']])];
  switch (vm.audio.device) {
    case 'none':
      return [];
    case 'intel-hda':
      return [
        ...audiodev,
        '-device', optionString('intel-hda', [['id', 'sound0']]),
        '-device', optionString('hda-duplex', [['id', 'sound0-codec0'], ['bus', 'sound0.0'], ['audiodev', 'audio0']]),
      ];
    case 'ac97':
      return [...audiodev, '-device', optionString('AC97', [['id', 'sound0'], ['audiodev', 'audio0']])];
  }
}

/** `-vnc`'s `audiodev=`: QEMU's VNC audio extension captures the sound card's audiodev (none without a card). */
export function vncAudioOption(vm: VmDocument): Array<[string, string]> {
  return vm.audio.device === 'none' ? [] : [['audiodev', 'audio0']];
}

/**
 * QEMU's built-in spice-vdagent peer lets VNC clients (noVNC extended clipboard) reach the guest's clipboard.
 * The direction policy is enforced by the engine relaying clipboard messages; QEMU only has on/off.
 */
export function clipboardArgs(vm: VmDocument): string[] {
  if (vm.clipboard === 'off') return [];
  return [
    '-chardev', optionString('qemu-vdagent', [['id', 'vdagent0'], ['clipboard', true], ['mouse', false]]),
    '-device', optionString('virtio-serial-pci', [['id', 'vserial0']]),
    '-device', optionString('virtserialport', [['id', 'vdagent-port0'], ['bus', 'vserial0.0'], ['chardev', 'vdagent0'], ['name', 'com.redhat.spice.0']]),
  ];
}

/** A TPM 2.0 backed by an swtpm the engine started; QEMU cannot emulate one alone. */
export function tpmArgs(vm: VmDocument, tpmSocket: string | undefined): string[] {
  if (!vm.firmware.tpm) return [];
  if (!tpmSocket) throw new ArgvError('firmware.tpm', 'a virtual TPM needs swtpm running (paths.tpmSocket was not given); install swtpm or turn the TPM off');
  return [
    '-chardev', optionString('socket', [['id', 'tpm0-chr'], ['path', tpmSocket]]),
    '-tpmdev', optionString('emulator', [['id', 'tpm0'], ['chardev', 'tpm0-chr']]),
    '-device', optionString(vm.arch === 'x86_64' ? 'tpm-tis' : 'tpm-tis-device', [['id', 'tpm0-dev'], ['tpmdev', 'tpm0']]),
  ];
}
