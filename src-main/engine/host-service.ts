import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { EngineError, type HostSummary } from '../../src-shared/contract/index.js';
import { probeHost } from './qemu/host-probe.js';
import { probeHostAudio } from './qemu/host-audio.js';
import { buildArgv } from './qemu/argv.js';
import { requireEmulator } from './qemu/require-emulator.js';
import { selectUefiFirmware } from './qemu/firmware.js';
import { hasUefiVars } from './qemu/argv-arch.js';
import { archSupport } from './qemu/arch-support.js';
import { QemuNotFoundError } from './qemu/errors.js';
import { firmwareInstallCommand } from './qemu/install-hint.js';
import type { HostInfo } from './qemu/host-types.js';
import { convertImage } from './storage/qemu-img.js';
import { QMP_INHERITED_FD } from './session/qemu-launcher.js';
import { swtpmSocketPath } from './session/swtpm.js';
import type { LoadedVm } from './storage/bundle-store.js';
import type { VmChains } from './storage/image-chain.js';
import { unattendedDirectBoot } from './unattended/direct-boot.js';

/** Per-user cache of what each QEMU binary can do (keyed by path, size and mtime inside). */
export function probeCacheFile(env: NodeJS.ProcessEnv): string {
  const base = env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache');
  return join(base, 'hangar', 'qemu-probe.json');
}

/** Where a VM's UEFI variables live: qcow2, so internal snapshots also cover them. */
export function nvramPathOf(bundleDir: string): string {
  return join(bundleDir, 'nvram', 'efivars.qcow2');
}

/** The engine's view of the host: a cached probe, the argv for a VM, and per-VM firmware files. */
export class HostService {
  private cached: Promise<HostInfo> | null = null;

  constructor(private readonly options: { env: NodeJS.ProcessEnv; extraDirs: string[] }) {}

  /** `refresh` forgets a successful probe too ("Check again" after installing firmware: QEMU was found, OVMF not). */
  info(opts: { refresh?: boolean } = {}): Promise<HostInfo> {
    if (opts.refresh) this.cached = null;
    // A failed probe (no QEMU) is not cached: installing QEMU then "Check again" must work.
    this.cached ??= probeHost({ env: this.options.env, extraDirs: this.options.extraDirs, cacheFile: probeCacheFile(this.options.env) })
      .then(async (host) => ({ ...host, audio: await probeHostAudio(host, this.options.env) }))
      .catch((err) => {
        this.cached = null;
        throw err;
      });
    return this.cached;
  }

  async summary(opts: { refresh?: boolean } = {}): Promise<Omit<HostSummary, 'hostMemoryMiB' | 'hostCpus' | 'libraryDir'>> {
    try {
      const host = await this.info(opts);
      const x86 = host.emulators[host.hostArch] ?? Object.values(host.emulators)[0]!;
      const uefi = selectUefiFirmware(x86, x86.arch === 'aarch64' ? 'virt' : 'q35', false) !== null;
      return {
        qemuVersion: `${x86.version.major}.${x86.version.minor}.${x86.version.micro}`,
        qemuBinary: x86.binary,
        accelerators: x86.accelerators,
        kvm: x86.kvm,
        uefiAvailable: uefi,
        // The probe's own lookup: the one startVm's requireSwtpm relies on, so both agree.
        swtpmAvailable: host.swtpm !== null,
        architectures: archSupport(host),
        ...(host.audio ? { audio: { backend: host.audio.backend, label: host.audio.label, missing: host.audio.missing, install: host.audio.install } } : {}),
        ...(uefi ? {} : { firmwareInstallHint: firmwareInstallCommand(host.platform, host.osRelease as Record<string, string> | null, x86.arch) }),
        emulators: Object.fromEntries(Object.values(host.emulators).map((em) => [em.arch, {
          machines: em.machines.map((m) => ({ name: m.name, description: m.description, aliasOf: m.aliasOf, isDefault: m.isDefault })),
          cpuModels: (em.cpuModels ?? []).map((c) => ({ name: c.name, description: c.description })),
        }])),
      };
    } catch (err) {
      if (!(err instanceof QemuNotFoundError)) throw err;
      // Without QEMU the probe stops before looking for swtpm; no VM can start anyway.
      return { qemuVersion: null, qemuBinary: null, accelerators: [], kvm: { usable: false, reason: 'QEMU is not installed' }, uefiAvailable: false, swtpmAvailable: false, installHint: err.installCommand };
    }
  }

  /**
   * The binary and argv that start this VM. Unless `dryRun`, also creates the per-VM UEFI vars
   * (a qcow2 copy of the firmware's template) the first time. `chains`: the disks' checked chains (the start's pre-flight).
   */
  /** `chains`: the pre-flight's checked image chains; `overlays`: a disposable run's overlay maker, called once the UEFI vars file exists (it overlays that too). */
  async launchArgv(
    vm: LoadedVm,
    dirs: { runtimeDir: string; logsDir: string },
    opts: { dryRun?: boolean; chains?: VmChains; overlays?: () => Promise<Record<string, string>> } = {},
  ): Promise<{ binary: string; argv: string[] }> {
    const host = await this.info();
    const emulator = requireEmulator(host, vm.doc.arch);
    const nvramPath = nvramPathOf(vm.bundleDir);
    if (hasUefiVars(vm.doc) && !opts.dryRun) await this.ensureNvram(vm, nvramPath, host);
    // With a TPM, startVm runs swtpm on this socket before QEMU (session/swtpm.ts).
    const tpm = vm.doc.firmware.tpm ? { tpmSocket: swtpmSocketPath(dirs.runtimeDir) } : {};
    const overlays = opts.overlays && !opts.dryRun ? { overlays: await opts.overlays() } : {};
    const directBoot = await unattendedDirectBoot(vm.bundleDir);
    const argv = buildArgv(vm.doc, host, { bundleDir: vm.bundleDir, runtimeDir: dirs.runtimeDir, logsDir: dirs.logsDir, nvramPath, qmpFd: QMP_INHERITED_FD, ...tpm, ...(opts.chains ? { chains: opts.chains } : {}), ...overlays, ...(directBoot ? { directBoot } : {}) });
    return { binary: emulator.binary, argv };
  }

  private async ensureNvram(vm: LoadedVm, nvramPath: string, host: HostInfo): Promise<void> {
    const exists = await access(nvramPath).then(
      () => true,
      () => false,
    );
    if (exists) return;
    const emulator = requireEmulator(host, vm.doc.arch);
    const fw = selectUefiFirmware(emulator, vm.doc.machine, vm.doc.firmware.secureBoot);
    if (!fw) {
      throw new EngineError('start-refused', `no UEFI firmware${vm.doc.firmware.secureBoot ? ' with Secure Boot' : ''} for ${vm.doc.arch}/${vm.doc.machine} was found (install ovmf / edk2)`);
    }
    await mkdir(dirname(nvramPath), { recursive: true });
    const tmp = `${nvramPath}.tmp`;
    await rm(tmp, { force: true });
    await convertImage(fw.varsTemplate.filename, tmp, 'qcow2', { sourceFormat: fw.varsTemplate.format as 'raw' | 'qcow2' });
    await rename(tmp, nvramPath);
  }
}
