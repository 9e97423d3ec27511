import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HostAudio, HostInfo, QemuVersion } from './host-types.js';

/** `-audiodev help` → the drivers this QEMU can load (Debian prints missing modules on stderr, not here). */
export function parseAudiodevHelp(stdout: string): string[] {
  const lines = stdout.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => /^Available audio drivers:?$/i.test(l));
  if (start < 0) return [];
  return lines.slice(start + 1).filter((l) => /^[a-z][a-z0-9_-]*$/.test(l));
}

/** What the choice looks at on this machine (injected so the choice is testable). */
export interface AudioHostFacts {
  platform: string;
  env: NodeJS.ProcessEnv;
  version: QemuVersion;
  osRelease: { ID?: string; ID_LIKE?: string } | null;
  /** Does this path exist? */
  exists: (path: string) => boolean;
  /** /proc/asound/cards, or null when unreadable. */
  alsaCards: string | null;
}

export function realAudioHostFacts(platform: string, env: NodeJS.ProcessEnv, version: QemuVersion, osRelease: AudioHostFacts['osRelease']): AudioHostFacts {
  let alsaCards: string | null = null;
  try {
    alsaCards = platform === 'linux' ? readFileSync('/proc/asound/cards', 'utf8') : null;
  } catch {
    alsaCards = null;
  }
  return { platform, env, version, osRelease, exists: existsSync, alsaCards };
}

const NAMES: Record<string, string> = { pipewire: 'PipeWire', pa: 'PulseAudio', alsa: 'ALSA', coreaudio: 'Core Audio', dsound: 'DirectSound', none: 'no host output' };

/** The package that adds QEMU's PulseAudio/PipeWire audio modules on this distribution. */
function soundModulesPackage(osRelease: AudioHostFacts['osRelease']): string {
  const ids = `${osRelease?.ID ?? ''} ${osRelease?.ID_LIKE ?? ''}`;
  if (/debian|ubuntu/.test(ids)) return 'sudo apt install qemu-system-gui';
  if (/fedora|rhel|centos/.test(ids)) return 'sudo dnf install qemu-audio-pipewire qemu-audio-pa';
  if (/arch/.test(ids)) return 'sudo pacman -S qemu-audio-pipewire qemu-audio-pa';
  if (/suse/.test(ids)) return 'sudo zypper install qemu-audio-pipewire qemu-audio-pa';
  return "your distribution's QEMU audio modules package (PulseAudio or PipeWire)";
}

/**
 * The backend QEMU plays a VM's sound card to: the host's sound server where this QEMU has its driver and the
 * server is running (QEMU exits at start when an `-audiodev` driver cannot connect), else `none` (the guest
 * still has its card; the display streams the sound over VNC either way). Says what is missing and how to get it.
 */
export function chooseAudioBackend(drivers: readonly string[], facts: AudioHostFacts): HostAudio {
  const has = (d: string) => drivers.includes(d);
  const pick = (backend: string, missing: string | null = null, install: string | null = null): HostAudio =>
    ({ backend, label: NAMES[backend] ?? backend, drivers: [...drivers], missing, install });
  switch (facts.platform) {
    case 'darwin':
      return has('coreaudio') ? pick('coreaudio') : pick('none', 'this QEMU has no Core Audio driver', 'brew reinstall qemu');
    case 'win32':
      return has('dsound') ? pick('dsound') : pick('none', 'this QEMU has no DirectSound driver', 'a QEMU build for Windows with DirectSound');
    default:
      break;
  }
  const runtime = facts.env['XDG_RUNTIME_DIR'];
  const pipewireUp = !!runtime && facts.exists(join(runtime, 'pipewire-0'));
  const pulseUp = !!facts.env['PULSE_SERVER'] || (!!runtime && facts.exists(join(runtime, 'pulse', 'native')));
  // QEMU's own PipeWire driver exists from 8.1; before, PipeWire is reached through its PulseAudio socket.
  const pipewireDriver = has('pipewire') && (facts.version.major > 8 || (facts.version.major === 8 && facts.version.minor >= 1));
  if (pipewireDriver && pipewireUp) return pick('pipewire');
  if (has('pa') && pulseUp) return pick('pa');
  const card = facts.alsaCards !== null && /^\s*\d+\s*\[/m.test(facts.alsaCards);
  const install = soundModulesPackage(facts.osRelease);
  if (!has('pa') && !pipewireDriver) {
    if (has('alsa') && card) return pick('alsa', 'this QEMU has no PulseAudio or PipeWire driver (sound goes straight to the ALSA card)', install);
    return pick('none', 'this QEMU has no PulseAudio or PipeWire driver', install);
  }
  if (has('alsa') && card) return pick('alsa', 'no sound server is running (sound goes straight to the ALSA card)', null);
  return pick('none', 'no sound server (PulseAudio or PipeWire) is running for this user', null);
}

/** QEMU's module folders for a binary in <prefix>/bin (Debian: <prefix>/lib/x86_64-linux-gnu/qemu). */
function moduleDirs(binary: string): string[] {
  const prefix = dirname(dirname(binary));
  const dirs = [join(prefix, 'lib', 'qemu'), join(prefix, 'lib64', 'qemu')];
  try {
    for (const d of readdirSync(join(prefix, 'lib'))) if (d.endsWith('-linux-gnu')) dirs.push(join(prefix, 'lib', d, 'qemu'));
  } catch {
    // no lib folder
  }
  return dirs;
}

/** `audio-pa.so` → `pa`: drivers shipped as modules (Debian's qemu-system-gui adds pa, sdl, jack). */
export function audioModulesOf(files: readonly string[]): string[] {
  return files.flatMap((f) => /^audio-([a-z0-9_]+)\.so$/.exec(f)?.[1] ?? []);
}

/**
 * The sound side of the host probe: the drivers `-audiodev help` lists (built in and loadable modules) plus the
 * module files next to the binary, then the choice. Never throws: a QEMU that cannot say gets `none`.
 */
export async function probeHostAudio(host: HostInfo, env: NodeJS.ProcessEnv): Promise<HostAudio> {
  const emulator = host.emulators[host.hostArch] ?? Object.values(host.emulators)[0];
  if (!emulator) return chooseAudioBackend([], realAudioHostFacts(host.platform, env, { major: 0, minor: 0, micro: 0 }, host.osRelease));
  // The probe asks QEMU once per binary and caches the answer (host-probe.ts); a HostInfo without it asks here.
  const listed =
    emulator.audiodevs ??
    (await new Promise<string[]>((resolve) => {
      execFile(emulator.binary, ['-audiodev', 'help'], { timeout: 15_000 }, (err, stdout) => resolve(err ? [] : parseAudiodevHelp(String(stdout))));
    }));
  const modules = moduleDirs(emulator.binary).flatMap((d) => {
    try {
      return audioModulesOf(readdirSync(d));
    } catch {
      return [];
    }
  });
  const drivers = [...new Set([...listed, ...modules])];
  return chooseAudioBackend(drivers, realAudioHostFacts(host.platform, env, emulator.version, host.osRelease));
}
