import { posix } from 'node:path';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import type { HostInfo } from './host-types.js';
import type { VmPaths } from './argv-types.js';
import { ArgvError } from './errors.js';
import { selectUefiFirmware, canonicalMachine } from './firmware.js';
import { machineFamily } from './machine-family.js';
import { optionString, escapeOptionValue, OptionValueError, type OptionEntry } from './option-string.js';
import { requireEmulator } from './require-emulator.js';
import { archMachineOptions, riscvFirmwareArgs } from './argv-arch.js';
import { storageArgs, blockdevPair, chainNodes, overlaidPair } from './argv-storage.js';
import { usbArgs } from './argv-usb.js';
import { audioArgs, clipboardArgs, displayArgs, inputArgs, networkArgs, tpmArgs, vncAudioOption } from './argv-devices.js';
import { guestAgentArgs } from './argv-guest-agent.js';
import { shareDeviceArgs } from './argv-shares.js';
import { sandboxArgs } from './argv-sandbox.js';

export type { VmPaths } from './argv-types.js';

/** A value QEMU takes verbatim (no option parsing): commas stay single, but NUL and line breaks are still refused. */
function verbatim(value: string, field: string): string {
  try {
    escapeOptionValue(value, field);
  } catch (err) {
    throw new ArgvError(field, (err as Error).message);
  }
  return value;
}

function firmwareArgs(vm: VmDocument, host: HostInfo, paths: VmPaths): { machine: OptionEntry[]; args: string[] } {
  if (vm.arch === 'riscv64') return { machine: [], args: riscvFirmwareArgs(vm, requireEmulator(host, vm.arch)) };
  if (vm.firmware.type === 'bios') {
    if (vm.arch !== 'x86_64') throw new ArgvError('firmware.type', `${vm.arch} machines boot with UEFI only`);
    return { machine: [], args: [] };
  }
  const emulator = requireEmulator(host, vm.arch);
  const fw = selectUefiFirmware(emulator, vm.machine, vm.firmware.secureBoot);
  if (!fw) {
    const what = vm.firmware.secureBoot ? 'Secure Boot UEFI firmware' : 'UEFI firmware';
    const machine = canonicalMachine(emulator, vm.machine);
    throw new ArgvError(
      vm.firmware.secureBoot ? 'firmware.secureBoot' : 'firmware.type',
      `no ${what} for ${vm.arch} machine ${machine} was found in the QEMU firmware descriptors (install OVMF/AAVMF; Secure Boot needs a q35 machine)`,
    );
  }
  const args = [
    ...blockdevPair('pflash0', fw.code.filename, fw.code.format, { readOnly: true, discard: false }),
    ...(paths.overlays?.['pflash1'] !== undefined
      ? overlaidPair('pflash1', paths.overlays['pflash1'], { filename: paths.nvramPath, format: 'qcow2', discard: false, ...(paths.chains?.['pflash1'] ? { chain: paths.chains['pflash1'] } : {}) })
      : paths.chains?.['pflash1']
        ? chainNodes('pflash1', paths.chains['pflash1'], { readOnly: false, discard: false })
        : blockdevPair('pflash1', paths.nvramPath, 'qcow2', { readOnly: false, discard: false })),
  ];
  // Secure boot only means something if the guest OS cannot write the vars flash directly: SMM guards it.
  if (fw.requiresSmm) args.push('-global', optionString(null, [['driver', 'cfi.pflash01'], ['property', 'secure'], ['value', true]]));
  const machine: OptionEntry[] = [['pflash0', 'pflash0'], ['pflash1', 'pflash1'], ['smm', fw.requiresSmm ? true : undefined]];
  return { machine, args };
}

/**
 * The whole QEMU command line for a VM document, as argv (never a shell string). Pure: no I/O.
 * Throws ArgvError (naming the document field) for anything this host or QEMU cannot run, and
 * QemuNotFoundError when there is no emulator for the VM's arch.
 */
export function buildArgv(vm: VmDocument, host: HostInfo, paths: VmPaths): string[] {
  try {
    return build(vm, host, paths);
  } catch (err) {
    // A NUL or line break in a user string: name the field so the UI can point at it.
    if (err instanceof OptionValueError) throw new ArgvError(fieldOf(vm, paths, err), err.message);
    throw err;
  }
}

