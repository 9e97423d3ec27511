// Counters for the fault and soak tests: things a leak would make grow, read from the outside.
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

function walk(dir: string, visit: (path: string, entry: Dirent) => void): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // gone meanwhile
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, visit);
    else visit(p, e);
  }
}

/** Files a crash or a leak may leave: atomic-write temps (`.<name>.<hex>.tmp`), any `*.tmp` (e.g. `qmp.sock.tmp`), `*.part`. */
export function tempFilesUnder(dir: string): string[] {
  const out: string[] = [];
  walk(dir, (p, e) => {
    if (/\.(tmp|part)$/.test(e.name)) out.push(p);
  });
  return out;
}

/** Unix sockets under a folder (the runtime folder: control socket, each VM's qmp/vnc/serial sockets). */
export function socketsUnder(dir: string): string[] {
  const out: string[] = [];
  walk(dir, (p, e) => {
    if (e.isSocket()) out.push(p);
  });
  return out;
}

/** Every file under a folder (a private TMPDIR). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  walk(dir, (p) => out.push(p));
  return out;
}

/** Open file descriptors of a process (Linux /proc). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
