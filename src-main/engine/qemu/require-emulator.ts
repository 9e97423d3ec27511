import type { EmulatorInfo, HostInfo } from './host-types.js';
import { QemuNotFoundError } from './errors.js';
import { installCommand, qemuNotFoundMessage } from './install-hint.js';

/** The emulator for a guest arch, or a QemuNotFoundError that names the package to install (pure). */
export function requireEmulator(host: HostInfo, arch: string): EmulatorInfo {
  const e = host.emulators[arch];
  if (e) return e;
  const cmd = installCommand(host.platform, (host.osRelease as Record<string, string> | null) ?? null, arch);
  throw new QemuNotFoundError(qemuNotFoundMessage(arch, cmd), cmd, arch);
}