/** Finds which document or path field holds the refused character (the option key alone is ambiguous). */
function fieldOf(vm: VmDocument, paths: VmPaths, _err: OptionValueError): string {
  const bad = (s: string | null | undefined): boolean => typeof s === 'string' && /[\0\n\r]/.test(s);
  if (bad(vm.name)) return 'name';
  const d = vm.disks.findIndex((x) => bad(x.path));
  if (d >= 0) return `disks[${d}].path`;
  const c = vm.cdroms.findIndex((x) => bad(x.path));
  if (c >= 0) return `cdroms[${c}].path`;
  const s = vm.shares.findIndex((x) => bad(x.path));
  if (s >= 0) return `shares[${s}].path`;
  for (const k of ['bundleDir', 'runtimeDir', 'logsDir', 'nvramPath', 'tpmSocket'] as const) if (bad(paths[k])) return `paths.${k}`;
  return '(document)';
}

function build(vm: VmDocument, host: HostInfo, paths: VmPaths): string[] {
  const emulator = requireEmulator(host, vm.arch);
  const family = machineFamily(emulator, vm.machine);
  const kvm = emulator.accelerators.includes('kvm');
  if (vm.cpu.model === 'host' && !kvm) throw new ArgvError('cpu.model', `"host" needs KVM, which is not usable here (${emulator.kvm.reason}); use "max"`);
  const fw = firmwareArgs(vm, host, paths);
  const machineOpts: OptionEntry[] = [...fw.machine, ...archMachineOptions(vm, family)];
  const run = (name: string): string => posix.join(paths.runtimeDir, name);

  const argv: string[] = [
    '-no-user-config',
    // Before anything else is parsed: the seccomp filter covers everything QEMU does after startup.
    ...sandboxArgs(vm),
    '-name', optionString(null, [['guest', vm.name], ['debug-threads', true]]),
    '-machine', optionString(vm.machine, machineOpts),
    // Several -accel options are tried in order; -machine accel= cannot carry tcg's thread=multi.
    ...emulator.accelerators.flatMap((a) => ['-accel', a === 'tcg' ? optionString('tcg', [['thread', 'multi']]) : optionString(a)]),
    '-cpu', optionString(vm.cpu.model),
    '-smp', optionString(null, [['cpus', vm.cpu.count]]),
    '-m', optionString(null, [['size', `${vm.memoryMiB}M`]]),
    '-nodefaults',
    '-S',
    '-display', 'none',
    '-msg', 'timestamp=on',
    // Only the devices in bootOrder boot, as the document says (no silent fallback to PXE or other disks).
    '-boot', optionString(null, [['strict', true]]),
    '-vnc', optionString(`unix:${run('vnc.sock')}`, vncAudioOption(vm)),
    ...(paths.qmpFd !== undefined
      ? ['-chardev', optionString('socket', [['id', 'qmp'], ['fd', paths.qmpFd], ['server', true], ['wait', false]]), '-mon', optionString(null, [['chardev', 'qmp'], ['mode', 'control']])]
      : ['-qmp', optionString(`unix:${run('qmp.sock')}`, [['server', true], ['wait', false]])]),
    // -pidfile takes its argument verbatim (no option parsing), so no comma doubling here.
    '-pidfile', verbatim(run('qemu.pid'), 'paths.runtimeDir'),
    // QEMU appends everything the guest writes to the log even while no console client is connected.
    '-chardev', optionString('socket', [['id', 'serial0'], ['path', run('serial.sock')], ['server', true], ['wait', false], ['logfile', posix.join(paths.logsDir, 'serial.log')], ['logappend', true]]),
    '-serial', 'chardev:serial0',
    ...fw.args,
    ...storageArgs(vm, family, paths.bundleDir, paths.chains, paths.overlays),
    ...networkArgs(vm),
    ...displayArgs(vm, family),
    ...inputArgs(vm, family),
    ...usbArgs(vm, paths.bundleDir, paths.chains),
    ...audioArgs(vm, host.audio?.backend ?? 'none'),
    ...clipboardArgs(vm),
    ...guestAgentArgs(vm, paths.runtimeDir),
    ...shareDeviceArgs(vm),
    ...tpmArgs(vm, paths.tpmSocket),
    // -kernel, -initrd and -append take their values verbatim (no option parsing).
    ...(paths.directBoot
      ? ['-kernel', verbatim(paths.directBoot.kernel, 'paths.directBoot.kernel'), '-initrd', verbatim(paths.directBoot.initrd, 'paths.directBoot.initrd'), '-append', verbatim(paths.directBoot.append, 'paths.directBoot.append')]
      : []),
    ...vm.extraArgs.map((a, i) => verbatim(a, `extraArgs[${i}]`)),
  ];
  return argv;
}
