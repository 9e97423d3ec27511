import type { EmulatorInfo } from './host-types.js';
import { canonicalMachine } from './firmware.js';

/** Which built-in controllers a machine brings: decides where SATA/IDE devices plug in. */
export type MachineFamily = 'q35' | 'i440fx' | 'virt' | 'other';

export function machineFamily(emulator: Pick<EmulatorInfo, 'machines'>, machine: string): MachineFamily {
  const name = canonicalMachine(emulator, machine);
  if (name === 'q35' || name.startsWith('pc-q35-')) return 'q35';
  if (name === 'pc' || name === 'isapc' || name.startsWith('pc-i440fx-') || /^pc-\d/.test(name)) return 'i440fx';
  if (name === 'virt' || name.startsWith('virt-')) return 'virt';
  return 'other';
}
