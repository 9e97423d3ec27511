import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionRecord } from './vm-session.js';
import { isPidAlive } from '../storage/library-lock.js';

export type ReattachProbe =
  | { kind: 'none' }
  /** QEMU is still there and its command line names this VM's runtime folder. */
  | { kind: 'alive'; record: SessionRecord }
  /** A session was recorded but its QEMU is gone without a clean exit (it removes its pidfile then). */
  | { kind: 'died'; record: SessionRecord }
  /** Gone after a clean exit while no engine watched. */
  | { kind: 'exited'; record: SessionRecord };

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
    return { kind: 'none' };
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
