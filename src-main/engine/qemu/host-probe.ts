import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, readdir, readFile, stat, writeFile, rename, mkdir } from 'node:fs/promises';
import { arch as nodeArch, homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { Accelerator, CpuModel, EmulatorInfo, FirmwareDescriptor, HostInfo, KvmStatus, MachineType, QemuVersion } from './host-types.js';
import { QemuNotFoundError } from './errors.js';
import { parseFirmwareDescriptor } from './firmware.js';
import { findRiscvBootFiles } from './riscv-boot.js';
import { installCommand, parseOsRelease, qemuNotFoundMessage } from './install-hint.js';
import { archOfBinaryName, parseCpuHelp, parseMachineHelp, parseQemuVersion, qemuArchOfNode } from './probe-parsers.js';
import { countWork } from '../work-counts.js';
import { parseAudiodevHelp } from './host-audio.js';

export interface ProbeOptions {
  /** Searched before PATH (e.g. a bundled QEMU or a user setting). */
  extraDirs?: string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Node spelling (`x64`), defaults to `os.arch()`. */
  nodeArch?: string;
  /** Optional JSON file remembering per-binary results across runs (keyed by path + mtime). */
  cacheFile?: string;
  /** Overrides the firmware descriptor folders (lowest priority first). */
  firmwareDirs?: string[];
  kvmDevice?: string;
  osReleasePath?: string;
  /** Trust an openable /dev/kvm without starting QEMU under KVM once (tests with fake binaries). */
  skipKvmSmokeTest?: boolean;
}

interface BinaryFacts {
  mtimeMs: number;
  size: number;
  /** The file's identity beyond size and mtime (absent in a cache file written before: probed again then). */
  stamp?: string;
  version: QemuVersion;
  machines: MachineType[];
  /** `-cpu help` (absent in a cache file written before it was probed: probed then). */
  cpuModels?: CpuModel[];
  /** The KVM smoke test's verdict for this binary (it only changes with the binary or the host). */
  kvmSmoke?: KvmStatus;
  /** `-audiodev help`'s drivers (absent: not asked yet; asked for the emulator the sound choice uses). */
  audiodevs?: string[];
}

// Running `--version` and `-machine help` costs ~100 ms per binary; they only change when the binary does.
const memoryCache = new Map<string, BinaryFacts>();

/**
 * What identifies a binary's build and whether it may run: size and mtime (an upgrade, a rebuild), inode (a new
 * file renamed over it), ctime (a copy that kept inode, size and mtime; a chmod) and mode (made unrunnable).
 */
export function binaryStamp(s: { size: number; mtimeMs: number; ino: number; ctimeMs: number; mode: number }): string {
  return `${s.size}:${s.mtimeMs}:${s.ino}:${s.ctimeMs}:${s.mode.toString(8)}`;
}

function run(binary: string, args: string[]): Promise<string> {
  countWork('qemuQuery');
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${binary} ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

async function isExecutable(path: string, platform: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    if (platform !== 'win32') await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First `qemu-system-<arch>` per arch, in search-path order (like a shell would pick). */
export async function findQemuBinaries(dirs: string[], platform: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const a = archOfBinaryName(name);
      if (!a || found.has(a)) continue;
      const full = join(dir, name);
      if (await isExecutable(full, platform)) found.set(a, full);
    }
  }
  return found;
}

/** KVM needs Linux, a guest of the host's own arch, and /dev/kvm opened read-write (not just present). */
export async function checkKvm(targetArch: string, hostArch: string, platform: string, device = '/dev/kvm'): Promise<KvmStatus> {
  if (platform !== 'linux') return { usable: false, reason: `KVM is only available on Linux; guests run under TCG emulation (slow)` };
  const sameArch = targetArch === hostArch || (hostArch === 'x86_64' && targetArch === 'i386');
  if (!sameArch) return { usable: false, reason: `KVM only runs guests of the host architecture (${hostArch}); ${targetArch} guests run under TCG emulation (slow)` };
  try {
    const fh = await open(device, 'r+');
    await fh.close();
    return { usable: true, reason: '' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { usable: false, reason: `${device} does not exist: enable virtualization (VT-x/AMD-V) in the firmware setup and load the kvm module; guests run under TCG emulation (slow)` };
    if (code === 'EACCES' || code === 'EPERM') return { usable: false, reason: `${device} is not writable by this user: add yourself to the "kvm" group (sudo usermod -aG kvm $USER) and log in again; guests run under TCG emulation (slow)` };
    return { usable: false, reason: `${device} cannot be opened (${code ?? (err as Error).message}); guests run under TCG emulation (slow)` };
  }
}

const kvmSmokeCache = new Map<string, KvmStatus>();

/**
 * An openable /dev/kvm is not proof: nested or emulated KVM can accept the VM and then abort QEMU while setting
 * up a vCPU ("failed to set MSR ..."), seen on our build machines. So start the binary once under KVM with
 * `-cpu host`, paused, and ask QMP whether KVM is on. Remembered per binary path + stamp for this process.
 */
export async function smokeTestKvm(binary: string, arch: string, stamp: string | number, timeoutMs = 15_000): Promise<KvmStatus> {
  const key = `${binary}\0${stamp}`;
  const cached = kvmSmokeCache.get(key);
  if (cached) return cached;
  const machine = arch === 'x86_64' || arch === 'i386' ? 'q35' : 'virt';
  const args = ['-machine', machine, '-accel', 'kvm', '-cpu', 'host', '-nodefaults', '-no-user-config', '-display', 'none', '-S', '-qmp', 'stdio'];
  countWork('qemuQuery');
  const result = await new Promise<KvmStatus>((resolve) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.on('error', () => undefined); // QEMU may die before reading
    child.stdin.end('{"execute":"qmp_capabilities"}\n{"execute":"query-kvm"}\n{"execute":"quit"}\n');
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ usable: false, reason: `could not run ${binary}: ${e.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const enabled = /"enabled":\s*true/.test(out);
      if (code === 0 && enabled) return resolve({ usable: true, reason: '' });
      const line = err.trim().split('\n').find((l) => /error|fail|assert/i.test(l)) ?? err.trim().split('\n').pop() ?? `exit ${code}`;
      resolve({ usable: false, reason: `/dev/kvm is accessible but QEMU cannot run a KVM guest here (${line.replace(/^.*?qemu-system-\S+: /, '')}); guests run under TCG emulation (slow)` });
    });
  });
  kvmSmokeCache.set(key, result);
  return result;
}

/** Descriptor folders, lowest priority first, as QEMU's firmware spec orders them; plus the binary's own prefix. */
function defaultFirmwareDirs(env: NodeJS.ProcessEnv, binaries: string[]): string[] {
  const prefixes = [...new Set(binaries.map((b) => join(dirname(dirname(b)), 'share', 'qemu', 'firmware')))];
  const config = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return [...prefixes.filter((p) => p !== '/usr/share/qemu/firmware'), '/usr/share/qemu/firmware', '/etc/qemu/firmware', join(config, 'qemu', 'firmware')];
}

/**
 * Loads descriptors. Per the spec a file in a later folder replaces one of the same name in an earlier folder
 * (an empty file masks it), and the survivors are ordered by file name (`40-...` before `60-...`).
 */
export async function loadFirmwareDescriptors(dirs: string[]): Promise<FirmwareDescriptor[]> {
  countWork('firmwareList');
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.json')) byName.set(n, join(dir, n));
  }
  const out: FirmwareDescriptor[] = [];
  for (const name of [...byName.keys()].sort()) {
    const path = byName.get(name)!;
    try {
      const text = await readFile(path, 'utf8');
      if (!text.trim()) continue;
      const d = parseFirmwareDescriptor(JSON.parse(text), path);
      if (d) out.push(d);
    } catch {
      // A broken descriptor from some other package must not hide the good ones.
    }
  }
  return out;
}

async function readCacheFile(path: string | undefined): Promise<Record<string, BinaryFacts>> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, BinaryFacts>) : {};
  } catch {
    return {};
  }
}

async function writeCacheFile(path: string, data: Record<string, BinaryFacts>): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data), 'utf8');
    await rename(tmp, path);
  } catch {
    // The cache is an optimisation; a read-only folder must not fail the probe.
  }
}

async function binaryFacts(binary: string, fileCache: Record<string, BinaryFacts>): Promise<{ facts: BinaryFacts; fresh: boolean }> {
  const s = await stat(binary);
  const stamp = binaryStamp(s);
  const fits = (f: BinaryFacts | undefined): f is BinaryFacts => !!f && f.mtimeMs === s.mtimeMs && f.size === s.size && f.stamp === stamp;
  const mem = memoryCache.get(binary);
  if (fits(mem) && mem.cpuModels) return { facts: mem, fresh: false };
  const disk = fileCache[binary];
  if (fits(disk)) {
    if (disk.cpuModels) {
      memoryCache.set(binary, disk);
      return { facts: disk, fresh: false };
    }
    const facts = { ...disk, cpuModels: await cpuModels(binary) };
    memoryCache.set(binary, facts);
    return { facts, fresh: true };
  }
  const versionText = await run(binary, ['--version']);
  const version = parseQemuVersion(versionText);
  if (!version) throw new Error(`${binary} --version printed no version: ${versionText.slice(0, 200)}`);
  const machines = parseMachineHelp(await run(binary, ['-machine', 'help']));
  const facts: BinaryFacts = { mtimeMs: s.mtimeMs, size: s.size, stamp, version, machines, cpuModels: await cpuModels(binary) };
  memoryCache.set(binary, facts);
  return { facts, fresh: true };
}

/** The CPU models a binary offers; none when it cannot say (the settings then take free text only). */
async function cpuModels(binary: string): Promise<CpuModel[]> {
  try {
    return parseCpuHelp(await run(binary, ['-cpu', 'help']));
  } catch {
    return [];
  }
}

/** A probe failure for a message: printable, one line, short (a broken binary may print anything). */
function oneLine(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > 160 ? `${clean.slice(0, 160)}…` : clean;
}

async function readOsRelease(path: string): Promise<Record<string, string> | null> {
  try {
    return parseOsRelease(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Looks at this machine: QEMU binaries, their versions, machines, accelerators, UEFI firmware, swtpm. */
export async function probeHost(options: ProbeOptions = {}): Promise<HostInfo> {
  countWork('hostProbe');
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const hostArch = qemuArchOfNode(options.nodeArch ?? nodeArch());
  const osRelease = platform === 'linux' ? await readOsRelease(options.osReleasePath ?? '/etc/os-release') : null;
  const pathDirs = (env['PATH'] ?? '').split(delimiter).filter(Boolean);
  const dirs = [...(options.extraDirs ?? []), ...pathDirs];
  const binaries = await findQemuBinaries(dirs, platform);
  const installHint = installCommand(platform, osRelease, hostArch);
  if (binaries.size === 0) throw new QemuNotFoundError(qemuNotFoundMessage(null, installHint), installHint);

  const firmware = await loadFirmwareDescriptors(options.firmwareDirs ?? defaultFirmwareDirs(env, [...binaries.values()]));
  const fileCache = await readCacheFile(options.cacheFile);
  let dirty = false;
  const emulators: Record<string, EmulatorInfo> = {};
  const factsOf = new Map<string, BinaryFacts>();
  const broken: string[] = [];
  for (const [arch, binary] of binaries) {
    let facts: BinaryFacts;
    try {
      const r = await binaryFacts(binary, fileCache);
      facts = r.facts;
      if (r.fresh) {
        fileCache[binary] = facts;
        dirty = true;
      }
    } catch (err) {
      // A broken binary (wrong arch, missing libraries, not QEMU at all) is as good as absent, but say which.
      broken.push(`${binary} does not work (${oneLine((err as Error).message)})`);
      continue;
    }
    let kvm = await checkKvm(arch, hostArch, platform, options.kvmDevice);
    if (kvm.usable && !options.skipKvmSmokeTest) {
      // Remembered in the cache file too: every CLI process probes, and the smoke test costs a QEMU start.
      if (!facts.kvmSmoke) {
        facts.kvmSmoke = await smokeTestKvm(binary, arch, facts.stamp ?? facts.mtimeMs);
        fileCache[binary] = facts;
        dirty = true;
      }
      kvm = facts.kvmSmoke;
    }
    const accelerators: Accelerator[] = kvm.usable ? ['kvm', 'tcg'] : ['tcg'];
    factsOf.set(arch, facts);
    emulators[arch] = {
      arch,
      binary,
      version: facts.version,
      accelerators,
      kvm,
      machines: facts.machines,
      cpuModels: facts.cpuModels ?? [],
      firmware: firmware.filter((d) => d.targets.some((t) => t.architecture === arch)),
      ...(arch === 'riscv64' ? { riscvBoot: await findRiscvBootFiles(binary) } : {}),
    };
  }
  if (Object.keys(emulators).length === 0) {
    throw new QemuNotFoundError(`No working QEMU was found: ${broken.join('; ')}. Reinstall it with: ${installHint}`, installHint);
  }
  // The sound choice's drivers, kept with the binary's other facts: without this every new engine (each cold CLI)
  // ran QEMU once more before its first start (host-audio.ts).
  const soundArch = emulators[hostArch] ? hostArch : Object.keys(emulators)[0]!;
  const soundFacts = factsOf.get(soundArch)!;
  if (!soundFacts.audiodevs) {
    const listed = await run(emulators[soundArch]!.binary, ['-audiodev', 'help']).then(parseAudiodevHelp, () => null);
    // A failure (a timeout on a loaded machine) is not remembered: the next probe asks again.
    if (listed) {
      soundFacts.audiodevs = listed;
      fileCache[emulators[soundArch]!.binary] = soundFacts;
      dirty = true;
    }
  }
  if (soundFacts.audiodevs) emulators[soundArch]!.audiodevs = soundFacts.audiodevs;
  if (dirty && options.cacheFile) await writeCacheFile(options.cacheFile, fileCache);
  const swtpm = (await findExecutable('swtpm', dirs, platform)) ?? null;
  const osIds = osRelease ? { ID: osRelease['ID'] ?? '', ID_LIKE: osRelease['ID_LIKE'] ?? '' } : null;
  return { hostArch, platform, emulators, swtpm, installHint, osRelease: osIds };
}

async function findExecutable(name: string, dirs: string[], platform: string): Promise<string | undefined> {
  for (const dir of dirs) {
    const full = join(dir, platform === 'win32' ? `${name}.exe` : name);
    if (await isExecutable(full, platform)) return full;
  }
  return undefined;
}

/** Forgets what this process knows of one binary (a start could not run it: the next probe looks afresh). */
export function forgetBinary(binary: string): void {
  memoryCache.delete(binary);
  for (const key of kvmSmokeCache.keys()) if (key.startsWith(`${binary}\0`)) kvmSmokeCache.delete(key);
}

/** For tests: forget per-binary results. */
export function clearProbeCache(): void {
  memoryCache.clear();
  kvmSmokeCache.clear();
}
