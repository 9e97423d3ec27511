import { posix } from 'node:path';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { optionString } from './option-string.js';

/** The guest agent's socket in the runtime folder; QEMU listens, the engine connects (guest-agent/). */
export const GUEST_AGENT_SOCKET = 'qga.sock';

/**
 * The `org.qemu.guest_agent.0` virtio-serial port qemu-ga looks for, on a controller of its own (so it does not
 * depend on the clipboard's). QEMU listens on a unix socket and never waits for the engine.
 */
export function guestAgentArgs(vm: VmDocument, runtimeDir: string): string[] {
  if (!vm.guestAgent) return [];
  return [
    '-chardev', optionString('socket', [['id', 'qga0'], ['path', posix.join(runtimeDir, GUEST_AGENT_SOCKET)], ['server', true], ['wait', false]]),
    '-device', optionString('virtio-serial-pci', [['id', 'qga-serial0']]),
    '-device', optionString('virtserialport', [['id', 'qga-port0'], ['bus', 'qga-serial0.0'], ['chardev', 'qga0'], ['name', 'org.qemu.guest_agent.0']]),
  ];
}
