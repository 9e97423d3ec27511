// Background engines a CLI started (`hangar __background-engine`, detached): found in /proc by their command
// line, which names the library (`--library DIR`), so a test can wait for them to exit or stop them.
import { readFileSync, readdirSync } from 'node:fs';

const VERB = '__background-engine';

function cmdlineOf(pid: string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return null;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/** Live background engines whose library lies under one of `roots`. */
export function backgroundEnginePids(roots: readonly string[]): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = cmdlineOf(name);
    if (!argv?.includes(VERB)) continue;
    const library = argv[argv.indexOf('--library') + 1] ?? '';
    if (roots.some((r) => library === r || library.startsWith(`${r}/`))) out.push(Number(name));
  }
  return out;
}

/** Waits until no background engine under `roots` runs; returns the ones still running after `timeoutMs`. */
export async function waitForNoBackgroundEngine(roots: readonly string[], timeoutMs = 15_000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pids = backgroundEnginePids(roots);
    if (pids.length === 0 || Date.now() >= end) return pids;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM to each background engine under `roots` (it closes its socket and lock; VMs are the caller's). */
export function stopBackgroundEngines(roots: readonly string[]): number[] {
  const pids = backgroundEnginePids(roots);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  return pids;
}
