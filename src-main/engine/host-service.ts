import { accessSync, constants, statSync } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EngineError, type HostSummary } from '../../src-shared/contract/index.js';
import { binaryStamp, forgetBinary, probeHost } from './qemu/host-probe.js';
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
import { hangarCacheDir } from './session/start-plan-file.js';

/** Per-user cache of what each QEMU binary can do (keyed by path, size and mtime inside). */
export function probeCacheFile(env: NodeJS.ProcessEnv): string {
  return join(hangarCacheDir(env), 'qemu-probe.json');
}

/** Where a VM's UEFI variables live: qcow2, so internal snapshots also cover them. */
export function nvramPathOf(bundleDir: string): string {
  return join(bundleDir, 'nvram', 'efivars.qcow2');
}

/**
 * What identifies a binary's build and mode (host-probe.ts's binaryStamp). null: gone.
 */
function stampOf(path: string): string | null {
  // Synchronous on purpose: a stat of a local binary takes microseconds, while a trip through libuv's thread pool
  // per binary, per start, costs milliseconds on a loaded machine (the start split's "probe").
  const s = statSync(path, { throwIfNoEntry: false });
  return s ? binaryStamp(s) : null;
}

/** A file this process may execute (what the probe's search accepts; a folder's search bit does not count). */
function runnable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The engine's view of the host: a cached probe, the argv for a VM, and per-VM firmware files. The probe (and the
 * firmware list it reads) is taken once and kept while the QEMU binaries it found keep their path, size, mtime,
 * inode, ctime and mode: each use stats them (microseconds), and a changed binary that still runs makes the next
 * use probe again. A binary that is gone or no longer executable does not: a new probe would quietly pick another
 * one further down PATH, so the start runs the one it knows, fails naming it (ENOENT, EACCES), and that failure
 * (spawnFailed) drops the probe so the next start looks afresh.
 */
export class HostService {
  private cached: Promise<HostInfo> | null = null;
  /** Binary path → stamp, for the probe in `cached` once it has succeeded. */
  private stamps: ReadonlyMap<string, string | null> | null = null;

  constructor(private readonly options: { env: NodeJS.ProcessEnv; extraDirs: string[] }) {}

  /** The engine's environment (the download service reads its proxy, mirror and folder settings from it). */
  get env(): NodeJS.ProcessEnv {
    return this.options.env;
  }

  /** `refresh` forgets a successful probe too ("Check again" after installing firmware: QEMU was found, OVMF not). */
  async info(opts: { refresh?: boolean } = {}): Promise<HostInfo> {
    const seen = this.cached;
    if (opts.refresh) this.forget(seen);
    else if (seen && this.stamps && !this.binariesUnchanged(this.stamps)) this.forget(seen);
    this.cached ??= this.probe();
    return this.cached;
  }

  private probe(): Promise<HostInfo> {
    const probing: Promise<HostInfo> = probeHost({ env: this.options.env, extraDirs: this.options.extraDirs, cacheFile: probeCacheFile(this.options.env) }).then(
      async (host) => {
        const binaries = Object.values(host.emulators).map((e) => e.binary);
        const stamps = new Map(binaries.map((b) => [b, stampOf(b)] as const));
        if (this.cached === probing) this.stamps = stamps;
        return { ...host, audio: await probeHostAudio(host, this.options.env) };
      },
      (err: unknown) => {
        // A failed probe (no QEMU) is not cached: installing QEMU then "Check again" must work.
        this.forget(probing);
        throw err;
      },
    );
    return probing;
  }

  /** Forgets `which` if it is still the cached probe (two callers that both saw a change probe once). */
  private forget(which: Promise<HostInfo> | null): void {
    if (this.cached !== which) return;
    this.cached = null;
    this.stamps = null;
  }

  private binariesUnchanged(stamps: ReadonlyMap<string, string | null>): boolean {
    for (const [path, stamp] of stamps) {
      const now = stampOf(path);
      if (now !== null && now !== stamp && runnable(path)) return false;
    }
    return true;
  }

  /**
   * A start could not run `binary` (spawn refused, or QEMU exited before QMP answered): forget the probe that
   * chose it and what this process knew of that binary, so the next start probes again instead of repeating it.
   */
  spawnFailed(binary: string): void {
    forgetBinary(binary);
    if (!this.stamps || this.stamps.has(binary)) this.forget(this.cached);
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
