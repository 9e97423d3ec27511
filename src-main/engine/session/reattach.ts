import { readFileSync } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { SessionRecord } from './vm-session.js';
import { endSwtpm, isSwtpmOf, runningSwtpm } from './swtpm.js';
import { isPidAlive } from '../storage/library-lock.js';

export type ReattachProbe =
  | { kind: 'none' }
  /** QEMU is still there and its command line names this VM's runtime folder. */
  | { kind: 'alive'; record: SessionRecord }
  /** A session was recorded but its QEMU is gone without a clean exit (it removes its pidfile then). */
  | { kind: 'died'; record: SessionRecord }
  /** Gone after a clean exit while no engine watched. */
  | { kind: 'exited'; record: SessionRecord }
  /**
   * QEMU runs in this VM's runtime folder but no session was recorded: an engine was killed during the start,
   * between spawning QEMU (still paused at `-S`) and writing session.json, or before QEMU ran at all (`pids`
   * empty; the folder may hold `qmp.sock.tmp`). The start never finished: end it and remove the folder.
   * `swtpmPids`: the TPM of that start (swtpm runs before QEMU; with no QEMU connected, `--terminate` never fires).
   */
  | { kind: 'unrecorded'; pids: number[]; swtpmPids: number[] };

async function readProc(pid: number, file: string): Promise<string | null> {
  try {
    return await readFile(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

/** Decides whether a VM left behind by an earlier engine is still running and really ours. */
export async function probeLeftover(runtimeDir: string): Promise<ReattachProbe> {
  let record: SessionRecord;
  try {
    record = JSON.parse(await readFile(join(runtimeDir, 'session.json'), 'utf8')) as SessionRecord;
  } catch {
    const found = await unrecordedProcesses(runtimeDir);
    return found === null ? { kind: 'none' } : { kind: 'unrecorded', ...found };
  }
  const pidfile = await readFile(join(runtimeDir, 'qemu.pid'), 'utf8').catch(() => null);
  if (isPidAlive(record.pid)) {
    const stat = await readProc(record.pid, 'stat');
    const zombie = stat !== null && / Z /.test(stat.slice(stat.lastIndexOf(')')));
    const cmdline = await readProc(record.pid, 'cmdline');
    // On hosts without /proc we trust the pidfile; on Linux the cmdline must name our runtime folder.
    const ours = cmdline === null ? pidfile?.trim() === String(record.pid) : cmdline.split('\0').some((a) => a.includes(runtimeDir));
    if (!zombie && ours) return { kind: 'alive', record };
  }
  return pidfile === null ? { kind: 'exited', record } : { kind: 'died', record };
}

/**
 * QEMU processes whose command line names `runtimeDir` and the swtpm started for it, or null when the folder
 * does not exist (a stopped VM has none, so a big library costs nothing). Pid files may not be written yet
 * (QEMU's, or swtpm's while it daemonizes), so /proc is scanned too; swtpm is recognised by the runtime
 * folder it carries in its environment (its command line has only relative paths), as stopSwtpm does.
 */
async function unrecordedProcesses(runtimeDir: string): Promise<{ pids: number[]; swtpmPids: number[] } | null> {
  try {
    await access(runtimeDir);
  } catch {
    return null;
  }
  const swtpm = new Set<number>();
  const recorded = await runningSwtpm(runtimeDir);
  if (recorded !== null) swtpm.add(recorded);
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return { pids: [], swtpmPids: [...swtpm] }; // no /proc: only the pid file tells
  }
  const pids: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = await readProc(Number(name), 'cmdline');
    if (cmdline === null) continue;
    const args = cmdline.split('\0');
    if (/qemu-system/.test(args[0] ?? '') && args.some((a) => a.includes(`${runtimeDir}/`))) pids.push(Number(name));
    else if (/swtpm/.test(basename(args[0] ?? '')) && (await isSwtpmOf(Number(name), runtimeDir))) swtpm.add(Number(name));
  }
  return { pids, swtpmPids: [...swtpm] };
}

/**
 * Ends the processes of a start that never finished (see `unrecorded`) and waits until they are gone: QEMU first
 * (its swtpm may then end by itself through `--terminate`), then the swtpm, gently (it writes its state on SIGTERM).
 */
export async function killUnrecorded(runtimeDir: string, found: { pids: number[]; swtpmPids: number[] }): Promise<void> {
  const { pids } = found;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  for (let i = 0; i < 100 && pids.some((pid) => isPidAlive(pid) && !isZombie(pid)); i++) await new Promise((r) => setTimeout(r, 20));
  // Checked again: one that ended with its QEMU must not be mistaken for a recycled pid.
  await Promise.all(found.swtpmPids.map(async (pid) => (await isSwtpmOf(pid, runtimeDir)) && endSwtpm(pid)));
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return / Z /.test(stat.slice(stat.lastIndexOf(')')));
  } catch {
    return false;
  }
}
