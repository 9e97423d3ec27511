import type { EmulatorInfo, FirmwareDescriptor, HostInfo, VmPaths } from '../../../../src-main/engine/qemu/index.js';

/** Shared by the argv golden test (fake host) and the integration test (real host, same per-case paths). */

export const GOLDEN_DIR = new URL('../../../golden/argv/', import.meta.url).pathname;

const ovmf = (file: string, description: string, code: string, vars: string, machines: string[], features: string[]): FirmwareDescriptor => ({
  source: `/usr/share/qemu/firmware/${file}`,
  description,
  interfaceTypes: ['uefi'],
  device: 'flash',
  executable: { filename: code, format: 'raw' },
  nvramTemplate: { filename: vars, format: 'raw' },
  targets: [{ architecture: 'x86_64', machines }],
  features,
});

/** Debian 12's three OVMF descriptors and Debian's AAVMF one, as the probe parses them. */
export const FAKE_X86_FIRMWARE: FirmwareDescriptor[] = [
  ovmf('40-edk2-x86_64-secure-enrolled.json', 'OVMF secure, MS keys', '/usr/share/OVMF/OVMF_CODE_4M.ms.fd', '/usr/share/OVMF/OVMF_VARS_4M.ms.fd', ['pc-q35-*'], ['acpi-s3', 'enrolled-keys', 'requires-smm', 'secure-boot']),
  ovmf('50-edk2-x86_64-secure.json', 'OVMF secure, empty', '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd', ['pc-q35-*'], ['acpi-s3', 'requires-smm', 'secure-boot']),
  ovmf('60-edk2-x86_64.json', 'OVMF', '/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd', ['pc-i440fx-*', 'pc-q35-*'], ['acpi-s3']),
];

const x86: EmulatorInfo = {
  arch: 'x86_64',
  binary: '/usr/bin/qemu-system-x86_64',
  version: { major: 7, minor: 2, micro: 22 },
  accelerators: ['tcg'],
  kvm: { usable: false, reason: '/dev/kvm does not exist' },
  machines: [
    { name: 'pc', description: 'Standard PC (i440FX + PIIX, 1996)', aliasOf: 'pc-i440fx-7.2', isDefault: false },
    { name: 'pc-i440fx-7.2', description: 'Standard PC (i440FX + PIIX, 1996)', aliasOf: null, isDefault: true },
    { name: 'q35', description: 'Standard PC (Q35 + ICH9, 2009)', aliasOf: 'pc-q35-7.2', isDefault: false },
    { name: 'pc-q35-7.2', description: 'Standard PC (Q35 + ICH9, 2009)', aliasOf: null, isDefault: false },
  ],
  firmware: FAKE_X86_FIRMWARE,
};

const arm: EmulatorInfo = {
  arch: 'aarch64',
  binary: '/usr/bin/qemu-system-aarch64',
  version: { major: 7, minor: 2, micro: 22 },
  accelerators: ['tcg'],
  kvm: { usable: false, reason: 'KVM only runs guests of the host architecture (x86_64)' },
  machines: [
    { name: 'virt', description: 'QEMU 7.2 ARM Virtual Machine', aliasOf: 'virt-7.2', isDefault: false },
    { name: 'virt-7.2', description: 'QEMU 7.2 ARM Virtual Machine', aliasOf: null, isDefault: false },
  ],
  firmware: [
    {
      source: '/usr/share/qemu/firmware/60-edk2-aarch64.json',
      description: 'UEFI firmware for ARM64 virtual machines',
      interfaceTypes: ['uefi'],
      device: 'flash',
      executable: { filename: '/usr/share/AAVMF/AAVMF_CODE.fd', format: 'raw' },
      nvramTemplate: { filename: '/usr/share/AAVMF/AAVMF_VARS.fd', format: 'raw' },
      targets: [{ architecture: 'aarch64', machines: ['virt-*'] }],
      features: [],
    },
  ],
};

/** Debian 12's qemu-system-misc with opensbi and u-boot-qemu (no firmware descriptors for riscv64). */
export const FAKE_RISCV: EmulatorInfo = {
  arch: 'riscv64',
  binary: '/usr/bin/qemu-system-riscv64',
  version: { major: 7, minor: 2, micro: 22 },
  accelerators: ['tcg'],
  kvm: { usable: false, reason: 'KVM only runs guests of the host architecture (x86_64)' },
  machines: [{ name: 'virt', description: 'RISC-V VirtIO board', aliasOf: null, isDefault: false }],
  firmware: [],
  riscvBoot: { opensbi: '/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin', uboot: '/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf' },
};

