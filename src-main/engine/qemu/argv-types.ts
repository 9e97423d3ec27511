/** A disk's checked backing chain, top first (storage/image-chain.ts): real paths and the driver for each. */
export type ImageChain = ReadonlyArray<{ readonly path: string; readonly format: string }>;

/** Where a running VM's files live; all absolute. Unix socket paths must stay under ~107 bytes. */
export interface VmPaths {
  /** The `.hangar` bundle; relative disk and ISO paths in the document resolve against it. */
  bundleDir: string;
  /** Per-VM, short: holds qmp.sock, vnc.sock, serial.sock, qemu.pid. */
  runtimeDir: string;
  /** serial.log is written here (complete even while no console client is connected). */
  logsDir: string;
  /** The per-VM UEFI variable store, qcow2 (converted from the firmware's vars template). Unused for BIOS. */
  nvramPath: string;
  /** The control socket of a running `swtpm socket --tpm2 --ctrl type=unixio,path=...`; required when firmware.tpm. */
  tpmSocket?: string;
  /**
   * An inherited, already-listening QMP socket fd (the launcher binds qmp.sock itself and passes it): emits
   * `-chardev socket,fd=N` + `-mon` instead of `-qmp unix:<runtimeDir>/qmp.sock`.
   */
  qmpFd?: number;
  /**
   * Checked chains by node name (disk id, `pflash1` for the UEFI vars): such a disk gets one -blockdev per
   * layer with `backing` set explicitly, so QEMU opens no file an image header names. Absent: QEMU follows the headers.
   */
  chains?: Readonly<Record<string, ImageChain>>;
  /**
   * A disposable run: image node id (a disk id, or `pflash1` for the UEFI vars) → the throwaway qcow2 overlay
   * that takes its writes. Images without an entry are opened as usual.
   */
  overlays?: Readonly<Record<string, string>>;
  /**
   * An unattended install's first boot (#18): the installer's kernel and initrd (engine-written files in the
   * bundle) booted directly with its answers on the command line. Only while the install runs.
   */
  directBoot?: { kernel: string; initrd: string; append: string };
}
