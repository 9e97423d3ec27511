/** What the host can run: the output of the host probe and the input of `buildArgv`. Plain data (JSON-safe). */

export interface QemuVersion {
  major: number;
  minor: number;
  micro: number;
}

/** In order of preference; `tcg` (the emulator) always works, `kvm` only with a usable /dev/kvm. */
export type Accelerator = 'kvm' | 'tcg';

export interface MachineType {
  /** As `-machine help` prints it, e.g. `q35` or `pc-q35-7.2`. */
  name: string;
  description: string;
  /** `q35` → `pc-q35-7.2`: firmware descriptors match canonical names, so aliases are resolved first. */
  aliasOf: string | null;
  isDefault: boolean;
}

/** One CPU model of `-cpu help`: `max`, `host`, `Skylake-Client-v4`, `cortex-a72`... */
export interface CpuModel {
  name: string;
  description: string;
}

export interface FirmwareFile {
  filename: string;
  /** `raw` or `qcow2`. */
  format: string;
}

/** One parsed QEMU firmware descriptor (docs/interop/firmware.json in the QEMU tree). */
export interface FirmwareDescriptor {
  /** The descriptor file it came from. */
  source: string;
  description: string;
  /** `uefi`, `bios`, `openfirmware`, ... */
  interfaceTypes: string[];
  /** `flash`, `memory` or `kernel`; only `flash` descriptors carry an executable + vars template pair. */
  device: string;
  executable: FirmwareFile | null;
  nvramTemplate: FirmwareFile | null;
  /** Architecture plus machine-type globs like `pc-q35-*`. */
  targets: Array<{ architecture: string; machines: string[] }>;
  /** `secure-boot`, `enrolled-keys`, `requires-smm`, `acpi-s3`, ... */
  features: string[];
}

/** The UEFI firmware chosen for one VM: the code (read-only pflash0) and the template its vars start from. */
export interface UefiFirmware {
  code: FirmwareFile;
  varsTemplate: FirmwareFile;
  secureBoot: boolean;
  /** Microsoft (or distro) keys pre-enrolled in the vars template: secure boot is on out of the box. */
  enrolledKeys: boolean;
  requiresSmm: boolean;
  descriptor: string;
}

export interface KvmStatus {
  usable: boolean;
  /** Why not, in words a person can act on (empty when usable). */
  reason: string;
}

/** One `qemu-system-<arch>` binary. */
export interface EmulatorInfo {
  /** QEMU's name for the target: `x86_64`, `aarch64`, `riscv64`, ... */
  arch: string;
  binary: string;
  version: QemuVersion;
  /** Preference order, e.g. `['kvm', 'tcg']` or `['tcg']`. */
  accelerators: Accelerator[];
  kvm: KvmStatus;
  machines: MachineType[];
  /** `-cpu help`, in QEMU's order (empty or absent when the binary could not list them). */
  cpuModels?: CpuModel[];
  /** Descriptors targeting this arch, highest priority first. */
  firmware: FirmwareDescriptor[];
  /** riscv64 only: the OpenSBI + U-Boot boot chain found on this host (see riscv-boot.ts). */
  riscvBoot?: RiscvBootFiles;
  /** The drivers `-audiodev help` lists (the host's sound emulator only; from the probe cache). */
  audiodevs?: string[];
}

export interface RiscvBootFiles {
  /** OpenSBI firmware for `-bios`, or null when not installed. */
  opensbi: string | null;
  /** U-Boot (qemu-riscv64_smode) for `-kernel`, or null when not installed. */
  uboot: string | null;
}

export interface HostInfo {
  /** QEMU's spelling of the host CPU architecture (`x86_64`, `aarch64`). */
  hostArch: string;
  platform: string;
  /** Keyed by target arch. */
  emulators: Record<string, EmulatorInfo>;
  /** `swtpm` on PATH (needed for a virtual TPM), or null. */
  swtpm: string | null;
  /** The install command for QEMU for host-arch guests on this platform/distro. */
  installHint: string;
  /** `ID`/`ID_LIKE` from /etc/os-release (Linux), so hints for other arches name the right package manager. */
  osRelease: { ID?: string; ID_LIKE?: string } | null;
  /** Where VM sound goes (`-audiodev`); absent means `none` (older probe caches, test hosts). */
  audio?: HostAudio;
}

/** The host probe's sound choice: QEMU's `-audiodev` driver for every VM with a sound card. */
export interface HostAudio {
  /** `pipewire`, `pa`, `alsa`, `coreaudio`, `dsound` or `none`. */
  backend: string;
  /** The backend in words ("PulseAudio"). */
  label: string;
  /** Every driver `-audiodev help` listed. */
  drivers: string[];
  /** Why sound does not reach the host's sound server, or null when it does. */
  missing: string | null;
  /** What to run to fix `missing`, when installing something would. */
  install: string | null;
}