export const FAKE_HOST: HostInfo = {
  hostArch: 'x86_64',
  platform: 'linux',
  emulators: { x86_64: x86, aarch64: arm, riscv64: FAKE_RISCV },
  swtpm: null,
  installHint: 'sudo apt-get install -y qemu-system-x86 qemu-utils ovmf',
  osRelease: { ID: 'debian', ID_LIKE: '' },
};

export const FAKE_KVM_HOST: HostInfo = {
  ...FAKE_HOST,
  emulators: { ...FAKE_HOST.emulators, x86_64: { ...x86, accelerators: ['kvm', 'tcg'], kvm: { usable: true, reason: '' } } },
};

export const FIXED_PATHS: VmPaths = {
  bundleDir: '/home/ada/VMs/golden-3f2b8c1e.hangar',
  runtimeDir: '/run/user/1000/hangar/3f2b8c1e',
  logsDir: '/home/ada/VMs/golden-3f2b8c1e.hangar/logs',
  nvramPath: '/home/ada/VMs/golden-3f2b8c1e.hangar/nvram/efivars.qcow2',
};

export interface CaseOptions {
  kvm?: boolean;
  /** Extra path fields for this case (the integration test supplies real ones for the same keys). */
  paths?: Partial<VmPaths>;
  /** Odd characters in the bundle folder itself. */
  oddBundle?: boolean;
  /** The host probe's sound backend (default: none given, so `none`). */
  audioBackend?: string;
}

export const CASE_OPTIONS: Record<string, CaseOptions> = {
  'kvm-host': { kvm: true },
  'qmp-fd': { paths: { qmpFd: 3 } },
  'uefi-secure-boot-tpm': { paths: { tpmSocket: '/run/user/1000/hangar/3f2b8c1e/swtpm.sock' } },
  'odd-paths': { oddBundle: true },
  // The desktop case: the host probe found PulseAudio; the card plays there and VNC captures the same audiodev.
  'audio-pulse': { audioBackend: 'pa' },
  // A linked clone: its overlay over the source's frozen base (another bundle) over a raw image; a read-only raw disk; the UEFI vars.
  'disk-chain': {
    paths: {
      chains: {
        disk0: [
          { path: '/home/ada/VMs/golden-3f2b8c1e.hangar/disks/disk0.qcow2', format: 'qcow2' },
          { path: '/home/ada/VMs/source-11111111.hangar/disks/disk0.qcow2', format: 'qcow2' },
          { path: '/home/ada/VMs/source-11111111.hangar/disks/seed, v1.img', format: 'raw' },
        ],
        disk1: [{ path: '/home/ada/images/base.img', format: 'raw' }],
        pflash1: [{ path: '/home/ada/VMs/golden-3f2b8c1e.hangar/nvram/efivars.qcow2', format: 'qcow2' }],
      },
    },
  },
  // A USB stick in the bundle (raw, writable) and a read-only qcow2 stick whose checked chain has a backing file.
  'usb-devices': {
    paths: {
      chains: {
        usb1: [
          { path: '/home/ada/images/tools.qcow2', format: 'qcow2' },
          { path: '/home/ada/images/tools-base.img', format: 'raw' },
        ],
      },
    },
  },
  // Start without saving changes: writable disks and the UEFI vars under throwaway overlays (disk2 is read-only).
  'disposable-uefi': {
    paths: {
      overlays: {
        disk0: '/home/ada/VMs/golden-3f2b8c1e.hangar/disposable/disk0.qcow2',
        disk1: '/home/ada/VMs/golden-3f2b8c1e.hangar/disposable/disk1.qcow2',
        disk2: '/home/ada/VMs/golden-3f2b8c1e.hangar/disposable/disk2.qcow2',
        pflash1: '/home/ada/VMs/golden-3f2b8c1e.hangar/disposable/pflash1.qcow2',
      },
    },
  },
};

export function fakeCase(name: string): { host: HostInfo; paths: VmPaths } {
  const opts = CASE_OPTIONS[name] ?? {};
  const bundleDir = opts.oddBundle ? '/home/ada/My VMs, 2024/Ünïcødé ✈,web.hangar' : FIXED_PATHS.bundleDir;
  return {
    host: {
      ...(opts.kvm ? FAKE_KVM_HOST : FAKE_HOST),
      ...(opts.audioBackend ? { audio: { backend: opts.audioBackend, label: opts.audioBackend, drivers: ['none', opts.audioBackend], missing: null, install: null } } : {}),
    },
    paths: { ...FIXED_PATHS, bundleDir, logsDir: `${bundleDir}/logs`, nvramPath: `${bundleDir}/nvram/efivars.qcow2`, ...opts.paths },
  };
}
