// QEMU and qemu-img processes, and the CLI's background engines, that this test started (descendants of
// this process) or that name one of the test's folders: compared before and after each hostile case, so
// nothing is left behind.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  cmd: string;
}

const QEMU = /(^|\/)qemu-(system-[a-z0-9_]+|img)(\s|$)/;
/** A background engine a CLI started (detached, so found by the library its command line names). */
const BACKGROUND_ENGINE = /\s__background-engine(\s|$)/;

function parentOf(pid: string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null; // a zombie holds nothing
    return Number(fields[1]);
  } catch {
    return null;
  }
}

/** Live qemu-system-* / qemu-img processes and background engines that descend from this process or whose command line names a root. */
export function qemuProcesses(roots: readonly string[]): ProcInfo[] {
  const parents = new Map<number, number>();
  const cmds = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(name);
    if (ppid === null) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue;
    }
    parents.set(Number(name), ppid);
    cmds.set(Number(name), cmd);
  }
  const descends = (pid: number): boolean => {
    for (let p: number | undefined = pid, n = 0; p !== undefined && p > 1 && n < 64; p = parents.get(p), n++) if (p === process.pid) return true;
    return false;
  };
  const out: ProcInfo[] = [];
  for (const [pid, cmd] of cmds) {
    if (pid === process.pid || !(QEMU.test(cmd) || BACKGROUND_ENGINE.test(cmd))) continue;
    if (descends(pid) || roots.some((r) => cmd.includes(r))) out.push({ pid, cmd });
  }
  return out;
}

/**
 * Processes in `after` that were not in `before`, once they had up to `graceMs` to exit. A process that is
 * really left behind stays, so the generous default only costs a failing run; a killed QEMU on a loaded
 * machine can take seconds to go.
 */
export async function leftoverProcesses(before: readonly ProcInfo[], roots: readonly string[], graceMs = 15_000): Promise<ProcInfo[]> {
  const old = new Set(before.map((p) => p.pid));
  const deadline = Date.now() + graceMs;
  for (;;) {
    const fresh = qemuProcesses(roots).filter((p) => !old.has(p.pid));
    if (fresh.length === 0 || Date.now() >= deadline) return fresh;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function killProcesses(list: readonly ProcInfo[]): void {
  for (const p of list) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
