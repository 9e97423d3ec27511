import type { CpuModel, MachineType, QemuVersion } from './host-types.js';

/** `QEMU emulator version 7.2.22 (Debian ...)` → {7, 2, 22}. */
export function parseQemuVersion(text: string): QemuVersion | null {
  const m = /version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3] ?? 0) };
}

/** Parses `-machine help`: `q35   Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)`. */
export function parseMachineHelp(text: string): MachineType[] {
  const out: MachineType[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trimEnd());
    if (!m || line.startsWith('Supported machines')) continue;
    let description = m[2]!.trim();
    let aliasOf: string | null = null;
    let isDefault = false;
    const alias = /\s*\(alias of ([^)]+)\)/.exec(description);
    if (alias) {
      aliasOf = alias[1]!;
      description = description.replace(alias[0], '');
    }
    if (/\s*\(default\)/.test(description)) {
      isDefault = true;
      description = description.replace(/\s*\(default\)/, '');
    }
    out.push({ name: m[1]!, description: description.trim(), aliasOf, isDefault });
  }
  return out;
}

/** `qemu-system-x86_64` / `qemu-system-aarch64.exe` → the target arch, else null. */
export function archOfBinaryName(file: string): string | null {
  const m = /^qemu-system-([a-z0-9_]+?)(?:w)?(?:\.exe)?$/i.exec(file);
  return m ? m[1]!.toLowerCase() : null;
}

/** Node's `os.arch()` → QEMU's target spelling, so "binary arch matches host" is one string compare. */
export function qemuArchOfNode(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386', arm: 'arm', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64' };
  return map[nodeArch] ?? nodeArch;
}


/**
 * `qemu-system-* -cpu help`: the "Available CPUs:" list up to the first blank line (the flag list follows).
 * x86 lines read `x86 <name>  <description>`, others `  <name>`.
 */
export function parseCpuHelp(text: string): CpuModel[] {
  const out: CpuModel[] = [];
  let inList = false;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^Available CPUs:/.test(line)) {
      inList = true;
      continue;
    }
    if (!inList) continue;
    if (line.trim() === '') break;
    const m = /^\s*(?:x86\s+)?(\S+)\s*(.*)$/.exec(line);
    if (!m || !/^[\w.+-]+$/.test(m[1]!)) continue;
    if (!out.some((c) => c.name === m[1])) out.push({ name: m[1]!, description: m[2]!.trim() });
  }
  return out;
}
