import type { EmulatorInfo, FirmwareDescriptor, FirmwareFile, UefiFirmware } from './host-types.js';

/** Parses one firmware descriptor; null for anything that is not a usable descriptor (never throws). */
export function parseFirmwareDescriptor(json: unknown, source: string): FirmwareDescriptor | null {
  if (typeof json !== 'object' || json === null) return null;
  const d = json as Record<string, unknown>;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const file = (v: unknown): FirmwareFile | null => {
    if (typeof v !== 'object' || v === null) return null;
    const f = v as Record<string, unknown>;
    if (typeof f['filename'] !== 'string') return null;
    return { filename: f['filename'], format: typeof f['format'] === 'string' ? f['format'] : 'raw' };
  };
  const mapping = (typeof d['mapping'] === 'object' && d['mapping'] !== null ? d['mapping'] : {}) as Record<string, unknown>;
  const device = typeof mapping['device'] === 'string' ? mapping['device'] : '';
  if (!device) return null;
  const targets = Array.isArray(d['targets'])
    ? d['targets'].flatMap((t: unknown) => {
        if (typeof t !== 'object' || t === null) return [];
        const rec = t as Record<string, unknown>;
        return typeof rec['architecture'] === 'string' ? [{ architecture: rec['architecture'], machines: strings(rec['machines']) }] : [];
      })
    : [];
  return {
    source,
    description: typeof d['description'] === 'string' ? d['description'] : '',
    interfaceTypes: strings(d['interface-types']),
    device,
    // Memory-mapped firmware names its file `filename`; flash firmware has executable + nvram-template.
    executable: device === 'memory' ? file(mapping) : file(mapping['executable']),
    nvramTemplate: file(mapping['nvram-template']),
    targets,
    features: strings(d['features']),
  };
}

/** Shell-style glob as used by descriptor `machines` (`pc-q35-*`): only `*` and `?` are special. */
export function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${re}$`).test(name);
}

/** `q35` → `pc-q35-7.2` using the binary's machine list; unknown names are returned unchanged. */
export function canonicalMachine(emulator: Pick<EmulatorInfo, 'machines'>, machine: string): string {
  const m = emulator.machines.find((x) => x.name === machine);
  return m?.aliasOf ?? machine;
}

function matchesTarget(d: FirmwareDescriptor, arch: string, machine: string): boolean {
  return d.targets.some((t) => t.architecture === arch && t.machines.some((g) => globMatch(g, machine)));
}

/**
 * The UEFI firmware for a machine, like libvirt's auto-selection: descriptors in priority order, flash with a
 * vars template, the right arch and machine, and secure boot exactly as asked. For secure boot, images with
 * enrolled keys win (that is what "secure boot on" means to an OS installer); without it, SMM-requiring
 * builds are avoided so i440fx machines and plain setups work.
 */
export function selectUefiFirmware(emulator: Pick<EmulatorInfo, 'arch' | 'machines' | 'firmware'>, machine: string, secureBoot: boolean): UefiFirmware | null {
  const canonical = canonicalMachine(emulator, machine);
  const candidates = emulator.firmware.filter(
    (d) =>
      d.interfaceTypes.includes('uefi') &&
      d.device === 'flash' &&
      d.executable !== null &&
      d.nvramTemplate !== null &&
      matchesTarget(d, emulator.arch, canonical) &&
      d.features.includes('secure-boot') === secureBoot,
  );
  const rank = (d: FirmwareDescriptor): number =>
    secureBoot ? (d.features.includes('enrolled-keys') ? 0 : 1) : d.features.includes('requires-smm') ? 1 : 0;
  const best = [...candidates].sort((a, b) => rank(a) - rank(b))[0];
  if (!best) return null;
  return {
    code: best.executable!,
    varsTemplate: best.nvramTemplate!,
    secureBoot,
    enrolledKeys: best.features.includes('enrolled-keys'),
    requiresSmm: best.features.includes('requires-smm'),
    descriptor: best.source,
  };
}
